/// Monotonic time for everything that schedules: rate limiters, replays, staleness checks.
///
/// A protocol rather than `ContinuousClock` directly, so tests drive schedules with a manual clock
/// and check "no drift over 10 s" in microseconds of real time.
public protocol BrokerClock: Sendable {
    /// Seconds since an arbitrary fixed point.
    func now() -> Double
    /// Suspends until `now() >= deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Double) async throws
}

/// The real monotonic clock.
public struct SystemClock: BrokerClock {
    private static let origin = ContinuousClock.now

    public init() {}

    public func now() -> Double {
        let elapsed = ContinuousClock.now - Self.origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    public func sleep(until deadline: Double) async throws {
        let delay = deadline - now()
        if delay <= 0 {
            try Task.checkCancellation()
            return
        }
        try await Task.sleep(for: .nanoseconds(Int64(delay * 1e9)))
    }
}
