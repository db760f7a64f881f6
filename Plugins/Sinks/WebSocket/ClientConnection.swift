import BrokerCore
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message on its way to one client's socket; its bytes are a whole WebSocket frame
/// (`TextFrame.encode`), shared by every client it goes to.
enum OutgoingMessage: Sendable {
    /// A frame's telemetry for one source. `resend` lets the message sent right after `sub` repeat
    /// the sequence number already delivered (the client's selection changed, the frame did not).
    case telemetry(source: Int, seq: UInt64, bytes: ByteBuffer, resend: Bool)
    case status(ByteBuffer)
    case event(ByteBuffer)
}

/// What a client's schedule says about a frame.
enum ScheduleDecision: Sendable {
    /// Not subscribed to the source, or this frame (or a newer one) was already taken.
    case idle
    /// Send it; `skipped` frames of the source went by since the previous one this client took.
    case send(SharedSubscription, skipped: UInt64)
    /// The client's socket is full: it is owed this source's newest frame when it drains, and
    /// nothing is encoded for it now. `replaced` when it was already owed an older one.
    case owed(skipped: UInt64, replaced: Bool)
    /// The client's rate allows the next frame at `deadline`.
    case wait(deadline: Double)
}

/// One connected WebSocket client: its subscription and rate, its schedule per source, and the
/// messages waiting for its socket to drain.
///
/// Two sides touch it. The broadcasters and the command handler decide *what* the client gets
/// (`schedule`, `updateSubscription`, ...). The channel's event loop *delivers*: `deliver` writes at
/// once while the socket is writable. While it is not, the client holds at most one pending
/// message per source, and that message is simply "the source's newest frame": nothing is encoded
/// or stored for a stalled client, and when its socket drains `writabilityChanged` encodes (from the
/// shared cache) and writes the frame that is newest *then*, after the newest status and a few
/// events. The lock is never held while calling into NIO, which may call back re-entrantly.
final class ClientConnection: Sendable {
    let id: Int
    let channel: any Channel
    /// Where telemetry, status and events are written (added to the pipeline by the sink).
    let frameWriter = DirectFrameWriter()
    /// Where the WebSocket close handshake goes through hummingbird-websocket's state machine.
    let outbound: WebSocketOutboundWriter
    let remoteDescription: String
    /// The name of the token the client presented (`tokens` key, or "default"); nil without tokens.
    let tokenName: String?
    private let sources: SinkSources
    private let metrics: SinkMetrics
    /// Events kept for a client whose socket is full; older ones are dropped (and counted).
    static let pendingEventLimit = 64
    /// How early, as a share of the client's interval, a frame may be taken before its slot.
    static let earlyAdmission = 0.25

    private struct SourceSchedule {
        var subscription: SharedSubscription?
        var limiter: RateLimiter
        /// The newest frame this client's schedule took (or was sent on `sub`).
        var takenSeq: UInt64 = 0
    }

    private struct State {
        var request = SubscriptionRequest()
        var schedules: [SourceSchedule]
        var rate: Double
        /// Per source, the first event (by the hub's count) this client gets; nil while events are off.
        var eventsFrom: [UInt64]?
        var counters = ScheduleCounters()
        // Delivery side.
        /// The newest frame written to the socket, per source.
        var deliveredSeq: [UInt64]
        /// Per source: the client is owed the newest frame once its socket drains.
        var owed: [Bool]
        var pendingStatus: ByteBuffer?
        var pendingEvents: [ByteBuffer] = []
        /// When the socket stopped accepting writes (nil while it drains).
        var unwritableSince: Double?
        var closed = false

        /// Extends the per-source state to `count` sources (the sink took on new ones).
        mutating func cover(_ count: Int) {
            guard schedules.count < count else { return }
            let added = count - schedules.count
            schedules += Array(repeating: SourceSchedule(limiter: RateLimiter(rate: rate)), count: added)
            deliveredSeq += Array(repeating: 0, count: added)
            owed += Array(repeating: false, count: added)
            // A client with events on gets every event of a source that appeared after it asked.
            if eventsFrom != nil { eventsFrom! += Array(repeating: 0, count: added) }
        }
    }

    private let state: Mutex<State>

    init(
        id: Int, channel: any Channel, outbound: WebSocketOutboundWriter, sources: SinkSources, rate: Double, metrics: SinkMetrics,
        tokenName: String? = nil
    ) {
        self.tokenName = tokenName
        self.id = id
        self.channel = channel
        self.outbound = outbound
        self.sources = sources
        self.metrics = metrics
        remoteDescription = channel.remoteAddress.map { "\($0)" } ?? "client \(id)"
        var initial = State(schedules: [], rate: rate, deliveredSeq: [], owed: [])
        initial.cover(sources.count)
        state = Mutex(initial)
    }

    // MARK: - Deciding what the client gets

    /// The broadcaster's question for a new frame of source `index`.
    func schedule(source index: Int, frame: Frame, now: Double) -> ScheduleDecision {
        state.withLock { state in
            guard !state.closed, index < state.schedules.count, let subscription = state.schedules[index].subscription,
                frame.seq > state.schedules[index].takenSeq
            else { return .idle }
            // A frame a little ahead of the client's slot is taken rather than held back for a
            // timer: the schedule stays absolute (so the rate holds), clients whose slots fall
            // close together are served by one pass, and source jitter costs no extra wake-ups.
            let slack = state.schedules[index].limiter.interval * Self.earlyAdmission
            guard state.schedules[index].limiter.admit(at: now + slack) else {
                return .wait(deadline: (state.schedules[index].limiter.nextDeadline ?? now) - slack)
            }
            let taken = state.schedules[index].takenSeq
            let skipped = taken > 0 && frame.seq > taken + 1 ? frame.seq - taken - 1 : 0
            if skipped > 0 {
                state.counters.skips += skipped
                state.counters.streak = 0
            }
            state.counters.recordGet()
            state.schedules[index].takenSeq = frame.seq
            if state.unwritableSince != nil {
                let replaced = state.owed[index]
                state.owed[index] = true
                return .owed(skipped: skipped, replaced: replaced)
            }
            return .send(subscription, skipped: skipped)
        }
    }

    /// Applies a change to the request and swaps each source's shared subscription to match.
    /// Returns the request after the change.
    @discardableResult
    func updateSubscription(sourceIDs: [String], tables: [SubscriptionTable], _ change: (inout SubscriptionRequest) -> Void)
        -> SubscriptionRequest
    {
        state.withLock { state in
            guard !state.closed else { return state.request }
            change(&state.request)
            state.cover(sourceIDs.count)
            for index in sourceIDs.indices {
                let key = state.request.key(for: sourceIDs[index])
                let current = state.schedules[index].subscription
                if current?.key == key { continue }
                if let current { tables[index].release(current) }
                state.schedules[index].subscription = key.map { tables[index].acquire($0) }
            }
            return state.request
        }
    }

    /// The subscription of source `index` if the client has one, marking `frame` as taken so the
    /// broadcaster does not send it again (used for the message sent right after `sub`).
    func takeForImmediateSend(source index: Int, frame: Frame) -> SharedSubscription? {
        state.withLock { state in
            guard !state.closed, index < state.schedules.count, let subscription = state.schedules[index].subscription else { return nil }
            state.schedules[index].takenSeq = max(state.schedules[index].takenSeq, frame.seq)
            return subscription
        }
    }

    var request: SubscriptionRequest { state.withLock { $0.request } }
    var rate: Double { state.withLock { $0.rate } }
    /// Whether the client asked (with `events on`) for the event that is number `index` of source
    /// `source`: events emitted before the command are not sent.
    func wantsEvent(source: Int, index: UInt64) -> Bool {
        state.withLock { state in
            guard !state.closed, let from = state.eventsFrom else { return false }
            return index >= (source < from.count ? from[source] : 0)
        }
    }
    var counters: ScheduleCounters { state.withLock { $0.counters } }
    var unwritableSince: Double? { state.withLock { $0.closed ? nil : $0.unwritableSince } }

    func setRate(_ rate: Double) {
        state.withLock { state in
            state.rate = rate
            for index in state.schedules.indices { state.schedules[index].limiter = RateLimiter(rate: rate) }
        }
    }

    /// `events on` (from each hub's current event count) or `events off`.
    func setEvents(_ on: Bool) {
        let counts = on ? sources.hubs.map(\.eventsEmitted) : nil
        state.withLock { state in
            state.eventsFrom = counts
            state.cover(counts?.count ?? 0)
        }
    }

    /// Marks the client gone and gives its subscriptions back to the tables.
    func detach(tables: [SubscriptionTable]) {
        state.withLock { state in
            state.closed = true
            for index in state.schedules.indices {
                if let subscription = state.schedules[index].subscription { tables[index].release(subscription) }
                state.schedules[index].subscription = nil
            }
            state.owed = state.owed.map { _ in false }
            state.pendingStatus = nil
            state.pendingEvents = []
        }
    }

    // MARK: - Delivering (on the channel's event loop)

    private enum DeliveryAction {
        case write(ByteBuffer)
        case queued(replaced: Int)
        case drop
    }

    /// Writes `message` now if the socket takes it, else keeps it pending. Returns how many
    /// messages were written and how many pending ones were replaced. Call on the event loop.
    func deliver(_ message: OutgoingMessage, now: Double) -> (sent: Int, replaced: Int) {
        channel.eventLoop.assertInEventLoop()
        let writable = channel.isWritable
        let action = state.withLock { state -> DeliveryAction in
            guard !state.closed else { return .drop }
            switch message {
            case let .telemetry(source, seq, bytes, resend):
                let delivered = state.deliveredSeq[source]
                guard seq > delivered || (resend && seq == delivered) else { return .drop }
                if writable {
                    state.deliveredSeq[source] = seq
                    return .write(bytes)
                }
                let replaced = state.owed[source] ? 1 : 0
                state.owed[source] = true
                state.unwritableSince = state.unwritableSince ?? now
                return .queued(replaced: replaced)
            case let .status(bytes):
                if writable { return .write(bytes) }
                let replaced = state.pendingStatus == nil ? 0 : 1
                state.pendingStatus = bytes
                state.unwritableSince = state.unwritableSince ?? now
                return .queued(replaced: replaced)
            case let .event(bytes):
                if writable { return .write(bytes) }
                var replaced = 0
                if state.pendingEvents.count >= Self.pendingEventLimit {
                    state.pendingEvents.removeFirst()
                    replaced = 1
                }
                state.pendingEvents.append(bytes)
                state.unwritableSince = state.unwritableSince ?? now
                return .queued(replaced: replaced)
            }
        }
        switch action {
        case let .write(bytes):
            guard frameWriter.write(bytes) else { return (0, 0) }
            frameWriter.flush()
            return (1, 0)
        case let .queued(replaced):
            return (0, replaced)
        case .drop:
            return (0, 0)
        }
    }

    /// Called by `WritabilityObserver` on the event loop. When the socket drains, what is pending
    /// goes out (status first, then events, then each owed source's newest frame) until it fills
    /// again; what does not fit stays pending.
    func writabilityChanged(isWritable: Bool, now: Double) {
        guard isWritable else {
            state.withLock { $0.unwritableSince = $0.unwritableSince ?? now }
            return
        }
        var status: ByteBuffer?
        var events: [ByteBuffer] = []
        var owedSources: [(index: Int, subscription: SharedSubscription, after: UInt64)] = []
        state.withLock { state in
            guard !state.closed else { return }
            state.unwritableSince = nil
            swap(&status, &state.pendingStatus)
            swap(&events, &state.pendingEvents)
            for index in state.owed.indices where state.owed[index] {
                state.owed[index] = false
                if let subscription = state.schedules[index].subscription {
                    owedSources.append((index, subscription, state.deliveredSeq[index]))
                }
            }
        }
        var telemetry: [(source: Int, seq: UInt64, bytes: ByteBuffer)] = []
        for owed in owedSources {
            guard let frame = sources.hub(at: owed.index).latestFrame, frame.seq > owed.after,
                let bytes = owed.subscription.message(for: frame, metrics: metrics)
            else { continue }
            telemetry.append((owed.index, frame.seq, bytes))
        }
        guard status != nil || !events.isEmpty || !telemetry.isEmpty else { return }

        var full = false
        var written = 0
        func write(_ bytes: ByteBuffer) -> Bool {
            guard !full, channel.isWritable else {
                full = true
                return false
            }
            guard frameWriter.write(bytes) else {
                full = true
                return false
            }
            written += 1
            return true
        }
        let unsentStatus = status.flatMap { write($0) ? nil : $0 }
        let unsentEvents = events.filter { !write($0) }
        var delivered: [(source: Int, seq: UInt64)] = []
        var unsentSources: [Int] = []
        for item in telemetry {
            if write(item.bytes) { delivered.append((item.source, item.seq)) } else { unsentSources.append(item.source) }
        }
        frameWriter.flush()
        metrics.messagesSent.add(written, ordering: .relaxed)
        state.withLock { state in
            for item in delivered { state.deliveredSeq[item.source] = max(state.deliveredSeq[item.source], item.seq) }
            guard full, !state.closed else { return }
            // The socket filled up again: the rest stays pending (anything queued meanwhile is newer).
            state.unwritableSince = state.unwritableSince ?? now
            state.pendingStatus = state.pendingStatus ?? unsentStatus
            state.pendingEvents = Array((unsentEvents + state.pendingEvents).suffix(Self.pendingEventLimit))
            for source in unsentSources { state.owed[source] = true }
        }
    }

    // MARK: - Replies and closing

    /// Writes a reply and waits until the socket took it: a client that does not read stops
    /// having its commands processed, so replies never pile up.
    func sendReply(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: bytes))).get()
        metrics.messagesSent.add(1, ordering: .relaxed)
    }

    /// Closes a client that stopped draining. The close frame is best effort (its socket is full);
    /// the connection is then reset rather than closed, so the kernel drops the stale telemetry
    /// queued for it instead of holding it until the client reads or TCP gives up.
    func evict(code: WebSocketErrorCode, reason: String) {
        var payload = ByteBuffer()
        payload.write(webSocketErrorCode: code)
        payload.writeString(reason)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        let channel = self.channel
        channel.eventLoop.execute {
            channel.writeAndFlush(frame, promise: nil)
            let reset =
                (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                ?? channel.eventLoop.makeSucceededVoidFuture()
            reset.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// Tells a client when its socket stops or starts taking writes; sits in the WebSocket pipeline.
final class WritabilityObserver: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = Never
    private let client: ClientConnection
    private let clock: any BrokerClock

    init(client: ClientConnection, clock: any BrokerClock) {
        self.client = client
        self.clock = clock
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        client.writabilityChanged(isWritable: context.channel.isWritable, now: clock.now())
        context.fireChannelWritabilityChanged()
    }
}
