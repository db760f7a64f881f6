import BrokerCore

/// Parses the sim's session-info text into the JSON tree `sessioninfo` returns, section by section.
///
/// Each top-level section (`WeekendInfo`, `DriverInfo`, ...) is repaired and parsed with libyaml on
/// its own, so a section that still fails loses only itself: the rest of the tree is served, and
/// the failed section keeps its last good version if there was one. Sections whose text did not
/// change since the last update are not parsed again (most updates touch one or two).
public struct SessionInfoParser: Sendable {
    /// A section that could not be parsed, and libyaml's reason.
    public struct Failure: Sendable, CustomStringConvertible {
        public var section: String
        public var message: String
        public var description: String { "section \(section): \(message)" }
    }

    /// The tree and what went wrong building it.
    public struct Result: Sendable {
        public var tree: JSONValue
        public var failures: [Failure]
        /// Sections present in the tree (parsed now, cached, or kept from before a failure).
        public var sectionCount: Int
    }

    private var cache: [String: (text: String, value: JSONValue)] = [:]

    public init() {}

    public mutating func parse(_ bytes: [UInt8]) -> Result {
        var pairs: [(String, JSONValue)] = []
        var failures: [Failure] = []
        for section in SessionInfoRepair.sections(of: bytes) {
            let value: JSONValue
            if let cached = cache[section.name], cached.text == section.text {
                value = cached.value
            } else {
                do {
                    value = try Self.parseSection(section)
                    cache[section.name] = (section.text, value)
                } catch {
                    failures.append(Failure(section: section.name, message: "\(error)"))
                    guard let previous = cache[section.name] else { continue }
                    value = previous.value
                }
            }
            if let index = pairs.firstIndex(where: { $0.0 == section.name }) {
                pairs[index].1 = value
            } else {
                pairs.append((section.name, value))
            }
        }
        return Result(tree: .object(pairs), failures: failures, sectionCount: pairs.count)
    }

    /// Why a section could not be parsed, with the line in the whole (repaired) text.
    struct SectionError: Error, CustomStringConvertible {
        var line: Int
        var column: Int
        var message: String
        var description: String { "line \(line), column \(column): \(message)" }
    }

    static func parseSection(_ section: SessionInfoRepair.Section) throws -> JSONValue {
        let root: YAMLNode?
        do {
            root = try YAMLParser.parse(section.text)
        } catch let error as YAMLSyntaxError {
            throw SectionError(line: error.mark.line + section.firstLine - 1, column: error.mark.column, message: error.message)
        }
        guard let root, case let .mapping(pairs) = root.content, let first = pairs.first else {
            throw SectionError(line: section.firstLine, column: 1, message: "the section is not a 'Name:' mapping")
        }
        return json(first.value)
    }

    /// A YAML tree as JSON: plain scalars typed as PyYAML types them, quoted ones as strings, mapping
    /// keys as text (a repeated key keeps its first place and its last value, as PyYAML's dicts do).
    public static func json(_ node: YAMLNode) -> JSONValue {
        switch node.content {
        case let .scalar(text, plain):
            return plain ? YAML11Scalars.resolve(text) : .string(text)
        case let .sequence(items):
            return .array(items.map(json))
        case let .mapping(pairs):
            var object: [(String, JSONValue)] = []
            var indexByKey: [String: Int] = [:]
            for pair in pairs {
                let key = pair.key.scalar ?? json(pair.key).jsonString
                let value = json(pair.value)
                if let index = indexByKey[key] {
                    object[index].1 = value
                } else {
                    indexByKey[key] = object.count
                    object.append((key, value))
                }
            }
            return .object(object)
        }
    }
}
