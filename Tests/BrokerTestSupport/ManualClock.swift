import BrokerCore
import Synchronization

/// A clock that moves only when told to, for deterministic tests of schedules.
///
/// `sleep(until:)` does not wait: it calls `onSleep` with the deadline (where a test publishes what
/// its simulated source would have published meanwhile) and then jumps the clock to the deadline.
/// That lets a single test task drive a consumer through ten simulated seconds in microseconds.
public final class ManualClock: BrokerClock, @unchecked Sendable {
    private let time: Mutex<Double>
    /// Called with each sleep's deadline before the clock jumps to it.
    public var onSleep: (@Sendable (Double) -> Void)?

    public init(start: Double = 0) {
        time = Mutex(start)
    }

    public func now() -> Double { time.withLock { $0 } }

    public func advance(to instant: Double) {
        time.withLock { $0 = max($0, instant) }
    }

    public func sleep(until deadline: Double) async throws {
        try Task.checkCancellation()
        onSleep?(deadline)
        advance(to: deadline)
        await Task.yield()  // a flat-out loop on this clock must not monopolise a pool thread
        try Task.checkCancellation()
    }
}
