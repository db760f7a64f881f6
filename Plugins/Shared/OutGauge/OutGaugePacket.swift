/// One OutGauge datagram: the dashboard feed LFS made and other games copied (BeamNG.drive...).
/// 92 bytes, or 96 when the sender appends an ID; no header, little-endian.
///
/// It lives in a module of its own because two sources read it: the InSim source (`outgauge_port`)
/// and the `outgauge` source, and no plugin imports another.
public struct OutGaugePacket: Sendable, Equatable {
    /// ms, to check order (BeamNG: always 0).
    public var time: UInt32
    /// LFS: the car code (`XRT`) or a mod's SkinID in hex; BeamNG: always `beam`.
    public var car: String
    /// OG_* bits.
    public var flags: UInt16
    /// 0 reverse, 1 neutral, 2 first... (LFS and BeamNG alike).
    public var gear: UInt8
    /// The viewed player, 0 = none (BeamNG: always 0).
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
    /// bar (BeamNG: always 0, it does not model it).
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
    /// Present only when the sender appends its `OutGauge ID` (BeamNG always does).
    public var id: Int32?

    public static let flagTurbo: UInt16 = 8192
    public static let flagMetric: UInt16 = 16384

    /// DL_* bits the mapping reads (the READMEs list them all).
    public enum Light {
        public static let shift: UInt32 = 1 << 0
        public static let pitSpeed: UInt32 = 1 << 3
        public static let oilWarning: UInt32 = 1 << 8
        public static let abs: UInt32 = 1 << 10
    }

    /// Which program sent the packet, as far as the packet says: BeamNG.drive writes `beam` in the
    /// car field; everything else is read the LFS way.
    public enum Sender: String, Sendable {
        case beamNG = "BeamNG.drive"
        case lfsCompatible = "LFS or compatible"
    }

    public var sender: Sender { car == "beam" ? .beamNG : .lfsCompatible }

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
        func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: datagram.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        func f32(_ offset: Int) -> Float { Float(bitPattern: u32(offset)) }
        func text(_ offset: Int, _ count: Int) -> String {
            let field = datagram[offset..<(offset + count)]
            // Latin-1: every byte is the code point of the same number.
            return String(String.UnicodeScalarView(field.prefix { $0 != 0 }.map { Unicode.Scalar($0) }))
        }
        let flags = UInt16(littleEndian: datagram.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        return OutGaugePacket(
            time: u32(0), car: LFSCarName.decode(datagram[4..<8]), flags: flags, gear: datagram[10], playerID: datagram[11],
            speed: f32(12), rpm: f32(16), turbo: f32(20), engineTemperature: f32(24), fuel: f32(28), oilPressure: f32(32),
            oilTemperature: f32(36), dashLights: u32(40), showLights: u32(44), throttle: f32(48), brake: f32(52), clutch: f32(56),
            display1: text(60, 16), display2: text(76, 16), id: datagram.count == 96 ? Int32(bitPattern: u32(92)) : nil)
    }

    /// The gear as iRacing counts it: -1 reverse, 0 neutral, 1 first.
    public var canonicalGear: Int { Int(gear) - 1 }
}
