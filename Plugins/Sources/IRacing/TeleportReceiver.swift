import BrokerCore
import Logging
import Synchronization
import UDPSupport

/// The `teleport:` input: receives iracing-teleport's snapshots over UDP and serves them to the
/// live follower as a map it can poll, exactly like a memory file.
///
/// A receiving task reassembles fragments as they arrive and keeps only the newest complete
/// payload (older undecoded ones are replaced, so a slow decoder skips snapshots instead of piling
/// them up). The follower, on its own task, decompresses that payload into its copy of the map
/// before each poll. Every bad datagram or snapshot is dropped and counted by reason.
final class TeleportReceiver: LiveMemoryProvider, Sendable {
    private struct Inbox {
        var pending: [UInt8]?
        var pendingArrival = 0.0
        var datagrams: UInt64 = 0
        var duplicates: UInt64 = 0
        var assembled: UInt64 = 0
        /// Complete payloads replaced by a newer one before the follower took them.
        var skipped: UInt64 = 0
        var abandoned = 0
    }

    /// What the follower keeps between polls: its map copy and the figures for the status.
    private struct FollowerSide {
        var map: TeleportMapCopy?
        var decoded: UInt64 = 0
        var lastArrival: Double?
        var rateWindow: (time: Double, decoded: UInt64)?
        var snapshotsPerSecond = 0.0
    }

    let config: TeleportConfig
    private let intake: DatagramIntake
    private let clock: any BrokerClock
    private let drops: DropTally
    private let inbox = Mutex(Inbox())
    private let follower = Mutex(FollowerSide())
    private let receiving: Mutex<Task<Void, Never>?> = Mutex(nil)

    var mode: String { "teleport" }
    /// Until the first snapshot, look again often: it may be a fraction of a tick away.
    var reopenInterval: Double { 0.02 }

    private init(config: TeleportConfig, intake: DatagramIntake, clock: any BrokerClock, drops: DropTally) {
        self.config = config
        self.intake = intake
        self.clock = clock
        self.drops = drops
    }

    /// Binds (and joins the group), then starts receiving. Throws a `PluginError` naming the address
    /// when the port is taken or the group cannot be joined.
    static func start(config: TeleportConfig, clock: any BrokerClock, logger: Logger, label: String, hub: SourceHub) async throws -> TeleportReceiver
    {
        let intake = try await DatagramIntake.start(
            listen: config.listen, clock: clock, multicastGroup: config.group, label: label, source: hub)
        let drops = DropTally(logger: logger, context: "\(label) on UDP \(config.listen)", source: hub)
        let receiver = TeleportReceiver(config: config, intake: intake, clock: clock, drops: drops)
        let task = Task { [receiver] in await receiver.receive() }
        receiver.receiving.withLock { $0 = task }
        let group = config.group.map { " in multicast group \($0)" } ?? " (unicast)"
        logger.info("receiving iracing-teleport snapshots on UDP \(config.listen)\(group)")
        return receiver
    }

    /// The UDP port actually bound.
    var port: Int { intake.port }

    func close() async {
        receiving.withLock { $0 }?.cancel()
        await intake.close()
    }

    private func receive() async {
        var reassembler = TeleportReassembler()
        for await event in intake.events {
            guard case let .datagram(bytes) = event else { continue }
            let outcome = reassembler.add(bytes)
            let now = clock.now()
            inbox.withLock { inbox in
                inbox.datagrams += 1
                inbox.abandoned = reassembler.abandoned
                switch outcome {
                case .stored, .dropped: break
                case .duplicate: inbox.duplicates += 1
                case let .complete(payload):
                    if inbox.pending != nil { inbox.skipped += 1 }
                    inbox.pending = payload
                    inbox.pendingArrival = now
                    inbox.assembled += 1
                }
            }
            if case let .dropped(reason, detail) = outcome { drops.record(reason, detail: detail) }
        }
    }

    // MARK: - LiveMemoryProvider (called from the follower's task only)

    func open() throws -> TeleportMapCopy {
        takeNewestSnapshot()
        guard let map = follower.withLock({ $0.map }) else {
            let group = config.group.map { " (multicast group \($0))" } ?? ""
            throw MemoryOpenError(
                description:
                    "waiting for the first snapshot from iracing-teleport on UDP \(config.listen)\(group): is its sender running and pointed at this machine?"
            )
        }
        return map
    }

    func hasChanged(_ memory: TeleportMapCopy) -> Bool {
        follower.withLock { $0.map } !== memory
    }

    func waitForData(in memory: TeleportMapCopy?, until deadline: Double, clock: any BrokerClock) async throws {
        try await clock.sleep(until: deadline)
        takeNewestSnapshot()
    }

    /// Decompresses the newest complete payload, if one came, into the map copy (a new copy when
    /// the map's size changed). A snapshot that does not decode is dropped; the map stays as it was.
    private func takeNewestSnapshot() {
        guard
            let (payload, arrival) = inbox.withLock({ inbox -> ([UInt8], Double)? in
                defer { inbox.pending = nil }
                return inbox.pending.map { ($0, inbox.pendingArrival) }
            })
        else { return }
        do {
            let size = try TeleportSnapshot.statedSize(of: payload)
            let existing = follower.withLock { $0.map }
            let map = existing?.size == size ? existing! : TeleportMapCopy(size: size)
            try map.replace(withSnapshot: payload)
            follower.withLock { side in
                side.map = map
                side.decoded += 1
                side.lastArrival = arrival
            }
        } catch {
            drops.record(error.reason, detail: error.detail)
        }
    }

    func statusDetails(now: Double) -> [(String, JSONValue)] {
        let counts = inbox.withLock { $0 }
        let side = follower.withLock { side -> FollowerSide in
            if let window = side.rateWindow, now - window.time >= 1 {
                side.snapshotsPerSecond = Double(side.decoded - window.decoded) / (now - window.time)
                side.rateWindow = (now, side.decoded)
            } else if side.rateWindow == nil {
                side.rateWindow = (now, side.decoded)
            }
            return side
        }
        var details: [(String, JSONValue)] = [
            ("listen", .string(config.listen.description)),
            ("group", config.group.map { .string($0) } ?? .null),
            ("snapshots_per_second", .double((side.snapshotsPerSecond * 10).rounded() / 10)),
        ]
        if let arrival = side.lastArrival {
            details.append(("snapshot_age_ms", .double(((now - arrival) * 10_000).rounded() / 10)))
        }
        details += [
            ("snapshots", .int(Int64(side.decoded))),
            ("datagrams", .int(Int64(counts.datagrams))),
            ("duplicates", .int(Int64(counts.duplicates))),
            ("incomplete_snapshots", .int(Int64(counts.abandoned))),
            ("skipped_snapshots", .int(Int64(counts.skipped))),
            ("overloaded", .int(Int64(intake.overloaded))),
            ("dropped", drops.json),
        ]
        return details
    }
}
