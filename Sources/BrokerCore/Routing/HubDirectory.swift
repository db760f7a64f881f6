import Synchronization

/// Every source hub of a running broker, in the order they appeared.
///
/// Configured sources register their hub when the broker starts; a source that gathers several
/// remote sources (an MQTT subscription, say) adds one hub per remote source while it runs, through
/// its `SourceHubFactory`. Sinks read the current list and follow `changes()` to pick up new hubs.
/// Hubs are never removed: a remote source that goes away stays listed, disconnected.
public final class HubDirectory: Sendable {
    private let list: Mutex<[SourceHub]>
    private let observers = ChangeObservers()

    public init(_ hubs: [SourceHub] = []) {
        list = Mutex(hubs)
    }

    /// The hubs as they are now, in the order they were added.
    public var hubs: [SourceHub] { list.withLock { $0 } }
    /// How many hubs there are; it grows when one is added.
    public var count: Int { list.withLock { $0.count } }

    public func hub(id: String) -> SourceHub? { list.withLock { $0.first { $0.id == id } } }

    /// Adds `hub`, unless a hub with its id exists: then returns that one and does not add.
    @discardableResult
    func add(_ hub: SourceHub) -> SourceHub {
        let (result, added) = list.withLock { hubs -> (SourceHub, Bool) in
            if let existing = hubs.first(where: { $0.id == hub.id }) { return (existing, false) }
            hubs.append(hub)
            return (hub, true)
        }
        if added { observers.notify() }
        return result
    }

    /// A stream that yields (coalesced) whenever a hub is added.
    public func changes() -> AsyncStream<Void> { observers.stream() }
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
    /// Where the new hubs count, the broker's metrics.
    let metrics: BrokerMetrics
    let makeProcessors: @Sendable (String) throws -> sending [AttachedProcessor]

    public init(
        origin: String, typeName: String, registry: VariableRegistry, directory: HubDirectory, metrics: BrokerMetrics = BrokerMetrics(),
        makeProcessors: @escaping @Sendable (String) throws -> sending [AttachedProcessor] = { _ in [] }
    ) {
        self.origin = origin
        self.typeName = typeName
        self.registry = registry
        self.directory = directory
        self.metrics = metrics
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
        let hub = SourceHub(id: id, typeName: typeName, registry: registry, origin: origin, processors: try makeProcessors(id), metrics: metrics)
        return try owned(directory.add(hub))
    }

    private func owned(_ hub: SourceHub) throws -> SourceHub {
        guard hub.origin == origin else {
            throw PluginError("source id '\(hub.id)' is already used by source '\(hub.origin)'")
        }
        return hub
    }
}
