/// Appends compact JSON to a byte buffer.
///
/// Every message the broker sends is built with this writer, directly as UTF-8 bytes, so the hot
/// telemetry path never goes through Foundation's `JSONSerialization` or an intermediate tree.
/// NaN and infinities are written as `null`; floats print in the shortest form that round-trips at
/// their own precision.
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    @inlinable
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func byte(_ b: UInt8) { bytes.append(b) }

    public mutating func null() { raw("null") }

    public mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    public mutating func int<T: BinaryInteger>(_ value: T) {
        if let small = Int64(exactly: value) { return int(small) }
        if let large = UInt64(exactly: value) { return int(large) }
        appendNumberText(String(value))
    }

    // Concrete overloads: the telemetry hot path writes millions of these a second, and the
    // generic version above would go through protocol witnesses for every digit.
    @inlinable public mutating func int(_ value: Int32) { int(Int64(value)) }
    @inlinable public mutating func int(_ value: UInt32) { int(UInt64(value)) }
    @inlinable public mutating func int(_ value: Int) { int(Int64(value)) }

    public mutating func int(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        int(value.magnitude)
    }

    public mutating func int(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var magnitude = value
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // scratch for up to 20 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var index = scratch.count
            while magnitude > 0 {
                index -= 1
                let (quotient, remainder) = magnitude.quotientAndRemainder(dividingBy: 10)
                scratch[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remainder)
                magnitude = quotient
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[index...]))
        }
    }

    public mutating func float(_ value: Float) {
        guard value.isFinite else { return null() }
        // Whole numbers up to 2^24 print as Swift prints them (`3.0`, `-1.0`, `-0.0`) without
        // going through a String: arrays of car slots are mostly such values.
        if value == value.rounded(.towardZero), value.magnitude <= 16_777_216 {
            return wholeNumber(Int64(value), negativeZero: value == 0 && value.sign == .minus)
        }
        appendNumberText(value.description)
    }

    public mutating func double(_ value: Double) {
        guard value.isFinite else { return null() }
        if value == value.rounded(.towardZero), value.magnitude <= 9_007_199_254_740_992 {
            return wholeNumber(Int64(value), negativeZero: value == 0 && value.sign == .minus)
        }
        appendNumberText(value.description)
    }

    /// `N.0`, as Swift's `description` prints a whole float below its exponent threshold.
    private mutating func wholeNumber(_ value: Int64, negativeZero: Bool) {
        if negativeZero { bytes.append(UInt8(ascii: "-")) }
        int(value)
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0"))
    }

    /// Swift prints whole floats as `3.0` and exponents as `1e-05`: both are valid JSON as they are.
    private mutating func appendNumberText(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for (i, c) in utf8.enumerated() where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                bytes.append(contentsOf: utf8[runStart..<i])
                escape(c)
                runStart = i + 1
            }
            bytes.append(contentsOf: utf8[runStart...])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A string whose bytes are known to need no escaping (registry names, source ids checked at load).
    public mutating func plainString(_ utf8: [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ c: UInt8) {
        switch c {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            raw("\\u00")
            bytes.append(hex[Int(c >> 4)])
            bytes.append(hex[Int(c & 0xF)])
        }
    }

    /// `"key":`
    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: null()
        case let .bool(b): bool(b)
        case let .int(i): int(i)
        case let .float(f): float(f)
        case let .double(d): double(d)
        case let .string(s): string(s)
        case let .array(items):
            byte(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                write(item)
            }
            byte(UInt8(ascii: "]"))
        case let .object(pairs):
            byte(UInt8(ascii: "{"))
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                key(k)
                write(v)
            }
            byte(UInt8(ascii: "}"))
        }
    }
}
