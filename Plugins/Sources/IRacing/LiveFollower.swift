import BrokerCore
import Logging

/// Where a live follower gets its memory and how it waits for the next row: a memory file polled
/// on the broker's clock, snapshots received from iracing-teleport, or (on Windows) the sim's own
/// map and its data-valid event.
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
    /// Seconds between attempts to open memory that is not there.
    var reopenInterval: Double { get }
    /// Figures of the provider's own for the status details (refreshed about once a second).
    func statusDetails(now: Double) -> [(String, JSONValue)]
}

extension LiveMemoryProvider {
    var reopenInterval: Double { 1 }
    func statusDetails(now: Double) -> [(String, JSONValue)] { [] }
}

/// Follows a memory file, polling it on the broker's clock: a `memory_file:`, or in live mode off
/// Windows the tmpfs file a Wine/Proton shared-memory bridge backs the sim's map with.
struct MemoryFileProvider: LiveMemoryProvider {
    let path: String
    let mode: String
    /// Said before the open error while the file cannot be opened (what creates it).
    let absentReason: String?

    init(path: String, mode: String = "memory_file", absentReason: String? = nil) {
        self.path = path
        self.mode = mode
        self.absentReason = absentReason
    }

    func open() throws -> TelemetryFile {
        let file: TelemetryFile
        do {
            file = try TelemetryFile(path: path)
        } catch {
            guard let absentReason else { throw error }
            throw MemoryOpenError(description: "\(absentReason) (\(error))")
        }
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
    /// Seconds between status refreshes while nothing else changes (for the provider's figures).
    static var detailsRefreshInterval: Double { 1 }

    /// Polls per sim tick: a few, so a new row is seen within a fraction of a tick. (Computed:
    /// generic types have no stored statics.)
    static var pollsPerTick: Double { 4 }

    func run() async throws {
        var reader = IRSDKLiveReader()
        var publisher = IRacingPublisher(hub: hub, logger: logger)
        var memory: Provider.Memory?
        var shownStatus: (connected: Bool, reason: String?)?
        var shownAt = -Double.infinity

        func show(connected: Bool, reason: String?) {
            let now = clock.now()
            let changed = shownStatus.map { $0.connected != connected || $0.reason != reason } ?? true
            guard changed || now - shownAt >= Self.detailsRefreshInterval else { return }
            shownStatus = (connected, reason)
            shownAt = now
            var details: [(String, JSONValue)] = [("mode", .string(provider.mode))]
            if let reason { details.append(("reason", .string(reason))) }
            details += provider.statusDetails(now: now)
            hub.setConnected(connected, details: details)
            guard changed else { return }
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
                    try await clock.sleep(until: clock.now() + provider.reopenInterval)
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
