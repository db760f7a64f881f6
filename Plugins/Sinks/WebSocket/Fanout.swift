import BrokerCore
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// Everything one WebSocket sink shares between its broadcasters, its client sessions and its
/// HTTP endpoints: the sources, the clients, the subscription tables and the metrics.
final class Fanout: Sendable {
    let sinkID: String
    let sources: SinkSources
    let registry = ClientRegistry()
    let variables: VariableRegistry
    let metrics: SinkMetrics
    let clock: any BrokerClock
    /// The sink's rate per source (0 = every frame); a client's own rate is capped by it.
    let sinkRate: Double
    let logger: Logger
    private let evictionLogged = Atomic<Bool>(false)

    init(sinkID: String, hubs: [SourceHub], variables: VariableRegistry, sinkRate: Double, clock: any BrokerClock, logger: Logger) {
        self.sinkID = sinkID
        sources = SinkSources(variables: variables)
        for hub in hubs { sources.add(hub) }
        self.variables = variables
        metrics = SinkMetrics(sinkID: sinkID)
        self.clock = clock
        self.sinkRate = sinkRate
        self.logger = logger
    }

    var hubs: [SourceHub] { sources.hubs }
    var sourceIDs: [String] { sources.ids }
    var tables: [SubscriptionTable] { sources.tables }

    /// Takes on the sources among `hubs` that are new to the sink (added to the broker while it
    /// runs): every client's subscription and `events on` extend to them, and clients get the new
    /// status. Returns them with their indices, for their broadcasters.
    func adopt(_ hubs: [SourceHub]) -> [(index: Int, hub: SourceHub)] {
        let added = hubs.compactMap { hub in sources.add(hub).map { (index: $0, hub: hub) } }
        guard !added.isEmpty else { return [] }
        let ids = sourceIDs
        let tables = self.tables
        for client in registry.clients { client.updateSubscription(sourceIDs: ids, tables: tables) { _ in } }
        broadcastStatus()
        return added
    }

    /// `{"type":"status",...}` for every source of this sink, as it is now.
    func statusMessage() -> [UInt8] {
        BrokerMessages.status(of: hubs)
    }

    /// Pushes the current status to every client.
    func broadcastStatus() {
        let message = TextFrame.encode(statusMessage())
        var batches = LoopBatches()
        for client in registry.clients { batches.add(client, .status(message)) }
        batches.dispatch(metrics: metrics, clock: clock)
    }

    /// Sends events of source `index` to the clients that turned them on before they happened.
    /// `firstIndex` is the hub's count of the first event of `events`.
    func broadcastEvents(_ events: [SourceEvent], firstIndex: UInt64, source index: Int) {
        guard !events.isEmpty else { return }
        let clients = registry.clients
        var batches = LoopBatches()
        for (offset, event) in events.enumerated() {
            let eventIndex = firstIndex + UInt64(offset)
            let listeners = clients.filter { $0.wantsEvent(source: index, index: eventIndex) }
            guard !listeners.isEmpty else { continue }
            let message = TextFrame.encode(BrokerMessages.event(sourceID: sources.hub(at: index).id, event: event))
            for client in listeners { batches.add(client, .event(message)) }
        }
        batches.dispatch(metrics: metrics, clock: clock)
    }

    /// The most bytes waiting in any one client's channel (what a slow client costs in memory).
    func largestClientBuffer() async -> Int {
        var largest = 0
        for client in registry.clients {
            if let buffered = try? await client.channel.getOption(ChannelOptions.bufferedWritableBytes).get() {
                largest = max(largest, buffered)
            }
        }
        return largest
    }

    /// A client's rate when it asks for `requested` per second: capped by the sink's rate.
    func effectiveRate(_ requested: Double) -> Double {
        sinkRate > 0 ? min(requested, sinkRate) : requested
    }

    /// Closes (1008) every client whose socket has not drained for `timeout` seconds.
    func evictStalledClients(timeout: Double) {
        let now = clock.now()
        for client in registry.clients {
            guard let since = client.unwritableSince, now - since >= timeout else { continue }
            registry.remove(client)
            client.detach(tables: tables)
            metrics.clientsEvicted.add(1, ordering: .relaxed)
            let reason = "client did not read for \(Int(timeout.rounded())) s"
            if !evictionLogged.exchange(true, ordering: .relaxed) {
                logger.warning("closing \(client.remoteDescription): \(reason) (further evictions are logged at debug level and counted in metrics)")
            } else {
                logger.debug("closing \(client.remoteDescription): \(reason)")
            }
            client.evict(code: .policyViolation, reason: reason)
        }
    }

    /// Sends every client a close frame (1001 going away) and waits up to `grace` seconds for the
    /// close handshakes; whatever is still open then is closed outright. Call from a task that is
    /// not cancelled (it sleeps).
    func closeAllClients(grace: Double) async {
        let clients = registry.clients
        guard !clients.isEmpty else { return }
        for client in clients {
            // Each close completes when its frame is written, which a stalled socket never does:
            // these tasks end when the connection does, and the deadline below bounds the wait.
            Task { try? await client.outbound.close(.goingAway, reason: "broker shutting down") }
        }
        let deadline = ContinuousClock.now + .milliseconds(Int64(grace * 1000))
        while registry.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for client in registry.clients { client.channel.close(promise: nil) }
    }
}

/// The sources one WebSocket sink serves, with a subscription table each. The list only grows (a
/// source relaying others adds hubs while the broker runs), so a source's index never changes.
final class SinkSources: Sendable {
    private struct List {
        var hubs: [SourceHub] = []
        var ids: [String] = []
        var tables: [SubscriptionTable] = []
    }

    private let list = Mutex(List())
    private let variables: VariableRegistry

    init(variables: VariableRegistry) {
        self.variables = variables
    }

    var hubs: [SourceHub] { list.withLock { $0.hubs } }
    var ids: [String] { list.withLock { $0.ids } }
    var tables: [SubscriptionTable] { list.withLock { $0.tables } }
    var count: Int { list.withLock { $0.hubs.count } }
    func hub(at index: Int) -> SourceHub { list.withLock { $0.hubs[index] } }

    /// Appends `hub` unless it is already served; returns its index when it was added.
    @discardableResult
    func add(_ hub: SourceHub) -> Int? {
        list.withLock { list in
            guard !list.hubs.contains(where: { $0 === hub }) else { return nil }
            list.hubs.append(hub)
            list.ids.append(hub.id)
            list.tables.append(SubscriptionTable(sourceID: hub.id, registry: variables))
            return list.hubs.count - 1
        }
    }
}
