import CYAML

/// A position in a YAML file, 1-based as editors show it.
public struct SourceMark: Sendable, Equatable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: SourceMark, b: SourceMark) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// A YAML node with the position it came from, parsed by libyaml.
///
/// Both the config loader (which needs positions for its errors) and the iRacing session-info reader
/// (which needs libyaml's tolerance of real-world files) work from this tree.
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        /// `plain` is false for quoted and block scalars, which are always strings.
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    public var content: Content
    public var mark: SourceMark

    public init(_ content: Content, mark: SourceMark) {
        self.content = content
        self.mark = mark
    }

    public var scalar: String? {
        if case let .scalar(text, _) = content { return text }
        return nil
    }

    /// The value for `key` when this is a mapping with scalar keys.
    public subscript(key: String) -> YAMLNode? {
        guard case let .mapping(pairs) = content else { return nil }
        return pairs.first { $0.key.scalar == key }?.value
    }

    /// A plain `~`, `null`, `Null`, `NULL` or empty scalar.
    public var isNull: Bool {
        if case let .scalar(text, plain) = content, plain {
            return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
        }
        return false
    }

    public var kindName: String {
        switch content {
        case .scalar: return isNull ? "null" : "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// A YAML syntax error with libyaml's description and position.
public struct YAMLSyntaxError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var mark: SourceMark
    public var description: String { "\(mark.line):\(mark.column): \(message)" }
}

/// Parses YAML text with libyaml into `YAMLNode` trees.
public enum YAMLParser {
    /// Parses the first document of `text`; an empty stream gives nil.
    public static func parse(_ text: String) throws -> YAMLNode? {
        try parse(bytes: Array(text.utf8))
    }

    public static func parse(bytes: [UInt8]) throws -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLSyntaxError(message: "libyaml could not start (out of memory)", mark: SourceMark(line: 1, column: 1))
        }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { buffer -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var document = yaml_document_t()
            guard yaml_parser_load(&parser, &document) == 1 else { throw syntaxError(parser) }
            defer { yaml_document_delete(&document) }
            guard let root = yaml_document_get_root_node(&document) else { return nil }
            var budget = Budget()
            return try convert(root, in: &document, budget: &budget)
        }
    }

    private static func syntaxError(_ parser: yaml_parser_t) -> YAMLSyntaxError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = parser.context.map { String(cString: $0) }
        let mark = parser.problem_mark
        let message = context.map { "\(problem) \($0)" } ?? problem
        return YAMLSyntaxError(
            message: "YAML syntax error: \(message)", mark: SourceMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1))
    }

    /// Limits that keep hostile input (deep nesting, alias bombs) from exhausting the stack or memory.
    private struct Budget {
        var depth = 256
        var nodes = 1_000_000
    }

    private static func convert(_ node: UnsafeMutablePointer<yaml_node_t>, in document: inout yaml_document_t, budget: inout Budget) throws
        -> YAMLNode
    {
        let mark = SourceMark(line: Int(node.pointee.start_mark.line) + 1, column: Int(node.pointee.start_mark.column) + 1)
        budget.depth -= 1
        budget.nodes -= 1
        defer { budget.depth += 1 }
        guard budget.depth > 0 else { throw YAMLSyntaxError(message: "YAML nested too deeply", mark: mark) }
        guard budget.nodes > 0 else { throw YAMLSyntaxError(message: "YAML document too large (aliases expand to over a million nodes)", mark: mark) }
        switch node.pointee.type {
        case YAML_SCALAR_NODE:
            let scalar = node.pointee.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            return YAMLNode(.scalar(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE), mark: mark)
        case YAML_SEQUENCE_NODE:
            var items: [YAMLNode] = []
            var item = node.pointee.data.sequence.items.start
            while let current = item, current != node.pointee.data.sequence.items.top {
                if let child = yaml_document_get_node(&document, current.pointee) {
                    items.append(try convert(child, in: &document, budget: &budget))
                }
                item = current + 1
            }
            return YAMLNode(.sequence(items), mark: mark)
        case YAML_MAPPING_NODE:
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var pair = node.pointee.data.mapping.pairs.start
            while let current = pair, current != node.pointee.data.mapping.pairs.top {
                if let key = yaml_document_get_node(&document, current.pointee.key),
                    let value = yaml_document_get_node(&document, current.pointee.value)
                {
                    pairs.append((try convert(key, in: &document, budget: &budget), try convert(value, in: &document, budget: &budget)))
                }
                pair = current + 1
            }
            return YAMLNode(.mapping(pairs), mark: mark)
        default:
            return YAMLNode(.scalar("", plain: true), mark: mark)
        }
    }
}
