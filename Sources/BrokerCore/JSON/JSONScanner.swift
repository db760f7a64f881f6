/// A string token: its bytes between the quotes, and whether they hold escapes to decode.
struct JSONStringToken {
    var range: Range<Int>
    var hasEscapes: Bool
}

/// A number token that follows JSON's grammar, and whether it is a plain integer.
struct JSONNumberToken {
    var range: Range<Int>
    var isInteger: Bool
}

/// Reads JSON straight from bytes, without Foundation and without building a tree it does not need.
///
/// `RecordingFormat` parses every line of a recording with it (a replay reads hundreds of thousands
/// a second), so the scanner lets the caller locate values and skip them (validating as it goes),
/// compare keys as raw bytes, and decode numbers straight into a frame row; `parseValue` builds a
/// `JSONValue` (keeping key order) for the rare lines that need one. It never reads outside its
/// buffer and bounds nesting, so garbage cannot crash it. `JSONValue(parsing:)` reads whole
/// messages from network peers with it.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    private(set) var index = 0
    /// Deeper nesting than this is refused (a recording never nests anywhere near it).
    static let maxDepth = 256

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: index) }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace, or nil at the end.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    /// Consumes `byte` if it comes next (after whitespace).
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard consume(byte) else { throw error(index < bytes.count ? "expected \(what)" : "unexpected end (expected \(what))") }
    }

    /// Throws unless only whitespace is left.
    mutating func expectEnd() throws {
        if peek() != nil { throw error("unexpected text after the JSON value") }
    }

    // MARK: - Objects and arrays

    /// Calls `body` for each member of the object that comes next; `body` must consume the value.
    mutating func forEachMember(_ body: (inout JSONScanner, JSONStringToken) throws -> Void) throws {
        try expect(UInt8(ascii: "{"), "'{'")
        if consume(UInt8(ascii: "}")) { return }
        repeat {
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let key = try scanString()
            try expect(UInt8(ascii: ":"), "':'")
            try body(&self, key)
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"), "',' or '}'")
    }

    /// Calls `body` with the position of each element of the array that comes next; `body` must
    /// consume the element.
    mutating func forEachElement(_ body: (inout JSONScanner, Int) throws -> Void) throws {
        try expect(UInt8(ascii: "["), "'['")
        if consume(UInt8(ascii: "]")) { return }
        var position = 0
        repeat {
            try body(&self, position)
            position += 1
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"), "',' or ']'")
    }

    // MARK: - Skipping

    /// Consumes the next value, checking its syntax.
    mutating func skip() throws {
        try skipValue(depth: 0)
    }

    /// Consumes the next value, checking its syntax; returns the bytes it spans.
    @discardableResult
    mutating func skipValue() throws -> Range<Int> {
        skipWhitespace()
        let start = index
        try skipValue(depth: 0)
        return start..<index
    }

    private mutating func skipValue(depth: Int) throws {
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        guard let next = peek() else { throw error("unexpected end (expected a value)") }
        switch next {
        case UInt8(ascii: "{"): try forEachMember { scanner, _ in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): try forEachElement { scanner, _ in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): _ = try scanLiteral()
        default: _ = try scanNumber()
        }
    }

    // MARK: - Tokens

    /// Scans `"..."`, validating escapes and refusing raw control characters.
    mutating func scanString() throws -> JSONStringToken {
        try expect(UInt8(ascii: "\""), "'\"'")
        let start = index
        var hasEscapes = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return JSONStringToken(range: start..<(index - 1), hasEscapes: hasEscapes)
            }
            if byte < 0x20 { throw error("control character in a string") }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                index += 1
                guard index < bytes.count else { break }
                switch bytes[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    guard index + 4 < bytes.count, (1...4).allSatisfy({ Self.hexValue(bytes[index + $0]) != nil }) else {
                        throw error("bad \\u escape")
                    }
                    index += 4
                default: throw error("bad escape")
                }
            }
            index += 1
        }
        throw error("unterminated string")
    }

    /// Scans `true`, `false` or `null`.
    mutating func scanLiteral() throws -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end (expected a value)") }
        switch bytes[index] {
        case UInt8(ascii: "t") where matches("true"):
            index += 4
            return .bool(true)
        case UInt8(ascii: "f") where matches("false"):
            index += 5
            return .bool(false)
        case UInt8(ascii: "n") where matches("null"):
            index += 4
            return .null
        default: throw error("unexpected character")
        }
    }

    private func matches(_ word: StaticString) -> Bool {
        word.withUTF8Buffer { utf8 in
            guard index + utf8.count <= bytes.count else { return false }
            for i in 0..<utf8.count where bytes[index + i] != utf8[i] { return false }
            return true
        }
    }

    /// Scans a number: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    mutating func scanNumber() throws -> JSONNumberToken {
        skipWhitespace()
        let start = index
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, Self.isDigit(bytes[index]) else { throw error(index < bytes.count ? "unexpected character" : "unexpected end") }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw error("digit expected after '.'") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw error("digit expected in exponent") }
            skipDigits()
        }
        return JSONNumberToken(range: start..<index, isInteger: isInteger)
    }

    private mutating func skipDigits() {
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
    }

    // MARK: - Values

    /// Parses the next value into a tree, keeping object keys in order; nesting deeper than
    /// `maxDepth` is refused.
    mutating func parseValue(maxDepth: Int = JSONScanner.maxDepth) throws -> JSONValue {
        try parseValue(depth: 0, maxDepth: maxDepth)
    }

    private mutating func parseValue(depth: Int, maxDepth: Int) throws -> JSONValue {
        guard depth < maxDepth else { throw error("nesting deeper than \(maxDepth)") }
        guard let next = peek() else { throw error("unexpected end (expected a value)") }
        switch next {
        case UInt8(ascii: "{"):
            var members: [(String, JSONValue)] = []
            try forEachMember { scanner, key in
                members.append((scanner.string(key), try scanner.parseValue(depth: depth + 1, maxDepth: maxDepth)))
            }
            return .object(members)
        case UInt8(ascii: "["):
            var items: [JSONValue] = []
            try forEachElement { scanner, _ in items.append(try scanner.parseValue(depth: depth + 1, maxDepth: maxDepth)) }
            return .array(items)
        case UInt8(ascii: "\""): return .string(string(try scanString()))
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): return try scanLiteral()
        default:
            let token = try scanNumber()
            if token.isInteger, let integer = integer(token) { return .int(integer) }
            return .double(double(token))
        }
    }

    /// The next value as a string, or nil (and the value skipped) when it is not one.
    mutating func parseStringValue() throws -> String? {
        guard peek() == UInt8(ascii: "\"") else {
            try skipValue()
            return nil
        }
        return string(try scanString())
    }

    /// The next value as a number, or nil (and the value skipped) when it is not one.
    mutating func parseNumberValue() throws -> Double? {
        guard let next = peek(), next == UInt8(ascii: "-") || Self.isDigit(next) else {
            try skipValue()
            return nil
        }
        return double(try scanNumber())
    }

    // MARK: - Decoding tokens

    /// The text of a string token, escapes decoded; invalid UTF-8 is repaired.
    func string(_ token: JSONStringToken) -> String {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[token.range])
        guard token.hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\"), i + 1 < raw.count else {
                utf8.append(byte)
                i += 1
                continue
            }
            let escape = raw[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = Self.hex4(raw, at: i) ?? 0xFFFD
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate: pair it with the low one that should follow.
                    if i + 5 < raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                        let low = Self.hex4(raw, at: i + 2), (0xDC00..<0xE000).contains(low)
                    {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(scalar) {
                    scalar = 0xFFFD
                }
                utf8.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default: utf8.append(escape)  // \" \\ \/
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Whether a string token without escapes is exactly `text`.
    func tokenEquals(_ token: JSONStringToken, _ text: StaticString) -> Bool {
        guard !token.hasEscapes, token.range.count == text.utf8CodeUnitCount else { return false }
        return text.withUTF8Buffer { expected in
            var i = 0
            while i < expected.count {
                if bytes[token.range.lowerBound + i] != expected[i] { return false }
                i += 1
            }
            return true
        }
    }

    /// Whether a string token without escapes is exactly `utf8`.
    func tokenEquals(_ token: JSONStringToken, _ utf8: [UInt8]) -> Bool {
        guard !token.hasEscapes, token.range.count == utf8.count else { return false }
        var i = 0
        while i < utf8.count {
            if bytes[token.range.lowerBound + i] != utf8[i] { return false }
            i += 1
        }
        return true
    }

    /// An integer token's value, or nil when it does not fit in 64 bits.
    func integer(_ token: JSONNumberToken) -> Int64? {
        var i = token.range.lowerBound
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var magnitude: UInt64 = 0
        while i < token.range.upperBound {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[i] &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
            i += 1
        }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// A number token as the nearest Double (correctly rounded).
    func double(_ token: JSONNumberToken) -> Double {
        exactDouble(token) ?? Double(text(token)) ?? .nan
    }

    /// A number token as the nearest Float, rounded once from the decimal text.
    ///
    /// Through the exact Double when that cannot round twice wrongly: a Double that is not exactly
    /// halfway between two Floats lies on the same side of every halfway point as the decimal
    /// itself, so it rounds to the same Float. A halfway Double goes the slow way.
    func float(_ token: JSONNumberToken) -> Float {
        if let value = exactDouble(token), value.magnitude <= Double(Float.greatestFiniteMagnitude),
            value == 0 || value.magnitude >= Double(Float.leastNormalMagnitude)
        {
            let narrowed = Float(value)
            let widened = Double(narrowed)
            guard widened != value else { return narrowed }
            let neighbour = Double(value > widened ? narrowed.nextUp : narrowed.nextDown)
            if value != (widened + neighbour) / 2 { return narrowed }
        }
        return Float(text(token)) ?? .nan
    }

    /// Powers of ten a Double holds exactly.
    private static let exactPowersOfTen: [Double] = (0...22).map { pow10 in (0..<pow10).reduce(1.0) { value, _ in value * 10 } }

    /// The token's value when it takes one correctly rounded operation: at most 15 significant
    /// digits (exact in a Double) scaled by a power of ten up to 10^22 (exact too); else nil.
    private func exactDouble(_ token: JSONNumberToken) -> Double? {
        var i = token.range.lowerBound
        let end = token.range.upperBound
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var seenPoint = false
        while i < end {
            let byte = bytes[i]
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else if Self.isDigit(byte) {
                if mantissa != 0 || byte != UInt8(ascii: "0") { digits += 1 }
                guard digits <= 15 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                if seenPoint { exponent -= 1 }
            } else {
                break
            }
            i += 1
        }
        if i < end {  // an exponent: e, sign, digits (the grammar is already checked)
            i += 1
            var exponentNegative = false
            if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var written = 0
            while i < end {
                written = written * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                guard written <= 400 else { return nil }
                i += 1
            }
            exponent += exponentNegative ? -written : written
        }
        var value = Double(mantissa)
        if exponent != 0 && mantissa != 0 {
            guard exponent.magnitude <= 22 else { return nil }
            value = exponent < 0 ? value / Self.exactPowersOfTen[-exponent] : value * Self.exactPowersOfTen[exponent]
        }
        return negative ? -value : value
    }

    private func text(_ token: JSONNumberToken) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[token.range]), as: UTF8.self)
    }

    // MARK: - Characters

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private static func hex4(_ raw: UnsafeRawBufferPointer, at offset: Int) -> UInt32? {
        guard offset + 4 <= raw.count else { return nil }
        var value: UInt32 = 0
        for i in 0..<4 {
            guard let digit = hexValue(raw[offset + i]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }
}
