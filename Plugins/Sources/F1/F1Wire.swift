/// Little-endian loads at any byte offset of a datagram, checked once per packet (against the
/// packet's size table) instead of once per field: the decoders of the per-frame packets read
/// hundreds of fields 20 to 60 times a second per packet type.
struct F1Bytes {
    let raw: UnsafeRawBufferPointer

    @inline(__always) func u8(_ offset: Int) -> UInt8 { raw[offset] }
    @inline(__always) func i8(_ offset: Int) -> Int8 { Int8(bitPattern: raw[offset]) }
    @inline(__always) func u16(_ offset: Int) -> UInt16 { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    @inline(__always) func i16(_ offset: Int) -> Int16 { Int16(bitPattern: u16(offset)) }
    @inline(__always) func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    @inline(__always) func u64(_ offset: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    @inline(__always) func f32(_ offset: Int) -> Float { Float(bitPattern: u32(offset)) }
    @inline(__always) func f64(_ offset: Int) -> Double { Double(bitPattern: u64(offset)) }

    /// A NUL-terminated UTF-8 name field of `length` bytes (invalid bytes become U+FFFD).
    func text(_ offset: Int, length: Int) -> String {
        let field = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
        let end = field.firstIndex(of: 0) ?? length
        return String(decoding: UnsafeRawBufferPointer(rebasing: field[0..<end]), as: UTF8.self)
    }
}

/// The 29-byte header every F1 24/25 datagram starts with.
public struct F1Header: Sendable, Equatable {
    public var packetFormat: UInt16
    public var gameYear: UInt8
    public var gameMajorVersion: UInt8
    public var gameMinorVersion: UInt8
    public var packetVersion: UInt8
    public var packetID: UInt8
    public var sessionUID: UInt64
    public var sessionTime: Float
    public var frameIdentifier: UInt32
    public var overallFrameIdentifier: UInt32
    public var playerCarIndex: UInt8
    public var secondaryPlayerCarIndex: UInt8

    public static let size = 29

    init(_ b: F1Bytes) {
        packetFormat = b.u16(0)
        gameYear = b.u8(2)
        gameMajorVersion = b.u8(3)
        gameMinorVersion = b.u8(4)
        packetVersion = b.u8(5)
        packetID = b.u8(6)
        sessionUID = b.u64(7)
        sessionTime = b.f32(15)
        frameIdentifier = b.u32(19)
        overallFrameIdentifier = b.u32(23)
        playerCarIndex = b.u8(27)
        secondaryPlayerCarIndex = b.u8(28)
    }
}

/// The packet types (the header's packetId), with their datagram sizes per supported format as
/// EA's F1 24 and F1 25 specifications give them (checked against real captures in the tests).
public enum F1PacketKind: UInt8, Sendable, CaseIterable {
    case motion = 0, session, lapData, event, participants, carSetups, carTelemetry, carStatus, finalClassification, lobbyInfo
    case carDamage, sessionHistory, tyreSets, motionEx, timeTrial, lapPositions

    /// The whole datagram's size (header included) in `format`, nil when the format lacks the type.
    public func datagramSize(format: F1Format) -> Int? {
        switch (self, format) {
        case (.motion, _): return 1349
        case (.session, _): return 753
        case (.lapData, _): return 1285
        case (.event, _): return 45
        case (.participants, .f1_24): return 1350
        case (.participants, .f1_25): return 1284
        case (.carSetups, _): return 1133
        case (.carTelemetry, _): return 1352
        case (.carStatus, _): return 1239
        case (.finalClassification, .f1_24): return 1020
        case (.finalClassification, .f1_25): return 1042
        case (.lobbyInfo, .f1_24): return 1306
        case (.lobbyInfo, .f1_25): return 954
        case (.carDamage, .f1_24): return 953
        case (.carDamage, .f1_25): return 1041
        case (.sessionHistory, _): return 1460
        case (.tyreSets, _): return 231
        case (.motionEx, .f1_24): return 237
        case (.motionEx, .f1_25): return 273
        case (.timeTrial, _): return 101
        case (.lapPositions, .f1_24): return nil
        case (.lapPositions, .f1_25): return 1131
        }
    }

    /// EA's name for the packet, for status details and logs.
    public var name: String {
        switch self {
        case .motion: "motion"
        case .session: "session"
        case .lapData: "lap_data"
        case .event: "event"
        case .participants: "participants"
        case .carSetups: "car_setups"
        case .carTelemetry: "car_telemetry"
        case .carStatus: "car_status"
        case .finalClassification: "final_classification"
        case .lobbyInfo: "lobby_info"
        case .carDamage: "car_damage"
        case .sessionHistory: "session_history"
        case .tyreSets: "tyre_sets"
        case .motionEx: "motion_ex"
        case .timeTrial: "time_trial"
        case .lapPositions: "lap_positions"
        }
    }
}

/// The header's packetFormat values this source decodes.
public enum F1Format: UInt16, Sendable {
    case f1_24 = 2024
    case f1_25 = 2025
}

/// Why a datagram was not decoded: each is a drop reason in the source's status.
public enum F1DecodeError: Error, Equatable, Sendable {
    /// Fewer bytes than a header.
    case shorterThanHeader(length: Int)
    /// A packetFormat that is neither 2024 nor 2025 (e.g. 2023, or not F1 at all).
    case unsupportedFormat(UInt16)
    /// A packetId the format does not define.
    case unknownPacketID(UInt8, format: UInt16)
    /// Shorter than its packet type's size (a longer one is decoded: the extra bytes are ignored).
    case shortPacket(kind: F1PacketKind, length: Int, expected: Int)
    /// A count field larger than the array it counts (e.g. 9 tyre stints of 8).
    case countOutOfRange(kind: F1PacketKind, field: String, value: Int, limit: Int)
    /// An Event packet whose code F1 24/25 do not define.
    case unknownEventCode(String)

    /// The stable reason a drop is counted under.
    public var reason: String {
        switch self {
        case .shorterThanHeader: "shorter than a header"
        case .unsupportedFormat: "unsupported packet format"
        case .unknownPacketID: "unknown packet id"
        case .shortPacket: "short packet"
        case .countOutOfRange: "count out of range"
        case .unknownEventCode: "unknown event code"
        }
    }

    /// What was seen, for the one log line per reason.
    public var detail: String {
        switch self {
        case .shorterThanHeader(let length): "\(length) bytes, a header is \(F1Header.size)"
        case .unsupportedFormat(let format): "packetFormat \(format); this source decodes 2024 (F1 24) and 2025 (F1 25)"
        case .unknownPacketID(let id, let format): "packetId \(id) in format \(format)"
        case .shortPacket(let kind, let length, let expected): "\(kind.name) packet of \(length) bytes, expected \(expected)"
        case .countOutOfRange(let kind, let field, let value, let limit): "\(kind.name) \(field) = \(value), at most \(limit)"
        case .unknownEventCode(let code): "event code '\(code)'"
        }
    }
}
