import BrokerCore
import Logging

/// Where a live follower gets its memory and how it waits for the next row: a memory file polled
/// on the broker's clock, or (on Windows) the sim's own map and its data-valid event.
protocol LiveMemoryProvider: Sendable {
    associatedtype Memory: IRSDKSharedMemory
    /// The `mode` shown in the source's status (`memory_file`, `live`).
    var mode: String { get }
    /// Opens the memory; throws a one-line reason when it is not there (yet).
    func open() throws -> Memory
    /// True when `memory` no longer matches what is there (the file was replaced or resized).
    func hasChanged(_ memory: Memory) -> Bool
    /// Suspends until new data may be in `memory`, at the latest (when polling) until `deadline`.
    func waitForData(in memory: Memory?, until deadline: Double, clock: any BrokerClock) async throws
}

/// Follows a memory file, polling it on the broker's clock.
struct MemoryFileProvider: LiveMemoryProvider {
    let path: String
    var mode: String { "memory_file" }

    func open() throws -> TelemetryFile {
        let file = try TelemetryFile(path: path)
        guard file.size >= IRSDK.headerSize else {
            throw MemoryOpenError(description: "\(path): \(file.size) bytes, too short for an irsdk map (waiting for it to be written)")
        }
        return file
    }

    func hasChanged(_ memory: TelemetryFile) -> Bool { memory.hasChanged() }

    func waitForData(in memory: TelemetryFile?, until deadline: Double, clock: any BrokerClock) async throws {
        try await clock.sleep(until: deadline)
    }
}

/// Runs an `IRSDKLiveReader` against a provider's memory until cancelled: opens (and re-opens) the
/// memory, polls it a few times per sim tick, and applies each poll to the hub. Each status change
/// is one log line with its reason (a missing file, a malformed map, a stale sim), so a problem that
/// persists is said once, not once per poll.
struct LiveFollower<Provider: LiveMemoryProvider> {
    let provider: Provider
    let hub: SourceHub
    let clock: any BrokerClock
    let logger: Logger
    /// Seconds between attempts to open a missing map.
    let retryInterval = 1.0

    /// Polls per sim tick: a few, so a new row is seen within a fraction of a tick. (Computed:
    /// generic types have no stored statics.)
    static var pollsPerTick: Double { 4 }

    func run() async throws {
        var reader = IRSDKLiveReader()
        var publisher = IRacingPublisher(hub: hub, logger: logger)
        var memory: Provider.Memory?
        var shownStatus: (connected: Bool, reason: String?)?

        func show(connected: Bool, reason: String?) {
            if let shown = shownStatus, shown.connected == connected, shown.reason == reason { return }
            shownStatus = (connected, reason)
            var details: [(String, JSONValue)] = [("mode", .string(provider.mode))]
            if let reason { details.append(("reason", .string(reason))) }
            hub.setConnected(connected, details: details)
            if connected {
                logger.info("connected (\(provider.mode))")
            } else if let reason {
                logger.warning("not connected: \(reason)")
            }
        }

        while true {
            try Task.checkCancellation()
            if let current = memory, provider.hasChanged(current) {
                memory = nil
                reader.memoryReplaced()
            }
            if memory == nil {
                do {
                    memory = try provider.open()
                } catch {
                    reader.lost(reason: "\(error)")
                    show(connected: false, reason: reader.reason)
                    try await clock.sleep(until: clock.now() + retryInterval)
                    continue
                }
            }
            guard let current = memory else { continue }
            let poll = reader.poll(current, now: clock.now())
            if let from = poll.restartedFrom {
                logger.info("the sim restarted (its tick count went back from \(from))")
                publisher.restarted()
            }
            if let description = poll.declared { publisher.declare(description) }
            if let text = poll.sessionInfo { publisher.updateSessionInfo(text, update: poll.sessionInfoUpdate) }
            if let row = poll.row { publisher.publish(row, tick: Int(poll.tick)) }
            show(connected: reader.isConnected, reason: reader.reason)
            let tickRate = Double(reader.description?.header.tickRate ?? 60)
            let interval = min(max(1 / (tickRate * Self.pollsPerTick), 0.001), 0.1)
            try await provider.waitForData(in: current, until: clock.now() + interval, clock: clock)
        }
    }
}
