/// Why a text is not the JSON document it should be, and at which byte.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var offset: Int
    public var description: String { "\(message) at byte \(offset + 1)" }
}

extension JSONValue {
    /// Deeper nesting than this is refused, so a hostile peer cannot exhaust the stack.
    public static let maxParseDepth = 128

    /// Parses one JSON document (surrounding whitespace allowed), keeping object keys in order.
    ///
    /// For messages from network peers (an upstream broker's replies): integers without a fraction
    /// or exponent that fit in 64 bits become `.int`, every other number `.double`, so a receiver can
    /// tell `4` from `4.0`. Invalid UTF-8 in strings is repaired; it never reads past the end.
    public init(parsing text: some Collection<UInt8>) throws(JSONParseError) {
        let bytes = Array(text)
        do {
            self = try bytes.withUnsafeBytes { raw in
                var scanner = JSONScanner(raw)
                let value = try scanner.parseValue(maxDepth: JSONValue.maxParseDepth)
                try scanner.expectEnd()
                return value
            }
        } catch let error as JSONParseError {
            throw error
        } catch {
            throw JSONParseError(message: "\(error)", offset: 0)
        }
    }

    public init(parsing text: String) throws(JSONParseError) {
        try self.init(parsing: text.utf8)
    }
}
