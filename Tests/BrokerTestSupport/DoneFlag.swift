import Synchronization

/// A flag one task sets and others poll, e.g. "the source's `run` has returned", for tests that
/// must tell a source that stopped early from one that is still starting.
public final class DoneFlag: Sendable {
    private let done = Mutex(false)

    public init() {}

    public func set() { done.withLock { $0 = true } }

    public var isSet: Bool { done.withLock { $0 } }
}
