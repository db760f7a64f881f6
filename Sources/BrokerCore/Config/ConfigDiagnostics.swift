import Synchronization

/// One problem in a config file, printed as `FILE:LINE:COLUMN: message`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var mark: SourceMark
    public var message: String

    public init(file: String, mark: SourceMark, message: String) {
        self.file = file
        self.mark = mark
        self.message = message
    }

    public var description: String { "\(file):\(mark.line):\(mark.column): \(message)" }
}

/// Every problem found while loading a config, in file order.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Collects config problems while a file is decoded, so all of them are reported at once.
///
/// Problems are located by coding path (resolved against the document) or by an explicit mark.
/// Plugin configs reach the current collector through `ConfigDiagnostics.current` when they check
/// ranges with `KeyedDecodingContainer.value(_:default:in:)`.
public final class ConfigDiagnostics: Sendable {
    @TaskLocal public static var current: ConfigDiagnostics?

    public let file: String
    let root: YAMLNode
    /// Every variable name a built-in source can provide (the catalogue and the sources' own).
    public let knownVariableNames: Set<String>
    private let state = Mutex<State>(State())

    private struct State {
        var errors: [ConfigError] = []
        var trackers: [String: MappingTracker] = [:]
    }

    init(file: String, root: YAMLNode, knownVariableNames: Set<String>) {
        self.file = file
        self.root = root
        self.knownVariableNames = knownVariableNames
    }

    public var errors: [ConfigError] {
        state.withLock { $0.errors }.sorted { $0.mark < $1.mark }
    }

    public func add(_ message: String, at mark: SourceMark) {
        let error = ConfigError(file: file, mark: mark, message: message)
        state.withLock { state in
            if !state.errors.contains(error) { state.errors.append(error) }
        }
    }

    /// Records a problem at the node a coding path leads to (or the deepest node that exists).
    public func add(_ message: String, at path: [any CodingKey]) {
        add(message, at: node(at: path).mark)
    }

    /// Records a decoding error thrown by a config type, with a message a user can act on.
    func record(_ error: any Error, fallbackPath: [any CodingKey]) {
        switch error {
        case let DecodingError.keyNotFound(key, context):
            add("missing required key '\(key.stringValue)'", at: context.codingPath)
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context):
            add(context.debugDescription, at: context.codingPath)
        case let error as ConfigError:
            add(error.message, at: error.mark)
        default:
            add("\(error)", at: fallbackPath)
        }
    }

    func node(at path: [any CodingKey]) -> YAMLNode {
        var current = root
        for key in path {
            switch current.content {
            case let .mapping(pairs):
                guard let next = pairs.first(where: { $0.key.scalar == key.stringValue })?.value else { return current }
                current = next
            case let .sequence(items):
                guard let index = key.intValue, items.indices.contains(index) else { return current }
                current = items[index]
            case .scalar:
                return current
            }
        }
        return current
    }

    // MARK: Unknown keys

    func tracker(for node: YAMLNode, path: [any CodingKey]) -> MappingTracker {
        let id = pathString(path)
        return state.withLock { state in
            if let existing = state.trackers[id] { return existing }
            let tracker = MappingTracker(node: node)
            state.trackers[id] = tracker
            return tracker
        }
    }

    /// Marks keys of the mapping at `path` as known without decoding them (keys the core handles).
    func markKnown(_ keys: [String], at path: [any CodingKey]) {
        let tracker = tracker(for: node(at: path), path: path)
        for key in keys { tracker.request(key) }
    }

    /// Reports every key that no decoder asked for in mappings under `path`, with a hint.
    func reportUnknownKeys(under path: [any CodingKey], context: String) {
        let prefix = pathString(path)
        let trackers = state.withLock { state in
            state.trackers.filter { $0.key == prefix || $0.key.hasPrefix(prefix + ".") }.map(\.value)
        }
        for tracker in trackers {
            let known = tracker.requestedKeys
            for key in tracker.presentKeys where !known.contains(key.name) {
                var message = "unknown key '\(key.name)' \(context)"
                if let hint = closestMatches(to: key.name, in: known.sorted()).first {
                    message += " (did you mean '\(hint)'?)"
                } else if !known.isEmpty {
                    message += " (known keys: \(known.sorted().joined(separator: ", ")))"
                }
                add(message, at: key.mark)
            }
        }
        state.withLock { state in
            for id in state.trackers.keys where id == prefix || id.hasPrefix(prefix + ".") { state.trackers[id] = nil }
        }
    }

    /// Forgets trackers under `path` (after a decode that failed: its unknown keys would be noise).
    func discardTrackers(under path: [any CodingKey]) {
        let prefix = pathString(path)
        state.withLock { state in
            for id in state.trackers.keys where id == prefix || id.hasPrefix(prefix + ".") { state.trackers[id] = nil }
        }
    }

    private func pathString(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}

/// The keys present in one mapping and the keys some decoder asked for.
final class MappingTracker: Sendable {
    struct Key: Sendable {
        var name: String
        var mark: SourceMark
    }

    let presentKeys: [Key]
    private let requested = Mutex<Set<String>>([])

    init(node: YAMLNode) {
        if case let .mapping(pairs) = node.content {
            presentKeys = pairs.compactMap { pair in pair.key.scalar.map { Key(name: $0, mark: pair.key.mark) } }
        } else {
            presentKeys = []
        }
    }

    func request(_ key: String) { _ = requested.withLock { $0.insert(key) } }
    var requestedKeys: Set<String> { requested.withLock { $0 } }
}

/// A plain coding key for paths built by the loader.
struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
    init(_ name: String) { stringValue = name }
}
