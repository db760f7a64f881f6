/// Why an ACC broadcasting message could not be decoded; each case is one drop reason.
public enum ACCDecodingError: Error, Equatable, CustomStringConvertible {
    /// The message ends before a field it must hold.
    case shortRead(type: UInt8, needed: Int, offset: Int, length: Int)
    /// A string's u16 length reaches past the end of the datagram.
    case stringBeyondEnd(type: UInt8, declared: Int, offset: Int, length: Int)
    /// Byte 0 is not a message type ACC sends.
    case unknownType(UInt8)
    /// The message decoded but bytes are left over (a layout this decoder does not know).
    case trailingBytes(type: UInt8, count: Int)
    /// A zero-length datagram.
    case empty

    /// The short phrase drops are counted under.
    public var reason: String {
        switch self {
        case .shortRead: return "short read"
        case .stringBeyondEnd: return "string length beyond the datagram"
        case .unknownType: return "unknown message type"
        case .trailingBytes: return "trailing bytes"
        case .empty: return "empty datagram"
        }
    }

    public var description: String {
        switch self {
        case let .shortRead(type, needed, offset, length): return "type \(type): needs \(needed) bytes at offset \(offset), datagram has \(length)"
        case let .stringBeyondEnd(type, declared, offset, length):
            return "type \(type): string of \(declared) bytes at offset \(offset), datagram has \(length)"
        case let .unknownType(type): return "type \(type)"
        case let .trailingBytes(type, count): return "type \(type): \(count) bytes left after the last field"
        case .empty: return "0 bytes"
        }
    }
}

/// One lap as ACC reports it; `Int32.max` means "no time" for the lap and each split.
public struct ACCLap: Sendable, Equatable {
    public var lapTimeMs: Int32
    public var carIndex: UInt16
    public var driverIndex: UInt16
    public var splits: [Int32]
    public var isInvalid: Bool
    public var isValidForBest: Bool
    public var isOutLap: Bool
    public var isInLap: Bool

    public static let noTime = Int32.max

    /// The lap time in seconds, nil for "no time".
    public var seconds: Double? { lapTimeMs == Self.noTime || lapTimeMs <= 0 ? nil : Double(lapTimeMs) / 1000 }
}

/// The messages ACC's broadcasting API sends to a client (protocol version 4), by type byte.
public enum ACCMessage: Sendable, Equatable {
    case registrationResult(RegistrationResult)
    case realtimeUpdate(RealtimeUpdate)
    case realtimeCarUpdate(RealtimeCarUpdate)
    case entryList(connectionID: Int32, carIndices: [UInt16])
    case trackData(TrackData)
    case entryListCar(EntryListCar)
    case broadcastingEvent(BroadcastingEvent)

    public struct RegistrationResult: Sendable, Equatable {
        public var connectionID: Int32
        public var success: Bool
        /// True when ACC granted read-only access (the wire byte is 0 then, as in Kunos's SDK).
        public var isReadOnly: Bool
        public var errorMessage: String
    }

    public struct RealtimeUpdate: Sendable, Equatable {
        public var eventIndex: UInt16
        public var sessionIndex: UInt16
        public var sessionType: UInt8
        public var phase: UInt8
        /// Milliseconds since the session started.
        public var sessionTimeMs: Float
        /// Milliseconds left in the session.
        public var sessionRemainingMs: Float
        public var focusedCarIndex: Int32
        public var activeCameraSet: String
        public var activeCamera: String
        public var currentHudPage: String
        public var isReplayPlaying: Bool
        public var replaySessionTimeMs: Float?
        public var replayRemainingTimeMs: Float?
        /// Seconds since midnight at the track.
        public var timeOfDaySeconds: Float
        public var ambientTempC: UInt8
        public var trackTempC: UInt8
        /// 0..1 (the wire has tenths).
        public var clouds: Double
        public var rainLevel: Double
        public var wetness: Double
        public var bestSessionLap: ACCLap
    }

    public struct RealtimeCarUpdate: Sendable, Equatable {
        public var carIndex: UInt16
        public var driverIndex: UInt16
        public var driverCount: UInt8
        /// As sent; Kunos's SDK reports `raw - 2` (1 = R, 2 = N, 3 = 1st).
        public var gearRaw: UInt8
        public var worldPosX: Float
        public var worldPosY: Float
        public var yaw: Float
        /// 0 none, 1 track, 2 pit lane, 3 pit entry, 4 pit exit.
        public var carLocation: UInt8
        public var speedKmh: UInt16
        public var position: UInt16
        public var cupPosition: UInt16
        public var trackPosition: UInt16
        public var splinePosition: Float
        public var laps: UInt16
        public var deltaMs: Int32
        public var bestSessionLap: ACCLap
        public var lastLap: ACCLap
        public var currentLap: ACCLap

        /// The catalogue's gear: -1 reverse, 0 neutral, 1 and up forward.
        public var gear: Int { Int(gearRaw) - 2 }
    }

    public struct TrackData: Sendable, Equatable {
        public var connectionID: Int32
        public var trackName: String
        public var trackID: Int32
        public var trackMeters: Int32
        public var cameraSets: [(name: String, cameras: [String])]
        public var hudPages: [String]

        public static func == (a: TrackData, b: TrackData) -> Bool {
            a.connectionID == b.connectionID && a.trackName == b.trackName && a.trackID == b.trackID && a.trackMeters == b.trackMeters
                && a.hudPages == b.hudPages && a.cameraSets.map(\.name) == b.cameraSets.map(\.name)
                && a.cameraSets.map(\.cameras) == b.cameraSets.map(\.cameras)
        }
    }

    public struct Driver: Sendable, Equatable {
        public var firstName: String
        public var lastName: String
        public var shortName: String
        public var category: UInt8
        public var nationality: UInt16
    }

    public struct EntryListCar: Sendable, Equatable {
        public var carIndex: UInt16
        public var carModelType: UInt8
        public var teamName: String
        public var raceNumber: Int32
        public var cupCategory: UInt8
        public var currentDriverIndex: UInt8
        public var nationality: UInt16
        public var drivers: [Driver]
    }

    public struct BroadcastingEvent: Sendable, Equatable {
        /// 0 none, 1 green flag, 2 session over, 3 penalty message, 4 accident, 5 lap completed, 6 best session lap, 7 best personal lap.
        public var type: UInt8
        public var message: String
        public var timeMs: Int32
        public var carIndex: Int32
    }

    /// Decodes one datagram; every field is bounds-checked, nothing is read past the end.
    public static func decode(_ bytes: [UInt8]) throws(ACCDecodingError) -> ACCMessage {
        guard let type = bytes.first else { throw .empty }
        var r = ACCReader(bytes: bytes, type: type)
        let message: ACCMessage
        switch type {
        case 1:
            message = .registrationResult(
                RegistrationResult(connectionID: try r.i32(), success: try r.u8() != 0, isReadOnly: try r.u8() == 0, errorMessage: try r.string()))
        case 2:
            let eventIndex = try r.u16(), sessionIndex = try r.u16(), sessionType = try r.u8(), phase = try r.u8()
            let time = try r.f32(), end = try r.f32(), focused = try r.i32()
            let cameraSet = try r.string(), camera = try r.string(), hud = try r.string()
            let replay = try r.u8() != 0
            let replayTime = replay ? try r.f32() : nil
            let replayRemaining = replay ? try r.f32() : nil
            message = .realtimeUpdate(
                RealtimeUpdate(
                    eventIndex: eventIndex, sessionIndex: sessionIndex, sessionType: sessionType, phase: phase, sessionTimeMs: time,
                    sessionRemainingMs: end, focusedCarIndex: focused, activeCameraSet: cameraSet, activeCamera: camera, currentHudPage: hud,
                    isReplayPlaying: replay, replaySessionTimeMs: replayTime, replayRemainingTimeMs: replayRemaining,
                    timeOfDaySeconds: try r.f32(), ambientTempC: try r.u8(), trackTempC: try r.u8(), clouds: Double(try r.u8()) / 10,
                    rainLevel: Double(try r.u8()) / 10, wetness: Double(try r.u8()) / 10, bestSessionLap: try r.lap()))
        case 3:
            message = .realtimeCarUpdate(
                RealtimeCarUpdate(
                    carIndex: try r.u16(), driverIndex: try r.u16(), driverCount: try r.u8(), gearRaw: try r.u8(), worldPosX: try r.f32(),
                    worldPosY: try r.f32(), yaw: try r.f32(), carLocation: try r.u8(), speedKmh: try r.u16(), position: try r.u16(),
                    cupPosition: try r.u16(), trackPosition: try r.u16(), splinePosition: try r.f32(), laps: try r.u16(), deltaMs: try r.i32(),
                    bestSessionLap: try r.lap(), lastLap: try r.lap(), currentLap: try r.lap()))
        case 4:
            let connection = try r.i32()
            let count = Int(try r.u16())
            var indices: [UInt16] = []
            indices.reserveCapacity(count)
            for _ in 0..<count { indices.append(try r.u16()) }
            message = .entryList(connectionID: connection, carIndices: indices)
        case 5:
            let connection = try r.i32(), name = try r.string(), id = try r.i32(), meters = try r.i32()
            var sets: [(name: String, cameras: [String])] = []
            for _ in 0..<(try r.u8()) {
                let setName = try r.string()
                var cameras: [String] = []
                for _ in 0..<(try r.u8()) { cameras.append(try r.string()) }
                sets.append((setName, cameras))
            }
            var pages: [String] = []
            for _ in 0..<(try r.u8()) { pages.append(try r.string()) }
            message = .trackData(
                TrackData(connectionID: connection, trackName: name, trackID: id, trackMeters: meters, cameraSets: sets, hudPages: pages))
        case 6:
            let index = try r.u16(), model = try r.u8(), team = try r.string(), number = try r.i32(), cup = try r.u8()
            let current = try r.u8(), nationality = try r.u16()
            var drivers: [Driver] = []
            for _ in 0..<(try r.u8()) {
                drivers.append(
                    Driver(
                        firstName: try r.string(), lastName: try r.string(), shortName: try r.string(), category: try r.u8(), nationality: try r.u16()
                    ))
            }
            message = .entryListCar(
                EntryListCar(
                    carIndex: index, carModelType: model, teamName: team, raceNumber: number, cupCategory: cup, currentDriverIndex: current,
                    nationality: nationality, drivers: drivers))
        case 7:
            message = .broadcastingEvent(BroadcastingEvent(type: try r.u8(), message: try r.string(), timeMs: try r.i32(), carIndex: try r.i32()))
        default:
            throw .unknownType(type)
        }
        if r.remaining > 0 { throw .trailingBytes(type: type, count: r.remaining) }
        return message
    }
}

/// Reads little-endian fields from one message, each checked against the datagram's end.
struct ACCReader {
    let bytes: [UInt8]
    let type: UInt8
    private(set) var offset = 1

    init(bytes: [UInt8], type: UInt8) {
        self.bytes = bytes
        self.type = type
    }

    var remaining: Int { bytes.count - offset }

    private mutating func take(_ count: Int) throws(ACCDecodingError) -> Int {
        guard count <= bytes.count - offset else { throw .shortRead(type: type, needed: count, offset: offset, length: bytes.count) }
        defer { offset += count }
        return offset
    }

    mutating func u8() throws(ACCDecodingError) -> UInt8 { bytes[try take(1)] }

    mutating func u16() throws(ACCDecodingError) -> UInt16 {
        let at = try take(2)
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    mutating func u32() throws(ACCDecodingError) -> UInt32 {
        let at = try take(4)
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    mutating func i32() throws(ACCDecodingError) -> Int32 { Int32(bitPattern: try u32()) }
    mutating func f32() throws(ACCDecodingError) -> Float { Float(bitPattern: try u32()) }

    mutating func string() throws(ACCDecodingError) -> String {
        let length = Int(try u16())
        guard length <= remaining else { throw .stringBeyondEnd(type: type, declared: length, offset: offset - 2, length: bytes.count) }
        let at = try take(length)
        return String(decoding: bytes[at..<(at + length)], as: UTF8.self)
    }

    mutating func lap() throws(ACCDecodingError) -> ACCLap {
        let time = try i32(), car = try u16(), driver = try u16()
        var splits: [Int32] = []
        for _ in 0..<(try u8()) { splits.append(try i32()) }
        return ACCLap(
            lapTimeMs: time, carIndex: car, driverIndex: driver, splits: splits, isInvalid: try u8() != 0, isValidForBest: try u8() != 0,
            isOutLap: try u8() != 0, isInLap: try u8() != 0)
    }
}

/// The requests a broadcasting client sends to ACC.
public enum ACCRequest {
    public static let protocolVersion: UInt8 = 4

    /// REGISTER_COMMAND_APPLICATION (1).
    public static func register(displayName: String, connectionPassword: String, updateIntervalMs: Int32, commandPassword: String) -> [UInt8] {
        var bytes: [UInt8] = [1, protocolVersion]
        append(string: displayName, to: &bytes)
        append(string: connectionPassword, to: &bytes)
        append(i32: updateIntervalMs, to: &bytes)
        append(string: commandPassword, to: &bytes)
        return bytes
    }

    /// UNREGISTER_COMMAND_APPLICATION (9).
    public static func unregister(connectionID: Int32) -> [UInt8] { withConnection(9, connectionID) }
    /// REQUEST_ENTRY_LIST (10).
    public static func entryList(connectionID: Int32) -> [UInt8] { withConnection(10, connectionID) }
    /// REQUEST_TRACK_DATA (11).
    public static func trackData(connectionID: Int32) -> [UInt8] { withConnection(11, connectionID) }

    private static func withConnection(_ type: UInt8, _ connectionID: Int32) -> [UInt8] {
        var bytes = [type]
        append(i32: connectionID, to: &bytes)
        return bytes
    }

    static func append(string: String, to bytes: inout [UInt8]) {
        let utf8 = Array(string.utf8.prefix(Int(UInt16.max)))
        bytes += [UInt8(utf8.count & 0xFF), UInt8(utf8.count >> 8)]
        bytes += utf8
    }

    static func append(i32 value: Int32, to bytes: inout [UInt8]) {
        let raw = UInt32(bitPattern: value)
        bytes += [UInt8(raw & 0xFF), UInt8((raw >> 8) & 0xFF), UInt8((raw >> 16) & 0xFF), UInt8(raw >> 24)]
    }
}
