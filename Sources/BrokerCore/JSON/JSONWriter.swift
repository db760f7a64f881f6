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
        bytes.append(contentsOf: String(value).utf8)  // wider than 64 bits: rare enough for a String
    }

    // Concrete overloads: the telemetry hot path writes millions of these a second, and the
    // generic version above would go through protocol witnesses for every digit.
    @inlinable public mutating func int(_ value: Int32) { int(Int64(value)) }
    @inlinable public mutating func int(_ value: UInt32) { int(UInt64(value)) }
    @inlinable public mutating func int(_ value: Int) { int(Int64(value)) }

    public mutating func int(_ value: Int64) { withCursor(reserving: JSONCursor.maxIntegerLength) { $0.int(value) } }

    public mutating func int(_ value: UInt64) { withCursor(reserving: JSONCursor.maxIntegerLength) { $0.int(value) } }

    public mutating func float(_ value: Float) { withCursor(reserving: JSONCursor.maxFloatLength) { $0.float(value) } }

    public mutating func double(_ value: Double) { withCursor(reserving: JSONCursor.maxDoubleLength) { $0.double(value) } }

    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in withCursor(reserving: JSONCursor.maxStringLength(utf8Count: utf8.count)) { $0.string(utf8) } }
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

    /// Makes room for `maxCount` bytes and lets `body` write up to that many through a cursor,
    /// then keeps what it wrote. Encoders format straight into the buffer this way instead of
    /// appending byte by byte, which cost more than the formatting itself. The room is spare
    /// capacity, not zero-filled first (a `read all` reserves some 45 KB).
    mutating func withCursor(reserving maxCount: Int, _ body: (inout JSONCursor) -> Void) {
        bytes.append(addingCapacity: maxCount) { span in
            span.withUnsafeMutableBufferPointer { room, written in
                var cursor = JSONCursor(position: room.baseAddress!)
                body(&cursor)
                let count = cursor.position - room.baseAddress!
                precondition(count <= room.count, "JSON text overran the room reserved for it")
                written = count
            }
        }
    }
}
