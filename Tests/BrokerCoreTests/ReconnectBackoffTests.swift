import BrokerCore
import Testing

/// The one reconnect schedule of the InSim, ACC and upstream WebSocket sources.
@Suite struct ReconnectBackoffTests {
    @Test func doublesUpToTheMaximumAndStartsOverAfterAHealthyConnection() {
        var backoff = ReconnectBackoff(minimum: 1, maximum: 30)
        #expect((0..<7).map { _ in backoff.nextDelay(afterHealthyFor: 0) } == [1, 2, 4, 8, 16, 30, 30])
        #expect(backoff.nextDelay(afterHealthyFor: 29) == 30)
        #expect(backoff.nextDelay(afterHealthyFor: 30) == 1)
        #expect(backoff.nextDelay(afterHealthyFor: 0) == 2)
    }

    @Test func resetStartsOverAtTheMinimum() {
        var backoff = ReconnectBackoff(ReconnectDelay(minS: 0.5, maxS: 3))
        #expect((0..<4).map { _ in backoff.nextDelay() } == [0.5, 1, 2, 3])
        backoff.reset()
        #expect(backoff.nextDelay() == 0.5)
    }

    @Test func aMaximumBelowTheMinimumIsTheMinimum() {
        var backoff = ReconnectBackoff(minimum: 5, maximum: 2)
        #expect(backoff.maximum == 5)
        #expect((0..<3).map { _ in backoff.nextDelay() } == [5, 5, 5])
    }
}
