/// Reads irsdk bytes with plain offsets and shifts, independently of the parser under test, so
/// tests compare the parser's results with a second reading of the same bytes.
struct RawIRSDK {
    let bytes: [UInt8]

    func u32(_ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    func i32(_ offset: Int) -> Int32 { Int32(bitPattern: u32(offset)) }

    func u64(_ offset: Int) -> UInt64 { UInt64(u32(offset)) | UInt64(u32(offset + 4)) << 32 }

    func f32(_ offset: Int) -> Float { Float(bitPattern: u32(offset)) }

    func f64(_ offset: Int) -> Double { Double(bitPattern: u64(offset)) }

    func text(_ offset: Int, _ length: Int) -> String {
        let field = bytes[offset..<(offset + length)]
        return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    // Header fields at their documented offsets.
    var version: Int32 { i32(0) }
    var tickRate: Int32 { i32(8) }
    var sessionInfoUpdate: Int32 { i32(12) }
    var sessionInfoLength: Int { Int(i32(16)) }
    var sessionInfoOffset: Int { Int(i32(20)) }
    var variableCount: Int { Int(i32(24)) }
    var variableHeaderOffset: Int { Int(i32(28)) }
    var bufferCount: Int { Int(i32(32)) }
    var bufferLength: Int { Int(i32(36)) }
    func bufferTick(_ index: Int) -> Int32 { i32(48 + 16 * index) }
    func bufferOffset(_ index: Int) -> Int { Int(i32(52 + 16 * index)) }
    /// Disk sub-header (.ibt only).
    var recordCount: Int { Int(i32(140)) }
    var startDate: Int64 { Int64(bitPattern: u64(112)) }

    /// One variable header: type, offset, count, name, unit.
    struct Variable {
        var type: Int32
        var offset: Int
        var count: Int
        var name: String
        var unit: String
    }

    func variable(_ index: Int) -> Variable {
        let base = variableHeaderOffset + 144 * index
        return Variable(
            type: i32(base), offset: Int(i32(base + 4)), count: Int(i32(base + 8)), name: text(base + 16, 32), unit: text(base + 112, 32))
    }

    func variable(named name: String) -> Variable? {
        (0..<variableCount).lazy.map(variable).first { $0.name == name }
    }

    /// The value of element `element` of `name` in the row at `rowOffset`, as a Double.
    func value(_ name: String, rowOffset: Int, element: Int = 0) -> Double? {
        guard let v = variable(named: name) else { return nil }
        switch v.type {
        case 1: return Double(bytes[rowOffset + v.offset + element])
        case 2: return Double(i32(rowOffset + v.offset + 4 * element))
        case 3: return Double(u32(rowOffset + v.offset + 4 * element))
        case 4: return Double(f32(rowOffset + v.offset + 4 * element))
        case 5: return f64(rowOffset + v.offset + 8 * element)
        default: return nil
        }
    }
}
