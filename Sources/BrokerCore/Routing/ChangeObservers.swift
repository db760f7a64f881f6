import Synchronization

/// The consumers waiting to hear that something changed (a hub's frame or status, the list of
/// hubs), each an `AsyncStream` that coalesces: a consumer busy elsewhere gets one wake-up for any
/// number of changes, and dropping its stream ends the observation.
final class ChangeObservers: Sendable {
    private struct State {
        var continuations: [Int: AsyncStream<Void>.Continuation] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    /// A new observer's stream.
    func stream() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> Int in
            let id = state.nextID
            state.nextID += 1
            state.continuations[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    /// Wakes every observer (outside the lock: a wake-up may run an observer's code).
    func notify() {
        let continuations = state.withLock { Array($0.continuations.values) }
        for continuation in continuations { continuation.yield() }
    }
}
