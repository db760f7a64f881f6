import BrokerCore
import CoreMetrics
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
    /// The number of clients, in the broker's metrics.
    private let countGauge: Gauge

    init(count: Gauge) {
        countGauge = count
    }

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
            countGauge.record(state.clients.count)
        }
    }

    func remove(_ client: ClientConnection) {
        state.withLock { state in
            guard state.clients.removeValue(forKey: client.id) != nil else { return }
            state.snapshot.removeAll { $0 === client }
            countGauge.record(state.clients.count)
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
    var groupCount: Int { groups.count }

    mutating func add(_ client: ClientConnection, _ message: OutgoingMessage) {
        let loop = client.channel.eventLoop
        if let index = groups.firstIndex(where: { $0.loop === loop }) {
            groups[index].items.append((client, message))
        } else {
            groups.append((loop, [(client, message)]))
        }
    }

    /// Hands each group to its loop (status and events; telemetry goes through `post`).
    func dispatch(metrics: SinkMetrics, clock: any BrokerClock) {
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
                if sent > 0 { metrics.messagesSent.increment(by: sent) }
                if replaced > 0 { metrics.messagesReplaced.increment(by: replaced) }
            }
        }
    }
}

extension LoopBatches {
    /// Hands each group of a frame's telemetry to its loop's mailbox (see `LoopMailbox`).
    func post(to mailbox: (any EventLoop) -> LoopMailbox, metrics: SinkMetrics, clock: any BrokerClock, delivery: FrameDelivery) {
        for group in groups {
            mailbox(group.loop).post(group.items, delivery: delivery, metrics: metrics, clock: clock)
        }
    }
}

/// When a frame reached its hub and when its broadcaster noticed it, for the delivery metrics.
struct FrameDelivery: Sendable {
    let noticed: ContinuousClock.Instant
    let arrival: ContinuousClock.Instant
    let countdown: LoopCountdown
}

/// A broadcaster's telemetry waiting for one event loop: at most one task is queued on the loop
/// at a time, and a frame that arrives before the loop ran the previous one takes its place.
///
/// Without it a loop that falls behind (a starved CPU, a burst of clients) would collect one task
/// per frame and write every stale frame in turn, its delay and memory growing without bound.
/// With it the loop writes the newest frame to each client; clients only in the older batch keep
/// their older message (their rate did not admit the newer frame), and what is superseded counts
/// in `messages_replaced`.
final class LoopMailbox: Sendable {
    private struct Pending {
        var items: [(ClientConnection, OutgoingMessage)]
        var delivery: FrameDelivery
    }

    let loop: any EventLoop
    private let pending = Mutex<Pending?>(nil)

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func post(_ items: [(ClientConnection, OutgoingMessage)], delivery: FrameDelivery, metrics: SinkMetrics, clock: any BrokerClock) {
        let (schedule, superseded) = pending.withLock { pending -> (Bool, [FrameDelivery]) in
            guard var waiting = pending else {
                pending = Pending(items: items, delivery: delivery)
                return (true, [])
            }
            let newer = Set(items.map { ObjectIdentifier($0.0) })
            let kept = waiting.items.filter { !newer.contains(ObjectIdentifier($0.0)) }
            metrics.messagesReplaced.increment(by: waiting.items.count - kept.count)
            let older = waiting.delivery
            waiting.items = kept + items
            waiting.delivery = delivery
            pending = waiting
            return (false, [older])
        }
        // The superseded frame will not be written by this loop: it counts as done here.
        for older in superseded where older.countdown.finishOne() {
            metrics.recordFanoutLatency(ContinuousClock.now - older.arrival)
        }
        guard schedule else { return }
        loop.execute { self.drain(metrics: metrics, clock: clock) }
    }

    private func drain(metrics: SinkMetrics, clock: any BrokerClock) {
        guard
            let batch = pending.withLock({ pending -> Pending? in
                defer { pending = nil }
                return pending
            })
        else { return }
        let now = clock.now()
        var sent = 0
        var replaced = 0
        for (client, message) in batch.items {
            let outcome = client.deliver(message, now: now)
            sent += outcome.sent
            replaced += outcome.replaced
        }
        if sent > 0 { metrics.messagesSent.increment(by: sent) }
        if replaced > 0 { metrics.messagesReplaced.increment(by: replaced) }
        let finished = ContinuousClock.now
        metrics.recordDelivery(finished - batch.delivery.noticed)
        if batch.delivery.countdown.finishOne() {
            metrics.recordFanoutLatency(finished - batch.delivery.arrival)
        }
    }
}

/// Counts down the event loops still writing one frame, so the last one can tell it was last.
final class LoopCountdown: Sendable {
    private let remaining: Atomic<Int>

    init(_ loops: Int) {
        remaining = Atomic(loops)
    }

    /// Marks one loop done; true for the loop that finished last.
    func finishOne() -> Bool {
        remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0
    }
}
