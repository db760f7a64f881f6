import BrokerTestSupport
import InSimTestSupport
import Synchronization
import Testing

@testable import InSimSource

/// A slow connect never delays shutdown, and what it yields after cancellation is cleaned up.
struct PromptCancellationTests {
    private final class Discarded: Sendable {
        let values = Mutex<[Int]>([])
    }

    @Test func cancellationReturnsAtOnceAndALateResultIsDiscarded() async throws {
        let discarded = Discarded()
        let task = Task {
            try await returningOnCancellation(
                {
                    try? await Task.sleep(for: .seconds(2))
                    return 42
                },
                discard: { value in discarded.values.withLock { $0.append(value) } })
        }
        try await Task.sleep(for: .milliseconds(50))
        let started = FakeLFSHost.now()
        task.cancel()
        let result = await task.result
        // Well before the operation's 2 s (generous: the machine may be busy).
        #expect(FakeLFSHost.now() - started < 1)
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(await waitUntil(timeout: 30) { discarded.values.withLock { $0 } == [42] })
    }

    @Test func withoutCancellationTheResultIsReturned() async throws {
        let value = try await returningOnCancellation({ 7 }, discard: { _ in Issue.record("nothing to discard") })
        #expect(value == 7)
    }

    @Test func anErrorIsPassedOn() async {
        struct Failure: Error {}
        await #expect(throws: Failure.self) {
            try await returningOnCancellation({ () async throws -> Int in throw Failure() }, discard: { _ in })
        }
    }
}
