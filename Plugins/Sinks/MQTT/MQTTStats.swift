import BrokerCore
import CoreMetrics
import Synchronization

/// A snapshot of an MQTT sink's counters, summed over its sessions (one per source), for logs
/// and tests; the broker's metrics carry the same figures.
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

/// The live counters behind `MQTTStats`, shared by a sink's sessions and their connections, and
/// mirrored into the broker's metrics (`broker_mqtt_*{sink}`) on every update.
final class MQTTStatistics: Sendable {
    private let counters = Mutex(MQTTStats())
    private let published: Counter
    private let dropped: Counter
    private let reconnects: Counter
    private let inFlight: Gauge
    private let connectedSessions: Gauge

    init(sinkID: String, metrics: BrokerMetrics) {
        let labels = [("sink", sinkID)]
        published = metrics.counter(
            "broker_mqtt_published_total", help: "PUBLISH packets written (QoS 0) or acknowledged (QoS 1).", labels: labels)
        dropped = metrics.counter(
            "broker_mqtt_dropped_total", help: "Messages never sent: replaced by a newer one, over the waiting room, or superseded.",
            labels: labels)
        reconnects = metrics.counter("broker_mqtt_reconnects_total", help: "Connections to the MQTT server after a session's first.", labels: labels)
        inFlight = metrics.gauge("broker_mqtt_in_flight", help: "QoS 1 messages awaiting their PUBACK.", labels: labels)
        connectedSessions = metrics.gauge(
            "broker_mqtt_connected_sessions", help: "Sessions (one per source) connected to the MQTT server.", labels: labels)
    }

    var snapshot: MQTTStats { counters.withLock { $0 } }

    func update(_ body: (inout MQTTStats) -> Void) {
        counters.withLock { stats in
            let before = stats
            body(&stats)
            if stats.published > before.published { published.increment(by: stats.published - before.published) }
            if stats.dropped > before.dropped { dropped.increment(by: stats.dropped - before.dropped) }
            if stats.reconnects > before.reconnects { reconnects.increment(by: stats.reconnects - before.reconnects) }
            if stats.inFlight != before.inFlight { inFlight.record(stats.inFlight) }
            if stats.connectedSessions != before.connectedSessions { connectedSessions.record(stats.connectedSessions) }
        }
    }
}
