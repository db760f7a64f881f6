/// The schedule of waits between reconnect attempts that a `reconnect:` key (`ReconnectDelay`)
/// describes, for the sources that connect out (InSim, ACC, an upstream WebSocket): `minimum`
/// first, doubling after each failure up to `maximum`, and back to `minimum` once a connection
/// has worked.
public struct ReconnectBackoff: Sendable, Equatable {
    public let minimum: Double
    public let maximum: Double
    private var next: Double

    public init(minimum: Double, maximum: Double) {
        self.minimum = minimum
        self.maximum = max(maximum, minimum)
        next = minimum
    }

    public init(_ delay: ReconnectDelay) {
        self.init(minimum: delay.minS, maximum: delay.maxS)
    }

    /// The wait before the next attempt; the one after it doubles (up to `maximum`).
    public mutating func nextDelay() -> Double {
        let delay = next
        next = min(next * 2, maximum)
        return delay
    }

    /// `nextDelay()`, starting over from `minimum` when the connection that just ended had stayed
    /// up (handshake done) for `healthy` seconds, at least `maximum`.
    public mutating func nextDelay(afterHealthyFor healthy: Double) -> Double {
        if healthy >= maximum { reset() }
        return nextDelay()
    }

    /// Starts the schedule over from `minimum` (a connection worked).
    public mutating func reset() {
        next = minimum
    }
}
