import Synchronization

/// Every source hub of a running broker, in the order they appeared.
///
/// Configured sources register their hub when the broker starts; a source that gathers several
/// remote sources (an MQTT subscription, say) adds one hub per remote source while it runs, through
/// its `SourceHubFactory`. Sinks read the current list and follow `changes()` to pick up new hubs.
/// Hubs are never removed: a remote source that goes away stays listed, disconnected.
public final class HubDirectory: Sendable {
    private struct State {
        var hubs: [SourceHub] = []
        var observers: [Int: AsyncStream<Void>.Continuation] = [:]
        var nextObserverID = 0
    }

    private let state = Mutex(State())

    public init(_ hubs: [SourceHub] = []) {
        state.withLock { $0.hubs = hubs }
    }

    /// The hubs as they are now, in the order they were added.
    public var hubs: [SourceHub] { state.withLock { $0.hubs } }

    public func hub(id: String) -> SourceHub? { state.withLock { $0.hubs.first { $0.id == id } } }

    /// Adds `hub`, unless a hub with its id exists: then returns that one and does not add.
    @discardableResult
    func add(_ hub: SourceHub) -> SourceHub {
        let (result, observers) = state.withLock { state -> (SourceHub, [AsyncStream<Void>.Continuation]) in
            if let existing = state.hubs.first(where: { $0.id == hub.id }) { return (existing, []) }
            state.hubs.append(hub)
            return (hub, Array(state.observers.values))
        }
        for observer in observers { observer.yield() }
        return result
    }

    /// A stream that yields (coalesced) whenever a hub is added.
    public func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let observerID = state.withLock { state -> Int in
            let id = state.nextObserverID
            state.nextObserverID += 1
            state.observers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.observers.removeValue(forKey: observerID) }
        }
        return stream
    }
}

/// How a source adds hubs of its own at run time, one per remote source it relays, each seen by
/// sinks and clients as a source of this broker.
///
/// Each new hub gets the processors attached to the creating entry and counts as that entry's for
/// a sink's `sources:` list. The core hands one to every source in `PluginContext.hubFactory`.
public struct SourceHubFactory: Sendable {
    /// The id of the config entry that creates the hubs.
    public let origin: String
    let typeName: String
    let registry: VariableRegistry
    let directory: HubDirectory
    let makeProcessors: @Sendable (String) throws -> sending [AttachedProcessor]

    public init(
        origin: String, typeName: String, registry: VariableRegistry, directory: HubDirectory,
        makeProcessors: @escaping @Sendable (String) throws -> sending [AttachedProcessor] = { _ in [] }
    ) {
        self.origin = origin
        self.typeName = typeName
        self.registry = registry
        self.directory = directory
        self.makeProcessors = makeProcessors
    }

    /// The hub `id`, created and registered on first use; the same hub on later calls. Throws
    /// `PluginError` when `id` belongs to another entry (a configured source, or another entry's
    /// relayed source).
    public func hub(id: String) throws -> SourceHub {
        if id == origin {
            throw PluginError("source id '\(id)' is this entry's own id: give the relayed sources a prefix (id_prefix)")
        }
        if let existing = directory.hub(id: id) { return try owned(existing) }
        let hub = SourceHub(id: id, typeName: typeName, registry: registry, origin: origin, processors: try makeProcessors(id))
        return try owned(directory.add(hub))
    }

    private func owned(_ hub: SourceHub) throws -> SourceHub {
        guard hub.origin == origin else {
            throw PluginError("source id '\(hub.id)' is already used by source '\(hub.origin)'")
        }
        return hub
    }
}
