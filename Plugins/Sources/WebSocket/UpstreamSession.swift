import BrokerCore
import Logging

/// What an upstream WebSocket server has told us so far, turned into this broker's source.
///
/// The upstream is another broker's WebSocket sink (docs/PROTOCOL.md: messages carry `source`, `status` lists
/// sources, `vars` declares them) or the Python bridge (one source, no `source` keys, no `vars`).
/// Declarations come from the `vars` reply where there is one; a variable that arrives without one
/// takes the catalogue's declaration when the catalogue has its name and shape, and is otherwise
/// inferred from its JSON value. Kept across reconnects, so a layout survives a short outage.
struct UpstreamSession {
    /// Declared variables beyond this are refused, so an upstream cannot grow the registry forever.
    static let maxVariables = 4096
    /// Capacity of a string variable (`vars` does not say one); longer text is truncated.
    static let stringCapacity = 64
    /// So many malformed messages in a row drop the connection (it is retried).
    static let maxConsecutiveDrops = 100

    /// Where declarations came from, for status details.
    enum Declarations: String { case none, vars, inferred }

    let hub: SourceHub
    let drops: DropTally
    let logger: Logger
    /// Upstream names wanted; nil takes all.
    let wanted: Set<String>?
    /// The upstream source followed: configured, or the first one the upstream names.
    private(set) var followed: String?
    private let followedFromConfig: Bool
    /// The upstream's own state of the followed source, from its `status` messages.
    private(set) var upstreamConnected = false
    private(set) var upstreamReason: String?
    private(set) var upstreamSources: [String] = []
    private(set) var declarations = Declarations.none
    private(set) var consecutiveDrops = 0
    private var infos: [VariableInfo] = []
    private var layout: FrameLayout?
    /// Error replies already logged, by message, so a refused command is logged once.
    private var loggedErrors: Set<String> = []

    private static let catalogue: [String: VariableInfo] = Dictionary(
        VariableCatalogue.all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    init(hub: SourceHub, followed: String?, variables: VariableSelection, drops: DropTally, logger: Logger) {
        self.hub = hub
        self.followed = followed
        followedFromConfig = followed != nil
        self.drops = drops
        self.logger = logger
        switch variables {
        case .all: wanted = nil
        case let .names(names): wanted = Set(names.map { VariableSelection.split($0).name })
        }
    }

    /// A new connection: the upstream's state is unknown again until it says.
    mutating func connectionOpened() {
        upstreamConnected = false
        upstreamReason = nil
        consecutiveDrops = 0
    }

    /// Takes one text message from the upstream.
    mutating func handle(_ text: some Collection<UInt8>) {
        let message: JSONValue
        do {
            message = try JSONValue(parsing: text)
        } catch {
            return drop("malformed JSON", detail: "\(error)")
        }
        guard let type = message["type"]?.stringValue else { return drop("message without a type") }
        switch type {
        case "status": handleStatus(message)
        case "vars": handleVars(message["data"])
        case "telemetry": handleTelemetry(message)
        case "sessionInfo":
            guard isFollowed(message) else { return accepted() }
            guard let data = message["data"], data.objectValue != nil else { return drop("sessionInfo without data") }
            hub.setSessionInfo(data)
            accepted()
        case "event":
            guard isFollowed(message) else { return accepted() }
            guard let name = message["name"]?.stringValue, !name.isEmpty else { return drop("event without a name") }
            hub.emit(name, message["data"] ?? .object([]))
            accepted()
        case "error":
            // The Python bridge refuses our own commands (`vars`, `events on`, `rate`): expected, logged once.
            let text = message["message"]?.stringValue ?? message.jsonString
            if loggedErrors.count < 32, loggedErrors.insert(text).inserted {
                logger.info("upstream refused a command: \(text)")
            }
            accepted()
        case "pong", "rate", "read", "metrics": accepted()
        default: drop("unknown message type", detail: type)
        }
    }

    /// Counts a binary frame (the protocol has none).
    mutating func handleBinary() {
        drop("binary message")
    }

    private mutating func drop(_ reason: String, detail: @autoclosure () -> String = "") {
        drops.record(reason, detail: detail())
        consecutiveDrops += 1
    }

    private mutating func accepted() {
        consecutiveDrops = 0
    }

    /// Whether a message is about the followed source. A message with no `source` (the Python bridge)
    /// is; the first named source is adopted when the config names none.
    private mutating func isFollowed(_ message: JSONValue) -> Bool {
        guard let source = message["source"]?.stringValue else { return true }
        if followed == nil { followed = source }
        return source == followed
    }

    // MARK: - Status

    private mutating func handleStatus(_ message: JSONValue) {
        guard let sources = message["sources"]?.objectValue else {
            // The Python bridge: one sim, one flag.
            guard let connected = message["connected"]?.boolValue else { return drop("status without connected") }
            upstreamConnected = connected
            upstreamReason = connected ? nil : "the upstream reports its sim disconnected"
            return accepted()
        }
        upstreamSources = sources.map(\.0)
        if followed == nil, let first = upstreamSources.first {
            followed = first
            if upstreamSources.count > 1 {
                logger.info(
                    "following upstream source '\(first)'; it also has \(upstreamSources.dropFirst().joined(separator: ", ")) (one entry with `source:` per source brings them)"
                )
            }
        }
        guard let followed, let entry = sources.first(where: { $0.0 == followed })?.1 else {
            upstreamConnected = false
            upstreamReason =
                followed.map { "the upstream has no source '\($0)' (it has: \(upstreamSources.joined(separator: ", ")))" }
                ?? "the upstream has no sources"
            return accepted()
        }
        upstreamConnected = entry["connected"]?.boolValue ?? false
        upstreamReason =
            upstreamConnected ? nil : (entry["reason"]?.stringValue.map { "upstream: \($0)" } ?? "the upstream reports '\(followed)' disconnected")
        accepted()
    }

    // MARK: - Declarations

    private mutating func handleVars(_ data: JSONValue?) {
        guard let entries = data?.arrayValue else { return drop("vars without data") }
        var declared: [VariableInfo] = []
        for entry in entries {
            guard let name = entry["name"]?.stringValue, !name.isEmpty,
                let type = entry["type"]?.stringValue.flatMap(VariableType.init(rawValue:))
            else {
                drops.record("bad declaration", detail: entry.jsonString)
                continue
            }
            // A broker lists its whole catalogue: keep what the followed source (or, not knowing
            // it yet, any source) provides.
            if let providers = entry["sources"]?.arrayValue,
                followed.map({ id in !providers.contains { $0.stringValue == id } }) ?? providers.isEmpty
            {
                continue
            }
            guard wanted?.contains(name) ?? true else { continue }
            let count = Int(entry["count"]?.intValue ?? 1)
            guard (1...65536).contains(count) else {
                drops.record("bad declaration", detail: entry.jsonString)
                continue
            }
            var range: ClosedRange<Double>? = nil
            if let low = entry["min"]?.doubleValue, let high = entry["max"]?.doubleValue, low <= high { range = low...high }
            declared.append(
                VariableInfo(
                    name: name, type: type, count: count, unit: entry["unit"]?.stringValue ?? "",
                    description: entry["desc"]?.stringValue ?? "", range: range))
        }
        declare(Array(declared.prefix(Self.maxVariables)), from: .vars)
        accepted()
    }

    private mutating func declare(_ declared: [VariableInfo], from origin: Declarations) {
        infos = declared
        declarations = origin
        layout = hub.declare(declared.map { VariableDeclaration($0, stringCapacity: Self.stringCapacity) })
    }

    /// The declaration for a value that arrived undeclared: the catalogue's when it has the name
    /// with this shape, else inferred (integer -> int, other number -> double, bool, string,
    /// arrays with their count and their elements' type). Nil for `null` (nothing to infer from).
    static func inferredDeclaration(name: String, value: JSONValue) -> VariableInfo? {
        let elements: [JSONValue]
        let count: Int
        if case let .array(items) = value {
            elements = items
            count = items.count
            guard count > 0 else { return nil }
        } else {
            elements = [value]
            count = 1
        }
        let present = elements.filter { $0 != .null }
        guard !present.isEmpty else { return nil }
        if let known = catalogue[name], known.count == count, present.allSatisfy({ fits($0, known.type) }) { return known }
        let type: VariableType
        if present.allSatisfy({ $0.boolValue != nil }) {
            type = .bool
        } else if count == 1, value.stringValue != nil {
            type = .string
        } else if present.allSatisfy({ if case .int = $0 { return Int32(exactly: $0.intValue ?? .max) != nil } else { return false } }) {
            type = .int
        } else if present.allSatisfy({ $0.doubleValue != nil }) {
            type = .double
        } else {
            return nil
        }
        return VariableInfo(name: name, type: type, count: count, description: "inferred from the upstream's values")
    }

    /// Whether a JSON value can be stored in a field of `type` without losing it.
    static func fits(_ value: JSONValue, _ type: VariableType) -> Bool {
        switch (type, value) {
        case (_, .null): return true
        case (.bool, .bool): return true
        case (.string, .string): return true
        case (.int, .int(let i)), (.bitfield, .int(let i)): return type == .int ? Int32(exactly: i) != nil : UInt32(exactly: i) != nil
        case (.float, _), (.double, _): return value.doubleValue != nil
        default: return false
        }
    }

    // MARK: - Telemetry

    private mutating func handleTelemetry(_ message: JSONValue) {
        guard isFollowed(message) else { return accepted() }
        guard let data = message["data"]?.objectValue else { return drop("telemetry without data") }
        redeclareIfNeeded(for: data)
        guard let layout else { return accepted() }
        var row = FrameRow(layout: layout)
        var mismatched = false
        for (name, value) in data {
            guard let index = layout.fieldIndex(named: name) else { continue }
            if !store(value, in: &row, field: index) { mismatched = true }
        }
        if mismatched { drops.record("value of the wrong type", detail: "a value does not fit its declaration; stored as null") }
        hub.publish(row)
        if !upstreamConnected {
            // Frames prove the upstream source live, whatever its last status said.
            upstreamConnected = true
            upstreamReason = nil
        }
        accepted()
    }

    /// Declares again when values arrive that the layout lacks, or that no longer fit (an int that
    /// turned fractional, an array that grew): the new declaration is inferred from the value.
    private mutating func redeclareIfNeeded(for data: [(String, JSONValue)]) {
        var changed = false
        var next = infos
        for (name, value) in data where wanted?.contains(name) ?? true {
            if let existing = next.firstIndex(where: { $0.name == name }) {
                guard !Self.holds(next[existing], value), let inferred = Self.inferredDeclaration(name: name, value: value) else { continue }
                var widened = inferred
                if inferred.type == .int && next[existing].type == .double { widened.type = .double }
                next[existing] = widened
                changed = true
            } else if let inferred = Self.inferredDeclaration(name: name, value: value) {
                guard next.count < Self.maxVariables else {
                    drops.record("too many variables", detail: "the upstream sends more than \(Self.maxVariables) variables; '\(name)' is left out")
                    continue
                }
                next.append(inferred)
                changed = true
            }
        }
        guard changed else { return }
        declare(next, from: declarations == .vars ? .vars : .inferred)
    }

    /// Whether `info` can hold `value` as it is (nulls always can).
    static func holds(_ info: VariableInfo, _ value: JSONValue) -> Bool {
        if case let .array(items) = value {
            return info.type != .string && items.count <= info.count && items.allSatisfy { fits($0, info.type) }
        }
        return (info.count == 1 || value == .null) && fits(value, info.type)
    }

    /// Stores a value in its field; false (and a null or zero stored) when it does not fit.
    private func store(_ value: JSONValue, in row: inout FrameRow, field index: Int) -> Bool {
        let field = row.layout.fields[index]
        if field.type == .string {
            guard let text = value.stringValue else { return value == .null }
            row.setString(index, text)
            return true
        }
        let elements = value.arrayValue ?? [value]
        var fits = elements.count <= field.count
        for (element, item) in elements.prefix(field.count).enumerated() {
            switch item {
            case .null: row.setNull(index, element: element)
            case let .bool(flag): row.set(index, flag, element: element)
            case let .int(integer) where field.type == .int || field.type == .bitfield: row.set(index, Int(clamping: integer), element: element)
            default:
                if let number = item.doubleValue {
                    row.set(index, number, element: element)
                } else {
                    row.setNull(index, element: element)
                    fits = false
                }
            }
        }
        return fits
    }
}
