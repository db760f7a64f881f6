import BrokerCore

/// The four Forza "Data Out" packet formats. The game sends one kind, chosen in its settings, and
/// the only thing on the wire that tells them apart is the datagram's length.
public enum ForzaFormat: String, ConfigEnum, Sendable {
    /// Forza Motorsport 7 / Forza Motorsport (2023) "Sled": physics only, 232 bytes.
    case sled
    /// Forza Motorsport 7 "Dash": Sled + the dash block, 311 bytes.
    case fm7Dash = "fm7_dash"
    /// Forza Motorsport (2023) "Dash": FM7 Dash + tyre wear and the track ordinal, 331 bytes.
    case fm2023Dash = "fm2023_dash"
    /// Forza Horizon 4/5: Sled + 12 Horizon bytes + the dash block (shifted by 12) + 1 pad byte, 324 bytes.
    case horizonDash = "horizon_dash"

    /// The datagram length of this format.
    public var length: Int {
        switch self {
        case .sled: return 232
        case .fm7Dash: return 311
        case .fm2023Dash: return 331
        case .horizonDash: return 324
        }
    }

    /// Where the dash block starts (nil for Sled, which has none).
    var dashOffset: Int? {
        switch self {
        case .sled: return nil
        case .fm7Dash, .fm2023Dash: return 232
        case .horizonDash: return 244
        }
    }

    /// The format a datagram of `length` bytes has, nil for any other length.
    public init?(length: Int) {
        guard let format = Self.allCases.first(where: { $0.length == length }) else { return nil }
        self = format
    }
}

/// Four values, one per wheel, in Forza's order: front left, front right, rear left, rear right.
public struct ForzaWheels: Sendable, Equatable {
    public var frontLeft: Float, frontRight: Float, rearLeft: Float, rearRight: Float

    public init(_ frontLeft: Float, _ frontRight: Float, _ rearLeft: Float, _ rearRight: Float) {
        self.frontLeft = frontLeft
        self.frontRight = frontRight
        self.rearLeft = rearLeft
        self.rearRight = rearRight
    }

    public var array: [Float] { [frontLeft, frontRight, rearLeft, rearRight] }
}

/// One decoded Forza "Data Out" datagram, with Turn 10's field names and units as sent: vectors are
/// car-local (X right, Y up, Z forward), angles in radians, speeds in m/s, tyre temperatures in °F,
/// boost in psi, pedals 0..255, `gear` raw (0 reverse, 11 neutral seen on FM 2023).
public struct ForzaPacket: Sendable, Equatable {
    /// The physics block every format starts with.
    public struct Sled: Sendable, Equatable {
        public var isRaceOn: Int32 = 0
        public var timestampMS: UInt32 = 0
        public var engineMaxRpm: Float = 0, engineIdleRpm: Float = 0, currentEngineRpm: Float = 0
        public var accelerationX: Float = 0, accelerationY: Float = 0, accelerationZ: Float = 0
        public var velocityX: Float = 0, velocityY: Float = 0, velocityZ: Float = 0
        public var angularVelocityX: Float = 0, angularVelocityY: Float = 0, angularVelocityZ: Float = 0
        public var yaw: Float = 0, pitch: Float = 0, roll: Float = 0
        public var normalizedSuspensionTravel = ForzaWheels(0, 0, 0, 0)
        public var tireSlipRatio = ForzaWheels(0, 0, 0, 0)
        public var wheelRotationSpeed = ForzaWheels(0, 0, 0, 0)
        /// 1 when the wheel is on a rumble strip (s32 on the wire).
        public var wheelOnRumbleStrip = ForzaWheels(0, 0, 0, 0)
        public var wheelInPuddleDepth = ForzaWheels(0, 0, 0, 0)
        public var surfaceRumble = ForzaWheels(0, 0, 0, 0)
        public var tireSlipAngle = ForzaWheels(0, 0, 0, 0)
        public var tireCombinedSlip = ForzaWheels(0, 0, 0, 0)
        public var suspensionTravelMeters = ForzaWheels(0, 0, 0, 0)
        public var carOrdinal: Int32 = 0, carClass: Int32 = 0, carPerformanceIndex: Int32 = 0
        public var drivetrainType: Int32 = 0, numCylinders: Int32 = 0

        public init() {}
    }

    /// The dash block of the Dash formats.
    public struct Dash: Sendable, Equatable {
        public var positionX: Float = 0, positionY: Float = 0, positionZ: Float = 0
        public var speed: Float = 0, power: Float = 0, torque: Float = 0
        public var tireTemp = ForzaWheels(0, 0, 0, 0)
        public var boost: Float = 0, fuel: Float = 0, distanceTraveled: Float = 0
        public var bestLap: Float = 0, lastLap: Float = 0, currentLap: Float = 0, currentRaceTime: Float = 0
        public var lapNumber: UInt16 = 0
        public var racePosition: UInt8 = 0, accel: UInt8 = 0, brake: UInt8 = 0, clutch: UInt8 = 0, handBrake: UInt8 = 0, gear: UInt8 = 0
        public var steer: Int8 = 0, normalizedDrivingLine: Int8 = 0, normalizedAIBrakeDifference: Int8 = 0

        public init() {}
    }

    /// What FM 2023's Dash adds at the end.
    public struct Motorsport2023: Sendable, Equatable {
        public var tireWear = ForzaWheels(0, 0, 0, 0)
        public var trackOrdinal: Int32 = 0

        public init() {}
    }

    /// The 12 undocumented bytes Forza Horizon puts between Sled and Dash, read as the community
    /// reads them (an FH6 reader's layout): u32 car group, f32 smashable velocity diff, f32 mass.
    public struct HorizonExtras: Sendable, Equatable {
        public var carGroup: UInt32 = 0
        public var smashableVelocityDifference: Float = 0
        public var smashableMass: Float = 0

        public init() {}
    }

    public var format: ForzaFormat
    public var sled: Sled
    public var dash: Dash?
    public var motorsport2023: Motorsport2023?
    public var horizon: HorizonExtras?

    public init(format: ForzaFormat, sled: Sled, dash: Dash? = nil, motorsport2023: Motorsport2023? = nil, horizon: HorizonExtras? = nil) {
        self.format = format
        self.sled = sled
        self.dash = dash
        self.motorsport2023 = motorsport2023
        self.horizon = horizon
    }

    /// Decodes a datagram whose length is `format.length` (the caller checks the length).
    public static func decode(_ bytes: UnsafeRawBufferPointer, format: ForzaFormat) -> ForzaPacket {
        precondition(bytes.count >= format.length, "Forza \(format) needs \(format.length) bytes")
        @inline(__always) func f32(_ offset: Int) -> Float {
            Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        }
        @inline(__always) func s32(_ offset: Int) -> Int32 { Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)) }
        @inline(__always) func wheels(_ offset: Int) -> ForzaWheels { ForzaWheels(f32(offset), f32(offset + 4), f32(offset + 8), f32(offset + 12)) }
        @inline(__always) func wheelInts(_ offset: Int) -> ForzaWheels {
            ForzaWheels(Float(s32(offset)), Float(s32(offset + 4)), Float(s32(offset + 8)), Float(s32(offset + 12)))
        }

        var sled = Sled()
        sled.isRaceOn = s32(0)
        sled.timestampMS = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        sled.engineMaxRpm = f32(8)
        sled.engineIdleRpm = f32(12)
        sled.currentEngineRpm = f32(16)
        sled.accelerationX = f32(20)
        sled.accelerationY = f32(24)
        sled.accelerationZ = f32(28)
        sled.velocityX = f32(32)
        sled.velocityY = f32(36)
        sled.velocityZ = f32(40)
        sled.angularVelocityX = f32(44)
        sled.angularVelocityY = f32(48)
        sled.angularVelocityZ = f32(52)
        sled.yaw = f32(56)
        sled.pitch = f32(60)
        sled.roll = f32(64)
        sled.normalizedSuspensionTravel = wheels(68)
        sled.tireSlipRatio = wheels(84)
        sled.wheelRotationSpeed = wheels(100)
        sled.wheelOnRumbleStrip = wheelInts(116)
        sled.wheelInPuddleDepth = wheels(132)
        sled.surfaceRumble = wheels(148)
        sled.tireSlipAngle = wheels(164)
        sled.tireCombinedSlip = wheels(180)
        sled.suspensionTravelMeters = wheels(196)
        sled.carOrdinal = s32(212)
        sled.carClass = s32(216)
        sled.carPerformanceIndex = s32(220)
        sled.drivetrainType = s32(224)
        sled.numCylinders = s32(228)

        var packet = ForzaPacket(format: format, sled: sled)
        guard let d = format.dashOffset else { return packet }
        var dash = Dash()
        dash.positionX = f32(d)
        dash.positionY = f32(d + 4)
        dash.positionZ = f32(d + 8)
        dash.speed = f32(d + 12)
        dash.power = f32(d + 16)
        dash.torque = f32(d + 20)
        dash.tireTemp = wheels(d + 24)
        dash.boost = f32(d + 40)
        dash.fuel = f32(d + 44)
        dash.distanceTraveled = f32(d + 48)
        dash.bestLap = f32(d + 52)
        dash.lastLap = f32(d + 56)
        dash.currentLap = f32(d + 60)
        dash.currentRaceTime = f32(d + 64)
        dash.lapNumber = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: d + 68, as: UInt16.self))
        dash.racePosition = bytes[d + 70]
        dash.accel = bytes[d + 71]
        dash.brake = bytes[d + 72]
        dash.clutch = bytes[d + 73]
        dash.handBrake = bytes[d + 74]
        dash.gear = bytes[d + 75]
        dash.steer = Int8(bitPattern: bytes[d + 76])
        dash.normalizedDrivingLine = Int8(bitPattern: bytes[d + 77])
        dash.normalizedAIBrakeDifference = Int8(bitPattern: bytes[d + 78])
        packet.dash = dash
        switch format {
        case .fm2023Dash:
            var extra = Motorsport2023()
            extra.tireWear = wheels(311)
            extra.trackOrdinal = s32(327)
            packet.motorsport2023 = extra
        case .horizonDash:
            var extra = HorizonExtras()
            extra.carGroup = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 232, as: UInt32.self))
            extra.smashableVelocityDifference = f32(236)
            extra.smashableMass = f32(240)
            packet.horizon = extra
        case .sled, .fm7Dash:
            break
        }
        return packet
    }
}
