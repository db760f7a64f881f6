import BrokerCore
import Logging

/// Turns what the readers produce into hub calls: variable declarations, frames (the sim's rows as
/// they are), `lap` and `sessionInfoChanged` events, and the session-info tree.
///
/// Shared by the replay and the live followers so every mode publishes the same way.
struct IRacingPublisher {
    let hub: SourceHub
    let logger: Logger
    private(set) var layout: FrameLayout?
    private(set) var description: IRSDKDescription?
    private var laps: LapTracker?
    private var sessionInfo = SessionInfoParser()

    init(hub: SourceHub, logger: Logger) {
        self.hub = hub
        self.logger = logger
    }

    /// Registers every variable the sim declares, at its own offset in rows of `bufLen` bytes.
    mutating func declare(_ description: IRSDKDescription) {
        layout = hub.declare(description.declarations, rowSize: description.header.bufferLength)
        self.description = description
        laps = LapTracker(description)
        for note in description.notes { logger.debug("\(note)") }
        logger.info(
            "declared \(description.variables.count) variables (\(description.header.bufferLength)-byte rows at \(description.header.tickRate) Hz)")
    }

    /// Publishes one row as a frame and emits any lap it completes. `tick` counts sim ticks.
    mutating func publish(_ row: [UInt8], tick: Int) {
        guard let layout else { return }
        hub.publish(row: row, layout: layout)
        guard laps != nil else { return }
        let events = row.withUnsafeBytes { laps?.observe($0, tick: tick) ?? [] }
        for data in events { hub.emit("lap", data) }
    }

    /// The sim restarted: lap counting starts over.
    mutating func restarted() {
        laps?.reset()
    }

    /// Parses new session-info text; sets the tree and emits `sessionInfoChanged` unless no section
    /// at all could be read (then the previous tree stays).
    mutating func updateSessionInfo(_ bytes: [UInt8], update: Int32) {
        let result = sessionInfo.parse(bytes)
        for failure in result.failures {
            logger.warning("session info update \(update): \(failure) (the other sections are served)")
        }
        guard result.sectionCount > 0 else {
            logger.warning("session info update \(update) has no readable section (\(bytes.count) bytes); keeping the previous one")
            return
        }
        hub.setSessionInfo(result.tree)
        hub.emit("sessionInfoChanged", .object([("update", .int(Int64(update)))]))
    }
}
