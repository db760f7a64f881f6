/// Something a sink is handed to deliver.
public enum SinkMessage: Sendable {
    case frame(SourceHub, Frame)
    case status(SourceHub, SourceStatus)
    case event(SourceHub, SourceEvent)
    case sessionInfo(SourceHub, SessionInfo)
    /// Events the sink fell too far behind to receive.
    case eventsMissed(SourceHub, count: UInt64)
}

/// What the core hands a sink: its sources, its rate, and a merged, rate-limited feed of them.
///
/// Simple sinks (stdout, UDP, MQTT) just iterate `messages()`. Sinks that schedule per client (the
/// WebSocket sink) read the hubs directly with their own `RateLimiter`s.
public struct SinkInput: Sendable {
    public let sinkID: String
    public let sources: [SourceHub]
    /// Frames per second per source; 0 = every frame.
    public let rate: Double
    public let clock: any BrokerClock

    public init(sinkID: String, sources: [SourceHub], rate: Double, clock: any BrokerClock = SystemClock()) {
        self.sinkID = sinkID
        self.sources = sources
        self.rate = rate
        self.clock = clock
    }

    /// The merged feed: every status change, session-info change and event as it happens, and per
    /// source the newest frame at most `rate` times a second on an absolute schedule, each frame at
    /// most once. The first status of each source is delivered at once. Ends when the task is cancelled.
    public func messages() -> SinkFeed { SinkFeed(input: self) }
}

/// The async sequence behind `SinkInput.messages()`. Pull-based: nothing queues up behind a slow sink.
public struct SinkFeed: AsyncSequence, Sendable {
    public typealias Element = SinkMessage
    let input: SinkInput

    public func makeAsyncIterator() -> Iterator { Iterator(input: input) }

    public struct Iterator: AsyncIteratorProtocol {
        private struct Cursor {
            let hub: SourceHub
            var statusVersion: UInt64? = nil
            var sessionVersion: UInt64 = 0
            var eventCursor: UInt64
            var lastFrameSeq: UInt64 = 0
            var limiter: RateLimiter
        }

        private let clock: any BrokerClock
        private var cursors: [Cursor]
        private var pending: [SinkMessage] = []
        private var changes: AsyncStream<Void>.AsyncIterator
        private let changeStreamOwner: ChangeStreamOwner
        /// Longest a pending frame's wait may delay noticing events and status.
        private let pollSlice = 0.02

        init(input: SinkInput) {
            clock = input.clock
            cursors = input.sources.map {
                Cursor(hub: $0, eventCursor: $0.eventsEmitted, limiter: RateLimiter(rate: input.rate))
            }
            let owner = ChangeStreamOwner(hubs: input.sources)
            changeStreamOwner = owner
            changes = owner.merged.makeAsyncIterator()
        }

        public mutating func next() async -> SinkMessage? {
            while !Task.isCancelled {
                if !pending.isEmpty { return pending.removeFirst() }
                var earliestDeadline: Double? = nil
                let now = clock.now()
                for i in cursors.indices {
                    var cursor = cursors[i]
                    collect(&cursor)
                    cursors[i] = cursor
                    let hub = cursors[i].hub
                    if let frame = hub.latestFrame, frame.seq > cursors[i].lastFrameSeq {
                        if cursors[i].limiter.admit(at: now) {
                            cursors[i].lastFrameSeq = frame.seq
                            pending.append(.frame(hub, frame))
                        } else if let deadline = cursors[i].limiter.nextDeadline {
                            earliestDeadline = Swift.min(earliestDeadline ?? deadline, deadline)
                        }
                    }
                }
                if !pending.isEmpty { continue }
                if let deadline = earliestDeadline {
                    do { try await clock.sleep(until: Swift.min(deadline, now + pollSlice)) } catch { return nil }
                } else if await changes.next() == nil {
                    return nil
                }
            }
            return nil
        }

        private mutating func collect(_ cursor: inout Cursor) {
            let hub = cursor.hub
            let statusVersion = hub.statusVersion
            if cursor.statusVersion != statusVersion {
                cursor.statusVersion = statusVersion
                pending.append(.status(hub, hub.status))
            }
            if let info = hub.sessionInfo, info.version != cursor.sessionVersion {
                cursor.sessionVersion = info.version
                pending.append(.sessionInfo(hub, info))
            }
            if hub.eventsEmitted != cursor.eventCursor {
                let batch = hub.events(after: cursor.eventCursor)
                if batch.missed > 0 { pending.append(.eventsMissed(hub, count: batch.missed)) }
                pending.append(contentsOf: batch.events.map { .event(hub, $0) })
                cursor.eventCursor = batch.cursor
            }
        }
    }
}

/// Merges the change streams of several hubs into one, ending the per-hub observers with it.
final class ChangeStreamOwner: Sendable {
    let merged: AsyncStream<Void>
    private let tasks: [Task<Void, Never>]

    init(hubs: [SourceHub]) {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        merged = stream
        tasks = hubs.map { hub in
            let changes = hub.changes()
            return Task {
                for await _ in changes { continuation.yield() }
            }
        }
    }

    deinit {
        for task in tasks { task.cancel() }
    }
}
