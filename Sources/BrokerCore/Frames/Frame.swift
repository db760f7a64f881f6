/// One sample of a source's telemetry: a row of bytes in the source's `FrameLayout`.
///
/// Frames are immutable and cheap to share: every sink and client reads the same row. `seq` counts
/// the frames of one source (it is what clients see as `seq`), `timestamp` is wall-clock seconds
/// since 1970 when the source captured the frame, and `monotonic` the broker's clock at publication.
public struct Frame: Sendable {
    public let seq: UInt64
    public let timestamp: Double
    public let layout: FrameLayout
    public let row: [UInt8]
    /// When the frame was made (monotonic): for a hub's frames, when the source published it, so
    /// sinks can measure their delay from a frame's arrival to its delivery (BENCHMARKS.md).
    public let arrival: ContinuousClock.Instant

    public init(seq: UInt64, timestamp: Double, layout: FrameLayout, row: [UInt8], arrival: ContinuousClock.Instant = .now) {
        self.seq = seq
        self.timestamp = timestamp
        self.layout = layout
        self.row = row
        self.arrival = arrival
    }

    /// Appends the JSON value of field `index` (a scalar, an array, or a string) to `writer`.
    public func writeValue(ofField index: Int, to writer: inout JSONWriter) {
        row.withUnsafeBytes { FrameRowReader.write(layout.fields[index], from: $0, to: &writer) }
    }

    /// The value of field `index` as a JSON tree (for tests, replays and one-off reads).
    public func value(ofField index: Int) -> JSONValue {
        row.withUnsafeBytes { FrameRowReader.value(layout.fields[index], from: $0) }
    }

    /// The value of the variable called `name`, or nil when this frame's layout lacks it.
    public func value(named name: String) -> JSONValue? {
        layout.fieldIndex(named: name).map { value(ofField: $0) }
    }
}

/// Reads typed values out of a little-endian row with unaligned loads, and never past its end.
public enum FrameRowReader {
    public static func write(_ field: FrameField, from row: UnsafeRawBufferPointer, to writer: inout JSONWriter) {
        let placement = field.placement
        writer.withCursor(reserving: placement.maxJSONLength) { $0.value(placement, in: row) }
    }

    public static func value(_ field: FrameField, from row: UnsafeRawBufferPointer) -> JSONValue {
        guard field.offset >= 0, field.offset + field.byteSize <= row.count else { return .null }
        if field.type == .string { return .string(string(field.placement, from: row)) }
        let values = (0..<field.count).map { element(field.type, at: field.offset + $0 * field.type.elementSize, from: row) }
        return field.count == 1 ? values[0] : .array(values)
    }

    static func element(_ type: VariableType, at offset: Int, from row: UnsafeRawBufferPointer) -> JSONValue {
        switch type {
        case .bool: return .bool(row[offset] != 0)
        case .int: return .int(Int64(row.loadUnaligned(fromByteOffset: offset, as: Int32.self).littleEndian))
        case .bitfield: return .int(Int64(row.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian))
        case .float:
            let f = Float(bitPattern: row.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
            return f.isFinite ? .float(f) : .null
        case .double:
            let d = Double(bitPattern: row.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
            return d.isFinite ? .double(d) : .null
        case .string: return .null
        }
    }

    /// A NUL-terminated string field: UTF-8 when valid, else Windows-1252.
    static func string(_ field: FieldPlacement, from row: UnsafeRawBufferPointer) -> String {
        let bytes = row[field.offset..<(field.offset + field.byteSize)]
        let text = bytes.prefix { $0 != 0 }
        return TextDecoding.utf8OrWindows1252(Array(text))
    }
}

extension JSONCursor {
    /// Writes the value at `field` in `row`: `null` when the row is too short to hold it.
    mutating func value(_ field: FieldPlacement, in row: UnsafeRawBufferPointer) {
        guard field.offset >= 0, field.offset + field.byteSize <= row.count else { return null() }
        if field.type == .string {
            var text = FrameRowReader.string(field, from: row)
            return text.withUTF8 { string($0) }
        }
        switch field.type {
        case .bool: elements(of: field) { $0.bool(row[$1] != 0) }
        case .int: elements(of: field) { $0.int(Int64(row.loadUnaligned(fromByteOffset: $1, as: Int32.self).littleEndian)) }
        case .bitfield: elements(of: field) { $0.int(UInt64(row.loadUnaligned(fromByteOffset: $1, as: UInt32.self).littleEndian)) }
        case .float: elements(of: field) { $0.float(Float(bitPattern: row.loadUnaligned(fromByteOffset: $1, as: UInt32.self).littleEndian)) }
        case .double: elements(of: field) { $0.double(Double(bitPattern: row.loadUnaligned(fromByteOffset: $1, as: UInt64.self).littleEndian)) }
        case .string: null()
        }
    }

    /// The field's one value, or its elements as an array, each written by `element` from its
    /// offset in the row. A loop per type: the type is not switched on per element.
    private mutating func elements(of field: FieldPlacement, _ element: (inout JSONCursor, Int) -> Void) {
        if field.count == 1 { return element(&self, field.offset) }
        byte(UInt8(ascii: "["))
        for i in 0..<field.count {
            if i > 0 { byte(UInt8(ascii: ",")) }
            element(&self, field.offset + i * field.type.elementSize)
        }
        byte(UInt8(ascii: "]"))
    }
}
