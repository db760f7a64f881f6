import BrokerCore
import BrokerTestSupport
import Testing

@Suite struct RateLimiterTests {
    /// 60 Hz arrivals with jitter into a 10 Hz limiter for 10 s: exactly 10 per second, and the
    /// n-th admitted frame is never more than one source interval after n x 100 ms (no drift).
    @Test func tenHertzFromSixtyHertzHasNoDrift() {
        var limiter = RateLimiter(rate: 10)
        var random = SystemRandomNumberGenerator()
        var admitted: [Double] = []
        for tick in 0..<600 {
            let now = Double(tick) / 60 + Double.random(in: 0...0.004, using: &random)
            if limiter.admit(at: now) { admitted.append(now) }
        }
        #expect(admitted.count == 100)
        for (n, time) in admitted.enumerated() {
            #expect(time >= Double(n) * 0.1 - 1e-9 && time <= Double(n) * 0.1 + 1.0 / 60 + 0.005, "frame \(n) at \(time)")
        }
    }

    @Test func idleGapDoesNotCauseABurst() {
        var limiter = RateLimiter(rate: 10)
        // After a gap, one frame, then the schedule restarts from there.
        let decisions = [0, 0.05, 5, 5.01, 5.09, 5.1].map { limiter.admit(at: $0) }
        #expect(decisions == [true, false, true, false, false, true])
    }

    @Test func zeroRateAdmitsEverything() {
        var limiter = RateLimiter(rate: 0)
        var admitted = 0
        for _ in 0..<100 where limiter.admit(at: 1) { admitted += 1 }
        #expect(admitted == 100)
    }
}
