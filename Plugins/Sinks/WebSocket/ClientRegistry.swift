import BrokerCore
import NIOCore
import Synchronization

/// The clients connected to one sink, with a ready-made array for the broadcasters to walk.
///
/// Adding or removing a client rebuilds the array; a broadcaster takes it with one retain per
/// frame instead of copying the set under a lock.
final class ClientRegistry: Sendable {
    private struct State {
        var clients: [Int: ClientConnection] = [:]
        var snapshot: [ClientConnection] = []
        var lastID = 0
    }

    private let state = Mutex(State())

    func makeID() -> Int {
        state.withLock { state in
            state.lastID += 1
            return state.lastID
        }
    }

    func add(_ client: ClientConnection) {
        state.withLock { state in
            state.clients[client.id] = client
            state.snapshot.append(client)
        }
    }

    func remove(_ client: ClientConnection) {
        state.withLock { state in
            guard state.clients.removeValue(forKey: client.id) != nil else { return }
            state.snapshot.removeAll { $0 === client }
        }
    }

    var clients: [ClientConnection] { state.withLock { $0.snapshot } }
    var count: Int { state.withLock { $0.clients.count } }
}

/// Messages for many clients, grouped by event loop so each loop gets one task per frame rather
/// than one per client; the loop then writes to each of its clients without further hops.
struct LoopBatches {
    private var groups: [(loop: any EventLoop, items: [(ClientConnection, OutgoingMessage)])] = []

    var isEmpty: Bool { groups.isEmpty }

    mutating func add(_ client: ClientConnection, _ message: OutgoingMessage) {
        let loop = client.channel.eventLoop
        if let index = groups.firstIndex(where: { $0.loop === loop }) {
            groups[index].items.append((client, message))
        } else {
            groups.append((loop, [(client, message)]))
        }
    }

    /// Hands each group to its loop. `since` (when the frame was noticed) makes each loop record
    /// how long after that its last write happened.
    func dispatch(metrics: SinkMetrics, clock: any BrokerClock, since: ContinuousClock.Instant? = nil) {
        for group in groups {
            let items = group.items
            group.loop.execute {
                let now = clock.now()
                var sent = 0
                var replaced = 0
                for (client, message) in items {
                    let outcome = client.deliver(message, now: now)
                    sent += outcome.sent
                    replaced += outcome.replaced
                }
                if sent > 0 { metrics.messagesSent.add(sent, ordering: .relaxed) }
                if replaced > 0 { metrics.messagesReplaced.add(replaced, ordering: .relaxed) }
                if let since { metrics.recordDelivery(seconds: (ContinuousClock.now - since).seconds) }
            }
        }
    }
}
