/// A message waiting to be published, and how it may be replaced.
struct OutboundMessage: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// Only the newest message on the topic matters (telemetry, status, session info, values).
        case latest
        /// Every message matters, in order (events); the waiting room for them is bounded.
        case event
    }

    var topic: String
    var payload: [UInt8]
    var retain: Bool
    var kind: Kind
}

/// What a session has yet to publish: the newest message per topic, plus events in order.
///
/// This is the sink's only queue, and it is bounded: a topic holds at most one waiting message
/// (a newer one takes its place, keeping its turn), and at most `eventCapacity` events wait (the
/// oldest goes first). So a lost server or a slow link costs intermediate values, never memory.
struct MQTTOutbox: Sendable {
    private enum Key: Hashable, Sendable {
        case topic(String)
        case event(UInt64)
    }

    let eventCapacity: Int
    private var queue: [Key] = []
    private var head = 0
    private var waiting: [Key: OutboundMessage] = [:]
    private var nextEventNumber: UInt64 = 0
    private var eventCount = 0

    init(eventCapacity: Int = 256) {
        self.eventCapacity = max(1, eventCapacity)
    }

    /// How many messages wait.
    var count: Int { waiting.count }

    func isWaiting(topic: String) -> Bool { waiting[.topic(topic)] != nil }

    /// Adds `message` at the back; returns how many waiting messages it displaced (0 or 1).
    @discardableResult
    mutating func put(_ message: OutboundMessage) -> Int {
        switch message.kind {
        case .latest:
            let key = Key.topic(message.topic)
            if waiting.updateValue(message, forKey: key) != nil { return 1 }
            queue.append(key)
            return 0
        case .event:
            let dropped = makeRoomForEvent()
            let key = Key.event(nextEventNumber)
            nextEventNumber += 1
            waiting[key] = message
            eventCount += 1
            queue.append(key)
            compactIfSparse()
            return dropped
        }
    }

    /// Puts messages back at the front in their order (unacknowledged ones after a lost
    /// connection), except where a newer message for the topic already waits or the event room is
    /// full. Returns how many were discarded.
    @discardableResult
    mutating func putBack(_ messages: [OutboundMessage]) -> Int {
        var keys: [Key] = []
        var discarded = 0
        for message in messages {
            switch message.kind {
            case .latest:
                let key = Key.topic(message.topic)
                if waiting[key] != nil || keys.contains(key) {
                    discarded += 1
                    continue
                }
                waiting[key] = message
                keys.append(key)
            case .event:
                guard eventCount < eventCapacity else {
                    discarded += 1
                    continue
                }
                let key = Key.event(nextEventNumber)
                nextEventNumber += 1
                waiting[key] = message
                eventCount += 1
                keys.append(key)
            }
        }
        queue = keys + queue[head...]
        head = 0
        return discarded
    }

    /// Removes and returns the message whose turn it is.
    mutating func takeNext() -> OutboundMessage? {
        while head < queue.count {
            let key = queue[head]
            head += 1
            if let message = waiting.removeValue(forKey: key) {
                if case .event = key { eventCount -= 1 }
                if head == queue.count {
                    queue.removeAll(keepingCapacity: true)
                    head = 0
                } else if head > 256 && head * 2 > queue.count {
                    queue.removeFirst(head)
                    head = 0
                }
                return message
            }
        }
        queue.removeAll(keepingCapacity: true)
        head = 0
        return nil
    }

    /// Drops the oldest waiting event when the room is full; returns how many were dropped.
    private mutating func makeRoomForEvent() -> Int {
        guard eventCount >= eventCapacity else { return 0 }
        for index in head..<queue.count {
            if case .event = queue[index], waiting.removeValue(forKey: queue[index]) != nil {
                eventCount -= 1
                return 1
            }
        }
        return 0
    }

    /// Rebuilds the turn order once most of it refers to messages already gone.
    private mutating func compactIfSparse() {
        let live = queue.count - head
        guard live > 64, live > 2 * waiting.count else { return }
        queue = queue[head...].filter { waiting[$0] != nil }
        head = 0
    }
}
