/// One OutGauge datagram (LFS's dashboard feed): 92 bytes, or 96 when LFS appends an ID.
///
/// It has no InSim header; LFS sends it for the viewed car while an internal view is on.
public struct OutGaugePacket: Sendable, Equatable {
    /// ms, to check order.
    public var time: UInt32
    public var car: String
    /// OG_* bits.
    public var flags: UInt16
    /// 0 reverse, 1 neutral, 2 first...
    public var gear: UInt8
    /// The viewed player, 0 = none.
    public var playerID: UInt8
    /// m/s.
    public var speed: Float
    public var rpm: Float
    /// bar.
    public var turbo: Float
    /// Celsius.
    public var engineTemperature: Float
    /// 0...1.
    public var fuel: Float
    /// bar.
    public var oilPressure: Float
    /// Celsius.
    public var oilTemperature: Float
    /// DL_* bits of the lights this car has.
    public var dashLights: UInt32
    /// DL_* bits of the lights switched on.
    public var showLights: UInt32
    public var throttle: Float
    public var brake: Float
    public var clutch: Float
    public var display1: String
    public var display2: String
    /// Present only when LFS's `OutGauge ID` is set.
    public var id: Int32?

    public static let flagTurbo: UInt16 = 8192
    public static let flagMetric: UInt16 = 16384

    /// DL_* bits this source reads (the README lists them all).
    public enum Light {
        public static let shift: UInt32 = 1 << 0
        public static let pitSpeed: UInt32 = 1 << 3
        public static let oilWarning: UInt32 = 1 << 8
        public static let abs: UInt32 = 1 << 10
    }

    /// Why a datagram is not an OutGauge packet.
    public enum DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        case wrongLength(Int)

        public var description: String {
            switch self {
            case let .wrongLength(length): return "OutGauge datagram of \(length) bytes (expected 92 or 96)"
            }
        }
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> OutGaugePacket {
        let result: Result<OutGaugePacket, DecodingError> = bytes.withUnsafeBytes { raw in
            Result { () throws(DecodingError) -> OutGaugePacket in try decode(raw) }
        }
        return try result.get()
    }

    public static func decode(_ datagram: UnsafeRawBufferPointer) throws(DecodingError) -> OutGaugePacket {
        guard datagram.count == 92 || datagram.count == 96 else { throw .wrongLength(datagram.count) }
        let p = InSimBytes(base: datagram)
        return OutGaugePacket(
            time: p.u32(0), car: LFSCarName.decode(p.slice(4, 4)), flags: p.u16(8), gear: p.u8(10), playerID: p.u8(11),
            speed: p.f32(12), rpm: p.f32(16), turbo: p.f32(20), engineTemperature: p.f32(24), fuel: p.f32(28),
            oilPressure: p.f32(32), oilTemperature: p.f32(36), dashLights: p.u32(40), showLights: p.u32(44),
            throttle: p.f32(48), brake: p.f32(52), clutch: p.f32(56), display1: p.ascii(60, 16), display2: p.ascii(76, 16),
            id: datagram.count == 96 ? p.i32(92) : nil)
    }

    /// The gear as iRacing counts it: -1 reverse, 0 neutral, 1 first.
    public var canonicalGear: Int { Int(gear) - 1 }
}
