import BrokerCore
import CoreMetrics
import Synchronization

/// Running totals of what one UDP sink did: its shutdown summary line, what tests check, and
/// (mirrored on every update) the broker's `broker_udp_*{sink}` metrics.
///
/// Send errors and dropped data are counted here rather than logged one by one, so a dead network
/// costs one log line, not one per datagram.
public final class UDPSinkCounters: Sendable {
    public struct Values: Sendable, Equatable {
        /// Datagrams the kernel accepted.
        public var datagramsSent = 0
        /// Telemetry frames that went out (whole or in parts).
        public var framesSent = 0
        /// Of those, the frames that needed more than one datagram (or lost a variable).
        public var framesSplit = 0
        /// Datagrams that could not be sent (no route, no socket, ...).
        public var sendErrors = 0
        /// Variable values left out because one alone exceeds `max_datagram_bytes`.
        public var variablesDropped = 0
        /// Status or event messages, or whole frames, left out because they exceed `max_datagram_bytes`.
        public var messagesDropped = 0
    }

    private let values = Mutex(Values())
    /// One counter per field of `Values`, in the broker's metrics.
    private let metrics: [(field: KeyPath<Values, Int> & Sendable, counter: Counter)]

    public init(sinkID: String, metrics: BrokerMetrics) {
        let labels = [("sink", sinkID)]
        func counter(_ name: String, _ help: String) -> Counter { metrics.counter(name, help: help, labels: labels) }
        self.metrics = [
            (\.datagramsSent, counter("broker_udp_datagrams_sent_total", "Datagrams the kernel accepted.")),
            (\.framesSent, counter("broker_udp_frames_sent_total", "Telemetry frames sent, whole or in parts.")),
            (\.framesSplit, counter("broker_udp_frames_split_total", "Telemetry frames that needed more than one datagram.")),
            (\.sendErrors, counter("broker_udp_send_errors_total", "Datagrams that could not be sent (no route, no socket).")),
            (\.variablesDropped, counter("broker_udp_variables_dropped_total", "Variable values left out for exceeding max_datagram_bytes alone.")),
            (
                \.messagesDropped,
                counter("broker_udp_messages_dropped_total", "Status, event or telemetry messages not sent for exceeding max_datagram_bytes.")
            ),
        ]
    }

    public var current: Values { values.withLock { $0 } }

    func update(_ change: (inout Values) -> Void) {
        values.withLock { values in
            let before = values
            change(&values)
            for (field, counter) in metrics where values[keyPath: field] > before[keyPath: field] {
                counter.increment(by: values[keyPath: field] - before[keyPath: field])
            }
        }
    }
}
