import Synchronization

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
/// Simple sinks (stdout, UDP) just iterate `messages()`, which follows sources added at run time by
/// itself. Sinks that keep state per source (the WebSocket sink's clients, the MQTT sink's
/// sessions) read `sources` and follow `sourcesChanged()`.
public struct SinkInput: Sendable {
    public let sinkID: String
    /// The source ids (or relaying entries' ids) the sink takes; nil = all.
    public let sourceIDs: [String]?
    /// Frames per second per source; 0 = every frame.
    public let rate: Double
    public let clock: any BrokerClock
    private let directory: HubDirectory

    /// The sink's sources in `directory` as they are when asked: a hub counts when its id or the
    /// id of the entry that created it is in `sourceIDs`.
    public init(sinkID: String, directory: HubDirectory, sourceIDs: [String]? = nil, rate: Double, clock: any BrokerClock = SystemClock()) {
        self.sinkID = sinkID
        self.directory = directory
        self.sourceIDs = sourceIDs
        self.rate = rate
        self.clock = clock
    }

    /// A fixed set of sources (tests, benchmarks).
    public init(sinkID: String, sources: [SourceHub], rate: Double, clock: any BrokerClock = SystemClock()) {
        self.init(sinkID: sinkID, directory: HubDirectory(sources), rate: rate, clock: clock)
    }

    /// The sink's sources now, in the order they appeared.
    public var sources: [SourceHub] {
        let hubs = directory.hubs
        guard let sourceIDs else { return hubs }
        return hubs.filter { sourceIDs.contains($0.id) || sourceIDs.contains($0.origin) }
    }

    /// Yields (coalesced) when a source may have been added; read `sources` again then.
    public func sourcesChanged() -> AsyncStream<Void> { directory.changes() }

    /// How many hubs the broker has (any sink's); when it has not grown, `sources` has not changed.
    var brokerSourceCount: Int { directory.count }

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

        private let input: SinkInput
        private let clock: any BrokerClock
        private var cursors: [Cursor] = []
        /// The broker's hub count when the sources were last looked at.
        private var seenSourceCount = -1
        private var pending: [SinkMessage] = []
        private var changes: AsyncStream<Void>.AsyncIterator
        private let changeStreamOwner: ChangeStreamOwner
        /// Longest a pending frame's wait may delay noticing events and status.
        private let pollSlice = 0.02

        init(input: SinkInput) {
            self.input = input
            clock = input.clock
            let owner = ChangeStreamOwner(sourcesChanged: input.sourcesChanged())
            changeStreamOwner = owner
            changes = owner.merged.makeAsyncIterator()
            followNewSources()
        }

        /// Starts following the sources added since the last look.
        private mutating func followNewSources() {
            let count = input.brokerSourceCount
            guard count != seenSourceCount else { return }
            seenSourceCount = count
            for hub in input.sources where !cursors.contains(where: { $0.hub === hub }) {
                cursors.append(Cursor(hub: hub, eventCursor: hub.eventsEmitted, limiter: RateLimiter(rate: input.rate)))
                changeStreamOwner.follow(hub)
            }
        }

        public mutating func next() async -> SinkMessage? {
            while !Task.isCancelled {
                if !pending.isEmpty { return pending.removeFirst() }
                followNewSources()
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

/// Merges the change streams of the followed hubs, and of the list of sources, into one, ending
/// the observers with it.
final class ChangeStreamOwner: Sendable {
    let merged: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let tasks: Mutex<[Task<Void, Never>]>

    init(sourcesChanged: AsyncStream<Void>) {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        merged = stream
        self.continuation = continuation
        tasks = Mutex([Self.forward(sourcesChanged, to: continuation)])
    }

    func follow(_ hub: SourceHub) {
        let task = Self.forward(hub.changes(), to: continuation)
        tasks.withLock { $0.append(task) }
    }

    private static func forward(_ changes: AsyncStream<Void>, to continuation: AsyncStream<Void>.Continuation) -> Task<Void, Never> {
        Task {
            for await _ in changes { continuation.yield() }
        }
    }

    deinit {
        tasks.withLock { tasks in for task in tasks { task.cancel() } }
    }
}
