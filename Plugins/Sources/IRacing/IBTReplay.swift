import BrokerCore
import Logging

/// Plays an .ibt file into the hub at the file's own tick rate (times `speed`; 0 = as fast as
/// possible), once or in a loop, on the broker's clock.
///
/// Frames are scheduled on an absolute timeline from the start of each pass, so a slow wake-up never
/// adds drift. The timeline follows `SessionTick` when the file has it (a dropped sim frame keeps its
/// gap, clamped to one second), else one tick per row.
///
/// A file removed, replaced or cut short while it plays stops the replay: the status turns
/// `connected: false` with the reason, the path is opened again every `reopenInterval` seconds (one
/// log line per distinct problem), and once it holds a valid file again that file is replayed from
/// its start.
struct IBTReplay {
    let file: IBTFile
    let speed: Double
    let loop: Bool
    let hub: SourceHub
    let clock: any BrokerClock
    let logger: Logger

    /// At `speed: 0`, rows between cooperative yields (so cancellation stays prompt).
    static let rowsPerYield = 64
    /// The file is checked (still there, still whole: two `stat` calls) before every row of a timed
    /// replay, and every this many rows at `speed: 0`.
    static let rowsPerCheckAtFullSpeed = 64
    /// Seconds between attempts to open a file that went away.
    static let reopenInterval = 1.0

    /// Why a replay stopped before its end.
    struct Interrupted: Error {
        var reason: String
    }

    func run() async throws {
        var current = file
        while true {
            do {
                try await play(current)
            } catch let interrupted as Interrupted {
                hub.setConnected(false, details: [("mode", "ibt"), ("reason", .string(interrupted.reason))])
                logger.warning("replay stopped: \(interrupted.reason); opening \(file.path) again every \(formatSeconds(Self.reopenInterval)) s")
                current = try await reopen()
                logger.info("\(current.path) is readable again: replaying it from the start")
                continue
            }
            let details: [(String, JSONValue)] = [("mode", "ibt"), ("rows", .int(Int64(current.rowCount)))]
            hub.setConnected(false, details: details + [("reason", "the replay reached the end of the file")])
            logger.info("replay finished: \(current.rowCount) rows")
            while true { try await clock.sleep(until: clock.now() + 3600) }
        }
    }

    /// Plays `file` to its end (forever with `loop`); throws `Interrupted` when the file goes away.
    private func play(_ file: IBTFile) async throws {
        var publisher = IRacingPublisher(hub: hub, logger: logger)
        publisher.declare(file.description)
        publisher.updateSessionInfo(file.sessionInfoBytes, update: file.header.sessionInfoUpdate)
        hub.setConnected(true, details: [("mode", "ibt"), ("rows", .int(Int64(file.rowCount)))])
        logger.info(
            "replaying \(file.path): \(file.rowCount) rows at \(file.header.tickRate) Hz, speed \(speed == 0 ? "as fast as possible" : "x\(speed)")\(loop ? ", looping" : "")"
        )

        let tickRate = file.header.tickRate
        let sessionTick = file.description.variable(named: "SessionTick").flatMap { $0.type == .int ? $0 : nil }
        let secondsPerTick = speed > 0 ? 1 / (Double(tickRate) * speed) : 0
        var passStart = clock.now()
        var totalTicks = 0
        repeat {
            var elapsedTicks = 0
            var previousTick: Int?
            for index in 0..<file.rowCount {
                if speed > 0 || index % Self.rowsPerCheckAtFullSpeed == 0, let problem = file.problem() {
                    throw Interrupted(reason: problem)
                }
                let row: [UInt8]
                do {
                    row = try file.row(index)
                } catch {
                    throw Interrupted(reason: "\(error)")
                }
                let tick = sessionTick.flatMap { variable in row.withUnsafeBytes { variable.integer(in: $0) } }
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
                publisher.publish(row, tick: totalTicks + elapsedTicks)
            }
            // The next pass starts one tick after this one's last row.
            passStart += Double(elapsedTicks + 1) * secondsPerTick
            totalTicks += elapsedTicks + 1
            publisher.restarted()
        } while loop
    }

    /// Opens the path again until it holds a valid file; each distinct failure is logged once and
    /// shown as the status reason.
    private func reopen() async throws -> IBTFile {
        var shown: String?
        while true {
            try await clock.sleep(until: clock.now() + Self.reopenInterval)
            do {
                return try IBTFile(path: file.path)
            } catch {
                let reason = "\(error)"
                guard reason != shown else { continue }
                shown = reason
                hub.setConnected(false, details: [("mode", "ibt"), ("reason", .string(reason))])
                logger.warning("cannot replay yet: \(reason)")
            }
        }
    }
}
