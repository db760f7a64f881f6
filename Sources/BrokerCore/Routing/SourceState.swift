/// Whether a source has live data, plus whatever the source wants clients to know about it.
public struct SourceStatus: Sendable, Equatable {
    public var connected: Bool
    /// Extra keys for the source's entry in `status` messages (e.g. `"replay": true`, `"reason": ...`).
    public var details: [(String, JSONValue)]

    public init(connected: Bool, details: [(String, JSONValue)] = []) {
        self.connected = connected
        self.details = details
    }

    public static func == (a: SourceStatus, b: SourceStatus) -> Bool {
        a.connected == b.connected && JSONValue.object(a.details) == JSONValue.object(b.details)
    }
}

/// A discrete happening reported by a source: a lap, a pit stop, a chat line, a session change.
public struct SourceEvent: Sendable {
    public var name: String
    public var data: JSONValue
    /// Wall-clock seconds since 1970.
    public var timestamp: Double

    public init(name: String, data: JSONValue = .object([]), timestamp: Double = wallClockNow()) {
        self.name = name
        self.data = data
        self.timestamp = timestamp
    }
}

/// The session description of a source (iRacing's session-info tree, or its equivalent).
public struct SessionInfo: Sendable {
    /// Increments whenever the source replaces the tree.
    public var version: UInt64
    public var data: JSONValue
    public var timestamp: Double
}
