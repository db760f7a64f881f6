/// A mutable row being filled by a source before it is published as a `Frame`.
///
/// Sources that do not copy rows from a sim (mock, InSim, replay) use this to write values at the
/// fields' offsets; a field never set reads as zero, and `setNull` makes a float or double `null`.
public struct FrameRow: Sendable {
    public let layout: FrameLayout
    public var bytes: [UInt8]

    public init(layout: FrameLayout) {
        self.layout = layout
        bytes = [UInt8](repeating: 0, count: layout.rowSize)
    }

    private mutating func store<T: FixedWidthInteger>(_ value: T, field: Int, element: Int) {
        let f = layout.fields[field]
        let size = MemoryLayout<T>.size
        guard element >= 0, element < f.count else { return }
        let offset = f.offset + element * size
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
    }

    /// Stores a number in the field's own type (ints are rounded toward zero; bools are `!= 0`).
    public mutating func set(_ field: Int, _ value: Double, element: Int = 0) {
        switch layout.fields[field].type {
        case .bool: store(UInt8(value != 0 ? 1 : 0), field: field, element: element)
        case .int:
            store(Int32(clamping: value.isFinite ? Int64(value.rounded(.towardZero).clamped(-9e18, 9e18)) : 0), field: field, element: element)
        case .bitfield:
            store(UInt32(clamping: value.isFinite ? Int64(value.rounded(.towardZero).clamped(0, 9e18)) : 0), field: field, element: element)
        case .float: store(Float(value).bitPattern, field: field, element: element)
        case .double: store(value.bitPattern, field: field, element: element)
        case .string: setString(field, value.description)
        }
    }

    public mutating func set(_ field: Int, _ value: Bool, element: Int = 0) {
        set(field, value ? 1 : 0, element: element)
    }

    public mutating func set(_ field: Int, _ value: Int, element: Int = 0) {
        let f = layout.fields[field]
        switch f.type {
        case .int: store(Int32(clamping: value), field: field, element: element)
        case .bitfield: store(UInt32(truncatingIfNeeded: value), field: field, element: element)
        default: set(field, Double(value), element: element)
        }
    }

    /// Marks a float or double element as missing (`null` on the wire).
    public mutating func setNull(_ field: Int, element: Int = 0) {
        switch layout.fields[field].type {
        case .float, .double: set(field, Double.nan, element: element)
        default: break
        }
    }

    /// Stores UTF-8 text, truncated to the field's capacity on a character boundary, NUL-padded.
    public mutating func setString(_ field: Int, _ text: String) {
        let f = layout.fields[field]
        var utf8 = Array(text.utf8)
        if utf8.count > f.byteSize {
            var cut = f.byteSize
            while cut > 0 && (utf8[cut] & 0xC0) == 0x80 { cut -= 1 }
            utf8 = Array(utf8[..<cut])
        }
        for i in 0..<f.byteSize { bytes[f.offset + i] = i < utf8.count ? utf8[i] : 0 }
    }
}

extension Double {
    func clamped(_ low: Double, _ high: Double) -> Double { Swift.min(Swift.max(self, low), high) }
}
