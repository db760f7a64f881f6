import Synchronization

/// A token bucket: it holds up to `capacity` tokens, gains `rate` tokens per second, and each
/// action takes one. A burst of `capacity` actions passes at once, then `rate` per second on
/// average. It limits a client's commands and an address's connection attempts.
struct TokenBucket: Sendable, Equatable {
    let rate: Double
    let capacity: Double
    private var tokens: Double
    /// When `tokens` was last brought up to date (nil: never used, the bucket is full).
    private var updated: Double?

    /// A full bucket; the capacity defaults to one second's worth of tokens.
    init(rate: Double, capacity: Double? = nil) {
        self.rate = rate
        self.capacity = max(1, capacity ?? rate)
        tokens = self.capacity
    }

    /// Takes a token at time `now` (seconds, monotonic); false when none is left.
    mutating func take(at now: Double) -> Bool {
        tokens = available(at: now)
        updated = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// The tokens the bucket holds at `now`.
    func available(at now: Double) -> Double {
        guard let updated else { return tokens }
        return min(capacity, tokens + max(0, now - updated) * rate)
    }

    /// Whether the bucket is full again at `now`, so forgetting it changes nothing.
    func isFull(at now: Double) -> Bool {
        available(at: now) >= capacity
    }

    /// Seconds from `now` until a token is available (0 when one is).
    func secondsUntilToken(at now: Double) -> Double {
        let missing = 1 - available(at: now)
        return missing <= 0 || rate <= 0 ? 0 : missing / rate
    }
}

/// One token bucket per remote address, for `max_connects_per_s`: how often one machine may try
/// to open a WebSocket connection.
///
/// Buckets that have filled up again are forgotten (a full bucket is the same as none), so the
/// table holds only the addresses that tried to connect within about the last second, however
/// many addresses come and go over a weekend.
final class ConnectionThrottle: Sendable {
    let rate: Double
    /// Set once a refusal has been logged as a warning; later ones go to the debug level.
    let refusalLogged = Atomic<Bool>(false)

    private struct State {
        var buckets: [String: TokenBucket] = [:]
        /// The table is swept of full buckets when it reaches this size; the mark then doubles
        /// over what stays, so sweeping costs O(1) per attempt on average.
        var sweepAt = ConnectionThrottle.minimumSweepSize
    }

    static let minimumSweepSize = 256
    private let state = Mutex(State())

    init(rate: Double) {
        self.rate = rate
    }

    /// Takes a token from `address`'s bucket. Returns nil when the attempt may go on, else the
    /// seconds until the address may try again.
    func admit(address: String, now: Double) -> Double? {
        state.withLock { state in
            if state.buckets.count >= state.sweepAt {
                state.buckets = state.buckets.filter { !$0.value.isFull(at: now) }
                state.sweepAt = max(Self.minimumSweepSize, state.buckets.count * 2)
            }
            var bucket = state.buckets[address] ?? TokenBucket(rate: rate)
            let admitted = bucket.take(at: now)
            state.buckets[address] = bucket
            return admitted ? nil : bucket.secondsUntilToken(at: now)
        }
    }

    /// How many addresses the table remembers (for tests of its bound).
    var trackedAddresses: Int { state.withLock { $0.buckets.count } }
}
