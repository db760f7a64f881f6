/// Where a variable sits in a row, without its name: what a processor keeps to read or write a
/// field every frame with no reference counting.
public struct RowField: Sendable, Equatable {
    public let type: VariableType
    public let count: Int
    public let offset: Int

    public init(_ field: FrameField) {
        type = field.type
        count = field.count
        offset = field.offset
    }

    /// The field called `name` in `layout`, or nil when the layout lacks it.
    public init?(named name: String, in layout: FrameLayout) {
        guard let index = layout.fieldIndex(named: name) else { return nil }
        self.init(layout.fields[index])
    }
}

/// A frame row as a processor sees it: the source's values to read and its own to write, in place.
///
/// Reads return nil for a missing value (a float or double `null`, an element past the field's
/// count, a string); writes of nil store `null` in a float or double field. Nothing here allocates.
public struct ProcessorRow {
    public let bytes: UnsafeMutableRawBufferPointer
    /// Wall-clock seconds since 1970 of the frame.
    public let timestamp: Double

    public init(bytes: UnsafeMutableRawBufferPointer, timestamp: Double) {
        self.bytes = bytes
        self.timestamp = timestamp
    }

    /// The element as a number (bools 0 or 1), or nil when it is missing.
    @inline(__always)
    public func number(_ field: RowField, _ element: Int = 0) -> Double? {
        guard element >= 0, element < field.count else { return nil }
        let offset = field.offset + element * field.type.elementSize
        guard offset >= 0, offset + field.type.elementSize <= bytes.count else { return nil }
        switch field.type {
        case .bool: return bytes[offset] != 0 ? 1 : 0
        case .int: return Double(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        case .bitfield: return Double(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        case .float:
            let value = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            return value.isFinite ? Double(value) : nil
        case .double:
            let value = Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            return value.isFinite ? value : nil
        case .string: return nil
        }
    }

    /// Stores `value` in the field's type (ints rounded toward zero and clamped); nil stores `null`
    /// in a float or double and 0 in any other type.
    @inline(__always)
    public func set(_ field: RowField, _ value: Double?, element: Int = 0) {
        guard element >= 0, element < field.count else { return }
        let offset = field.offset + element * field.type.elementSize
        guard offset >= 0, offset + field.type.elementSize <= bytes.count else { return }
        let number = value ?? .nan
        switch field.type {
        case .bool: bytes[offset] = number.isFinite && number != 0 ? 1 : 0
        case .int:
            let int = number.isFinite ? Int32(number.rounded(.towardZero).clamped(-2_147_483_648, 2_147_483_647)) : 0
            bytes.storeBytes(of: int.littleEndian, toByteOffset: offset, as: Int32.self)
        case .bitfield:
            let bits = number.isFinite ? UInt32(number.rounded(.towardZero).clamped(0, 4_294_967_295)) : 0
            bytes.storeBytes(of: bits.littleEndian, toByteOffset: offset, as: UInt32.self)
        case .float: bytes.storeBytes(of: Float(number).bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
        case .double: bytes.storeBytes(of: number.bitPattern.littleEndian, toByteOffset: offset, as: UInt64.self)
        case .string: break
        }
    }

    /// Stores `null` in every element of the field.
    public func setNull(_ field: RowField) {
        for element in 0..<field.count { set(field, nil, element: element) }
    }
}

/// The events a processor emits while processing one frame; the hub publishes them after the frame.
public struct ProcessorEvents {
    var pending: [SourceEvent] = []

    public init() {}

    public mutating func emit(_ name: String, _ data: JSONValue, timestamp: Double) {
        pending.append(SourceEvent(name: name, data: data, timestamp: timestamp))
    }

    public var isEmpty: Bool { pending.isEmpty }
}

/// The frames' layout as one processor sees it: every field to read, and its own to write.
public struct ProcessorBinding {
    public let layout: FrameLayout
    /// The names of the processor's variables this layout holds as its own.
    public let added: Set<String>

    public init(layout: FrameLayout, added: Set<String>) {
        self.layout = layout
        self.added = added
    }

    /// A field to read: the source's or the processor's own.
    public func input(_ name: String) -> RowField? { RowField(named: name, in: layout) }

    /// A field to write: only one the processor added (a name the source provides stays the source's).
    public func output(_ name: String) -> RowField? { added.contains(name) ? RowField(named: name, in: layout) : nil }
}
