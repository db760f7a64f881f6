/// One received datagram whose header and size have been checked: the packet type, the game's
/// format, and typed access to its payload. Per-car accessors read straight from the bytes (no
/// allocation), so the session model can copy the cars it needs 60 times a second.
public struct F1Datagram: Sendable {
    public let header: F1Header
    public let format: F1Format
    public let kind: F1PacketKind
    public let bytes: [UInt8]

    /// Cars in every per-car packet.
    public static let carCount = 22

    /// Checks the header (format, packet id) and the size; throws the reason to count the drop under.
    public init(_ bytes: [UInt8]) throws(F1DecodeError) {
        guard bytes.count >= F1Header.size else { throw .shorterThanHeader(length: bytes.count) }
        let header = bytes.withUnsafeBytes { F1Header(F1Bytes(raw: $0)) }
        guard let format = F1Format(rawValue: header.packetFormat) else { throw .unsupportedFormat(header.packetFormat) }
        guard let kind = F1PacketKind(rawValue: header.packetID), let size = kind.datagramSize(format: format) else {
            throw .unknownPacketID(header.packetID, format: header.packetFormat)
        }
        guard bytes.count >= size else { throw .shortPacket(kind: kind, length: bytes.count, expected: size) }
        self.header = header
        self.format = format
        self.kind = kind
        self.bytes = bytes
    }

    /// Runs `body` over the payload (the bytes after the header).
    /// For the decoders that can reject a payload (a count beyond its array).
    func decodePayload<Value>(_ body: (F1Bytes) throws(F1DecodeError) -> Value) throws(F1DecodeError) -> Value {
        let result: Result<Value, F1DecodeError> = withPayload { b in Result { () throws(F1DecodeError) -> Value in try body(b) } }
        return try result.get()
    }

    @inline(__always) func withPayload<Result>(_ body: (F1Bytes) -> Result) -> Result {
        bytes.withUnsafeBytes { raw in body(F1Bytes(raw: UnsafeRawBufferPointer(rebasing: raw[F1Header.size...]))) }
    }

    private func perCar<Value>(_ count: Int = carCount, _ decode: (F1Bytes, Int) -> Value) -> [Value] {
        withPayload { payload in (0..<count).map { decode(payload, $0) } }
    }

    // MARK: - Typed views (each precondition is the caller's: the kind must match)

    public func motion() -> [F1CarMotion] { perCar { F1CarMotion($0, car: $1) } }
    public func lapData() -> [F1LapData] { perCar { F1LapData($0, car: $1) } }
    public func carTelemetry() -> [F1CarTelemetry] { perCar { F1CarTelemetry($0, car: $1) } }
    public func carStatus() -> [F1CarStatus] { perCar { F1CarStatus($0, car: $1) } }
    public func carDamage() -> [F1CarDamage] { perCar { [format] in F1CarDamage($0, car: $1, format: format) } }
    public func carSetups() -> [F1CarSetup] { perCar { F1CarSetup($0, car: $1) } }
    public func session() -> F1Session { withPayload { F1Session($0) } }
    public func event() throws(F1DecodeError) -> F1Event { try decodePayload { (b: F1Bytes) throws(F1DecodeError) in try F1Event(b) } }
    public func sessionHistory() throws(F1DecodeError) -> F1SessionHistory {
        try decodePayload { (b: F1Bytes) throws(F1DecodeError) in try F1SessionHistory(b) }
    }
    public func tyreSets() -> F1TyreSets { withPayload { F1TyreSets($0) } }
    public func motionEx() -> F1MotionEx { withPayload { [format] in F1MotionEx($0, format: format) } }
    public func timeTrial() -> [F1TimeTrialSet] { withPayload { b in (0..<3).map { F1TimeTrialSet(b, set: $0) } } }
    public func lapPositions() throws(F1DecodeError) -> F1LapPositions {
        try decodePayload { (b: F1Bytes) throws(F1DecodeError) in try F1LapPositions(b) }
    }

    /// Participants: the active car count and all 22 slots.
    public func participants() -> (numActiveCars: Int, cars: [F1Participant]) {
        withPayload { b in (Int(b.u8(0)), (0..<Self.carCount).map { [format] in F1Participant(b, car: $0, format: format) }) }
    }

    /// FinalClassification: the car count and all 22 slots.
    public func finalClassification() -> (numCars: Int, cars: [F1FinalClassification]) {
        withPayload { b in (Int(b.u8(0)), (0..<Self.carCount).map { [format] in F1FinalClassification(b, car: $0, format: format) }) }
    }

    /// LobbyInfo: the player count and all 22 slots.
    public func lobbyInfo() -> (numPlayers: Int, players: [F1LobbyPlayer]) {
        withPayload { b in (Int(b.u8(0)), (0..<Self.carCount).map { [format] in F1LobbyPlayer(b, player: $0, format: format) }) }
    }

    /// The time-trial PB and rival car indices at the end of LapData (255 = none).
    public func timeTrialCars() -> (personalBest: UInt8, rival: UInt8) {
        withPayload { b in (b.u8(22 * F1LapData.stride), b.u8(22 * F1LapData.stride + 1)) }
    }

    /// CarTelemetry's trailer: the MFD panels and the suggested gear (0 = none).
    public func telemetryTrailer() -> (mfdPanel: UInt8, mfdPanelSecondary: UInt8, suggestedGear: Int8) {
        withPayload { b in (b.u8(22 * 60), b.u8(22 * 60 + 1), b.i8(22 * 60 + 2)) }
    }
}

/// The decode path of the per-frame packets the source applies, exposed for the decode benchmark:
/// checks a car-telemetry or lap-data datagram and decodes all 22 cars into their structs, exactly
/// as `F1SessionState` does, returning a sum so the work cannot be optimised away.
public enum F1DecodeProbe {
    public static func decodeAllCars(_ bytes: [UInt8]) -> Double {
        guard let datagram = try? F1Datagram(bytes) else { return 0 }
        var sum = 0.0
        switch datagram.kind {
        case .carTelemetry:
            datagram.withPayload { b in
                for car in 0..<F1Datagram.carCount { sum += Double(F1CarTelemetry(b, car: car).engineRPM) }
            }
        case .lapData:
            datagram.withPayload { b in
                for car in 0..<F1Datagram.carCount { sum += Double(F1LapData(b, car: car).lapDistance) }
            }
        default:
            break
        }
        return sum
    }
}
