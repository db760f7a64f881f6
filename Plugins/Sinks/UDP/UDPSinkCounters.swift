import Synchronization

/// Running totals of what one UDP sink did: its shutdown summary line, and what tests check.
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

    public init() {}

    public var current: Values { values.withLock { $0 } }

    func update(_ change: (inout Values) -> Void) {
        values.withLock { change(&$0) }
    }
}
