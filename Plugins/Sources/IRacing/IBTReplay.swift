import BrokerCore
import Logging

/// Plays an .ibt file into the hub at the file's own tick rate (times `speed`; 0 = as fast as
/// possible), once or in a loop, on the broker's clock.
///
/// Frames are scheduled on an absolute timeline from the start of each pass, so a slow wake-up never
/// adds drift. The timeline follows `SessionTick` when the file has it (a dropped sim frame keeps its
/// gap, clamped to one second), else one tick per row.
struct IBTReplay {
    let file: IBTFile
    let speed: Double
    let loop: Bool
    let hub: SourceHub
    let clock: any BrokerClock
    let logger: Logger

    /// At `speed: 0`, rows between cooperative yields (so cancellation stays prompt).
    static let rowsPerYield = 64

    func run() async throws {
        var publisher = IRacingPublisher(hub: hub, logger: logger)
        publisher.declare(file.description)
        publisher.updateSessionInfo(file.sessionInfoBytes, update: file.header.sessionInfoUpdate)
        let details: [(String, JSONValue)] = [("mode", "ibt"), ("rows", .int(Int64(file.rowCount)))]
        hub.setConnected(true, details: details)
        logger.info(
            "replaying \(file.path): \(file.rowCount) rows at \(file.header.tickRate) Hz, speed \(speed == 0 ? "as fast as possible" : "x\(speed)")\(loop ? ", looping" : "")")

        let tickRate = file.header.tickRate
        let sessionTick = file.description.variable(named: "SessionTick").flatMap { $0.type == .int ? $0 : nil }
        let secondsPerTick = speed > 0 ? 1 / (Double(tickRate) * speed) : 0
        var passStart = clock.now()
        var totalTicks = 0
        repeat {
            var elapsedTicks = 0
            var previousTick: Int?
            for index in 0..<file.rowCount {
                let tick = sessionTick.flatMap { variable in file.withRow(index) { variable.integer(in: $0) } }
                if index > 0 {
                    if let tick, let previousTick {
                        elapsedTicks += min(max(tick - previousTick, 1), tickRate)
                    } else {
                        elapsedTicks += 1
                    }
                }
                previousTick = tick
                if speed > 0 {
                    try await clock.sleep(until: passStart + Double(elapsedTicks) * secondsPerTick)
                } else if index % Self.rowsPerYield == 0 {
                    await Task.yield()
                    try Task.checkCancellation()
                }
                publisher.publish(file.row(index), tick: totalTicks + elapsedTicks)
            }
            // The next pass starts one tick after this one's last row.
            passStart += Double(elapsedTicks + 1) * secondsPerTick
            totalTicks += elapsedTicks + 1
            publisher.restarted()
        } while loop

        hub.setConnected(false, details: details + [("reason", "the replay reached the end of the file")])
        logger.info("replay finished: \(file.rowCount) rows")
        while true { try await clock.sleep(until: clock.now() + 3600) }
    }
}
