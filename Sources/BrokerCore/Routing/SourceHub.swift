import Synchronization

/// The meeting point between one source and every consumer of it.
///
/// A source publishes into its hub and never waits: the hub keeps only the newest frame, the current
/// status, the current session info and a bounded ring of recent events. Consumers (sinks, WebSocket
/// clients) read what is new since they last looked and get woken through `changes()` streams, so a
/// slow consumer can only ever miss intermediate frames, never slow the source or another consumer.
public final class SourceHub: Sendable {
    public let id: String
    public let typeName: String
    /// The id of the config entry the hub belongs to: its own id for a configured source, the
    /// relaying entry's for a hub a source added at run time (`SourceHubFactory`).
    public let origin: String
    public let registry: VariableRegistry
    /// How many events the hub keeps for consumers that fall behind.
    public static let eventCapacity = 1024

    private struct State {
        var layout: FrameLayout?
        var frame: Frame?
        var nextSeq: UInt64 = 1
        var status = SourceStatus(connected: false)
        var statusVersion: UInt64 = 0
        var sessionInfo: SessionInfo?
        var events: [SourceEvent] = []
        var eventsEmitted: UInt64 = 0
        var everConnected = false
    }

    private let state = Mutex(State())
    private let observers = ChangeObservers()
    /// The processors attached to this source, run on every frame before it is shared.
    private let processing: Mutex<ProcessorChain>
    private let hasProcessors: Bool
    /// Where this hub, its processors and its source's drops are counted.
    public let metrics: BrokerMetrics
    private let counts: SourceMetrics

    public init(
        id: String, typeName: String, registry: VariableRegistry, origin: String? = nil, processors: sending [AttachedProcessor] = [],
        metrics: BrokerMetrics = BrokerMetrics()
    ) {
        self.id = id
        self.typeName = typeName
        self.origin = origin ?? id
        self.registry = registry
        self.metrics = metrics
        counts = SourceMetrics(sourceID: id, metrics: metrics)
        hasProcessors = !processors.isEmpty
        processing = Mutex(ProcessorChain(processors, sourceID: id, metrics: metrics))
    }

    // MARK: - Source side

    /// Declares the variables the source provides, registering them, and returns the layout to fill.
    /// Declaring again (the sim changed car or restarted) replaces the layout for later frames.
    /// With processors attached, the layout also holds their variables, after the source's row.
    @discardableResult
    public func declare(_ declarations: [VariableDeclaration], rowSize: Int? = nil) -> FrameLayout {
        var layout = FrameLayout(declaring: declarations, registry: registry, sourceID: id, rowSize: rowSize)
        if hasProcessors {
            let source = layout
            layout = processing.withLock { $0.extend(declarations, source: source, registry: registry, sourceID: id) }
        }
        state.withLock { $0.layout = layout }
        return layout
    }

    /// Publishes a frame; returns its sequence number. Never blocks beyond a short lock.
    /// Attached processors add their values to the row first; their events follow the frame.
    @discardableResult
    public func publish(row: [UInt8], layout: FrameLayout, timestamp: Double = wallClockNow()) -> UInt64 {
        var row = row
        var processed: (events: [SourceEvent], newFault: Bool) = ([], false)
        if hasProcessors { processed = processing.withLock { $0.run(&row, layout: layout, timestamp: timestamp) } }
        let seq = update { state in
            let frame = Frame(seq: state.nextSeq, timestamp: timestamp, layout: layout, row: row)
            state.nextSeq += 1
            state.frame = frame
            return frame.seq
        }
        counts.frames.increment()
        for event in processed.events { emit(event) }
        if processed.newFault {
            state.withLock { $0.statusVersion += 1 }
            observers.notify()
        }
        return seq
    }

    @discardableResult
    public func publish(_ row: FrameRow, timestamp: Double = wallClockNow()) -> UInt64 {
        publish(row: row.bytes, layout: row.layout, timestamp: timestamp)
    }

    /// Sets the status; consumers are told only when it actually changes.
    public func setStatus(_ status: SourceStatus) {
        let (changed, reconnected) = state.withLock { state -> (Bool, Bool) in
            guard state.status != status else { return (false, false) }
            let reconnected = status.connected && !state.status.connected && state.everConnected
            state.everConnected = state.everConnected || status.connected
            state.status = status
            state.statusVersion += 1
            counts.connected.record(status.connected ? 1 : 0)  // under the lock: the gauge follows the last status
            return (true, reconnected)
        }
        guard changed else { return }
        counts.statusChanges.increment()
        if reconnected { counts.reconnects.increment() }
        observers.notify()
    }

    public func setConnected(_ connected: Bool, details: [(String, JSONValue)] = []) {
        setStatus(SourceStatus(connected: connected, details: details))
    }

    public func emit(_ event: SourceEvent) {
        update { state in
            if state.events.count == Self.eventCapacity { state.events.removeFirst() }
            state.events.append(event)
            state.eventsEmitted += 1
        }
        counts.events.increment()
    }

    public func emit(_ name: String, _ data: JSONValue = .object([])) {
        emit(SourceEvent(name: name, data: data))
    }

    public func setSessionInfo(_ data: JSONValue, timestamp: Double = wallClockNow()) {
        update { state in
            let version = (state.sessionInfo?.version ?? 0) + 1
            state.sessionInfo = SessionInfo(version: version, data: data, timestamp: timestamp)
        }
        counts.sessionInfoUpdates.increment()
    }

    // MARK: - Consumer side

    public var latestFrame: Frame? { state.withLock { $0.frame } }
    public var layout: FrameLayout? { state.withLock { $0.layout } }
    public var sessionInfo: SessionInfo? { state.withLock { $0.sessionInfo } }
    /// The source's status; with processors attached, its details end with `processors` (each
    /// one's frames, errors, over-budget frames and slowest frame).
    public var status: SourceStatus {
        var status = state.withLock { $0.status }
        if hasProcessors { status.details.append(("processors", processing.withLock { $0.json })) }
        return status
    }
    /// Increments on every status change.
    public var statusVersion: UInt64 { state.withLock { $0.statusVersion } }
    /// How many events the source has emitted so far; a consumer's event cursor.
    public var eventsEmitted: UInt64 { state.withLock { $0.eventsEmitted } }

    /// The events emitted after the first `cursor` ones, and how many of those were already
    /// dropped from the ring because the consumer fell too far behind.
    public func events(after cursor: UInt64) -> (events: [SourceEvent], missed: UInt64, cursor: UInt64) {
        state.withLock { state in
            let firstKept = state.eventsEmitted - UInt64(state.events.count)
            let start = max(cursor, firstKept)
            let missed = start - min(cursor, start)
            let events = Array(state.events[Int(start - firstKept)...])
            return (events, missed, state.eventsEmitted)
        }
    }

    /// A stream that yields (coalesced) whenever anything in the hub changes. Finish iterating or
    /// drop it to stop observing.
    public func changes() -> AsyncStream<Void> { observers.stream() }

    private func update<T>(_ body: (inout State) -> T) -> T {
        let result = state.withLock { body(&$0) }
        observers.notify()
        return result
    }
}
