import Synchronization

/// A snapshot of an MQTT sink's counters, summed over its sessions (one per source), for logs,
/// tests and a future `metrics` reply.
public struct MQTTStats: Sendable, Equatable, CustomStringConvertible {
    /// PUBLISH packets written (QoS 0) or acknowledged by the server (QoS 1).
    public var published: UInt64 = 0
    /// Messages never sent: replaced by a newer one for the same topic while waiting (newest wins),
    /// events beyond the waiting room, and QoS 1 messages superseded after a lost connection.
    public var dropped: UInt64 = 0
    /// Successful connections after a session's first.
    public var reconnects: UInt64 = 0
    /// QoS 1 messages awaiting their PUBACK right now.
    public var inFlight: Int = 0
    /// Sessions with an accepted connection right now, out of `sessions`.
    public var connectedSessions: Int = 0
    public var sessions: Int = 0

    public init() {}

    /// True when every session is connected (and there is at least one).
    public var connected: Bool { sessions > 0 && connectedSessions == sessions }

    public var description: String {
        "published \(published), dropped \(dropped), reconnects \(reconnects), in flight \(inFlight), connected \(connectedSessions)/\(sessions)"
    }
}

/// The live counters behind `MQTTStats`, shared by a sink's sessions and their connections.
final class MQTTStatistics: Sendable {
    private let counters = Mutex(MQTTStats())

    var snapshot: MQTTStats { counters.withLock { $0 } }

    func update(_ body: (inout MQTTStats) -> Void) {
        counters.withLock { body(&$0) }
    }
}
