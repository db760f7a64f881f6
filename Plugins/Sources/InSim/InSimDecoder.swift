import OutGaugeProtocol

/// Why a packet was rejected. Any of these from the TCP stream means the stream can no longer be
/// trusted, so the source drops the connection and reconnects.
public enum InSimDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A Size byte of 0.
    case zeroSize
    /// Fewer than the 4 header bytes.
    case tooShort(length: Int)
    /// The Size byte times 4 is not the number of bytes the packet has.
    case sizeMismatch(sizeByte: UInt8, length: Int)
    /// A type number InSim 10 does not define.
    case unknownType(UInt8)
    /// A length the packet's type does not allow.
    case wrongLength(type: UInt8, length: Int, allowed: String)
    /// A car count (NumC, NumP) that disagrees with the body or exceeds the maximum.
    case countMismatch(type: UInt8, count: Int, length: Int)
    /// The stream ended inside a packet.
    case truncated(expected: Int, received: Int)

    public var description: String {
        switch self {
        case .zeroSize: return "packet with Size byte 0"
        case let .tooShort(length): return "packet of \(length) bytes is shorter than its 4-byte header"
        case let .sizeMismatch(sizeByte, length): return "Size byte \(sizeByte) (\(Int(sizeByte) * 4) bytes) but the packet has \(length) bytes"
        case let .unknownType(type): return "unknown packet type \(type)"
        case let .wrongLength(type, length, allowed): return "packet type \(type) of \(length) bytes (allowed: \(allowed))"
        case let .countMismatch(type, count, length): return "packet type \(type) claims \(count) cars but has \(length) bytes"
        case let .truncated(expected, received): return "connection ended inside a packet (\(received) of \(expected) bytes)"
        }
    }
}

/// Bounds-known little-endian reads from one packet; callers check the length first.
struct InSimBytes {
    let base: UnsafeRawBufferPointer

    @inline(__always) func u8(_ offset: Int) -> UInt8 { base[offset] }
    @inline(__always) func u16(_ offset: Int) -> UInt16 { UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    @inline(__always) func i16(_ offset: Int) -> Int16 { Int16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int16.self)) }
    @inline(__always) func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    @inline(__always) func i32(_ offset: Int) -> Int32 { Int32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int32.self)) }
    @inline(__always) func f32(_ offset: Int) -> Float { Float(bitPattern: u32(offset)) }

    func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer.SubSequence { base[offset..<(offset + count)] }

    /// A `char[count]` field as LFS text (stops at the first NUL, or fills the field).
    func text(_ offset: Int, _ count: Int, codePage: LFSCodePage = .latin1) -> LFSText { LFSText(slice(offset, count), codePage: codePage) }

    /// A `char[count]` field of plain ASCII (versions, track codes, skin names).
    func ascii(_ offset: Int, _ count: Int) -> String { LFSText(slice(offset, count)).plain }

    func tyres(_ offset: Int) -> TyreCompounds {
        TyreCompounds(rearLeft: u8(offset), rearRight: u8(offset + 1), frontLeft: u8(offset + 2), frontRight: u8(offset + 3))
    }
}

/// Decodes one InSim packet (Size, Type, ReqI, ... as framed on the wire) with strict length checks.
///
/// Pure and allocation-light: the MCI path writes CompCars into a caller's reused array, so a
/// benchmark (or the source) decodes a 16-car packet without allocating per car.
public enum InSimDecoder {
    /// Checks the header against the packet's length and its type's rule; returns the type.
    @inline(__always)
    public static func validate(_ packet: UnsafeRawBufferPointer) throws(InSimDecodingError) -> UInt8 {
        guard packet.count >= 4 else { throw .tooShort(length: packet.count) }
        let sizeByte = packet[0]
        guard sizeByte != 0 else { throw .zeroSize }
        guard Int(sizeByte) * 4 == packet.count else { throw .sizeMismatch(sizeByte: sizeByte, length: packet.count) }
        let type = packet[1]
        guard let rule = InSimPacketType.lengthRule(for: type) else { throw .unknownType(type) }
        let length = packet.count
        switch rule {
        case let .fixed(expected):
            guard length == expected else { throw .wrongLength(type: type, length: length, allowed: "\(expected)") }
        case let .range(range):
            guard range.contains(length) else { throw .wrongLength(type: type, length: length, allowed: "\(range.lowerBound)...\(range.upperBound)") }
        case .multiCarInfo:
            let count = Int(packet[3])
            guard count <= InSimPacketType.maximumCarsPerMCI, length == 4 + 28 * count else {
                throw .countMismatch(type: type, count: count, length: length)
            }
        case .nodeLap:
            let count = Int(packet[3])
            let unpadded = 4 + 6 * count
            guard count <= InSimPacketType.maximumCarsPerNLP, length == (unpadded + 3) / 4 * 4 else {
                throw .countMismatch(type: type, count: count, length: length)
            }
        }
        return type
    }

    public static func decode(_ bytes: [UInt8]) throws(InSimDecodingError) -> InSimPacket {
        let result: Result<InSimPacket, InSimDecodingError> = bytes.withUnsafeBytes { raw in
            Result { () throws(InSimDecodingError) -> InSimPacket in try decode(raw) }
        }
        return try result.get()
    }

    public static func decode(_ packet: UnsafeRawBufferPointer) throws(InSimDecodingError) -> InSimPacket {
        let type = try validate(packet)
        let p = InSimBytes(base: packet)
        switch type {
        case InSimPacketType.isi:
            return .initialise(
                InSimInit(
                    requestID: p.u8(2), udpPort: p.u16(4), flags: p.u16(6), insimVersion: p.u8(8), prefix: p.u8(9),
                    interval: p.u16(10), admin: p.text(12, 16).plain, name: p.text(28, 16).plain))
        case InSimPacketType.ver:
            return .version(InSimVersion(requestID: p.u8(2), version: p.ascii(4, 8), product: p.ascii(12, 6), insimVersion: p.u8(18)))
        case InSimPacketType.tiny:
            return .tiny(InSimTiny(requestID: p.u8(2), subtype: p.u8(3)))
        case InSimPacketType.small:
            return .small(InSimSmall(requestID: p.u8(2), subtype: p.u8(3), value: p.u32(4)))
        case InSimPacketType.sta:
            return .state(
                InSimState(
                    requestID: p.u8(2), replaySpeed: p.f32(4), flags: p.u16(8), inGameCamera: p.u8(10), viewPlayerID: p.u8(11),
                    numberOfPlayers: p.u8(12), numberOfConnections: p.u8(13), numberFinished: p.u8(14), raceInProgress: p.u8(15),
                    qualifyingMinutes: p.u8(16), raceLaps: p.u8(17), serverStatus: p.u8(19), track: p.ascii(20, 6),
                    weather: p.u8(26), wind: p.u8(27)))
        case InSimPacketType.ism:
            return .multiplayer(InSimMultiplayer(requestID: p.u8(2), isHost: p.u8(4) != 0, hostName: p.text(8, 32)))
        case InSimPacketType.mso:
            return .messageOut(decodeMessageOut(p))
        case InSimPacketType.iii:
            return .hostMessage(InSimHostMessage(connectionID: p.u8(4), playerID: p.u8(5), message: p.text(8, packet.count - 8)))
        case InSimPacketType.mst:
            return .messageType(InSimMessageType(message: p.text(4, 64).plain))
        case InSimPacketType.rst:
            return .raceStart(
                InSimRaceStart(
                    requestID: p.u8(2), raceLaps: p.u8(4), qualifyingMinutes: p.u8(5), numberOfPlayers: p.u8(6), timing: p.u8(7),
                    track: p.ascii(8, 6), weather: p.u8(14), wind: p.u8(15), flags: p.u16(16), numberOfNodes: p.u16(18),
                    finishNode: p.u16(20), split1Node: p.u16(22), split2Node: p.u16(24), split3Node: p.u16(26)))
        case InSimPacketType.ncn:
            return .newConnection(
                InSimNewConnection(
                    requestID: p.u8(2), connectionID: p.u8(3), userName: p.text(4, 24), playerName: p.text(28, 24),
                    isAdmin: p.u8(52) != 0, total: p.u8(53), flags: p.u8(54)))
        case InSimPacketType.cnl:
            return .connectionLeft(InSimConnectionLeft(connectionID: p.u8(3), reason: p.u8(4), total: p.u8(5)))
        case InSimPacketType.cpr:
            return .connectionRenamed(InSimConnectionRenamed(connectionID: p.u8(3), playerName: p.text(4, 24), plate: p.text(28, 8)))
        case InSimPacketType.npl:
            return .newPlayer(
                InSimNewPlayer(
                    requestID: p.u8(2), playerID: p.u8(3), connectionID: p.u8(4), playerType: p.u8(5), flags: p.u16(6),
                    playerName: p.text(8, 24), plate: p.text(32, 8), car: LFSCarName.decode(p.slice(40, 4)), skinName: p.ascii(44, 16),
                    tyres: p.tyres(60), addedMass: p.u8(64), intakeRestriction: p.u8(65), driverModel: p.u8(66), passengers: p.u8(67),
                    rearWidthReduction: p.u8(68), frontWidthReduction: p.u8(69), racerFlags: p.u8(70), setupFlags: p.u8(72),
                    numberOfPlayers: p.u8(73), configuration: p.u8(74), fuel: p.u8(75)))
        case InSimPacketType.plp:
            return .playerPits(InSimPlayerNotice(playerID: p.u8(3)))
        case InSimPacketType.pll:
            return .playerLeft(InSimPlayerNotice(playerID: p.u8(3)))
        case InSimPacketType.lap:
            return .lap(
                InSimLapTime(
                    playerID: p.u8(3), lapTimeMs: p.u32(4), totalTimeMs: p.u32(8), lapsDone: p.u16(12), flags: p.u16(14),
                    penalty: p.u8(17), numberOfStops: p.u8(18), fuel200: p.u8(19)))
        case InSimPacketType.spx:
            return .split(
                InSimSplitTime(
                    playerID: p.u8(3), splitTimeMs: p.u32(4), totalTimeMs: p.u32(8), split: p.u8(12), penalty: p.u8(13),
                    numberOfStops: p.u8(14), fuel200: p.u8(15)))
        case InSimPacketType.pit:
            return .pitStop(
                InSimPitStop(
                    playerID: p.u8(3), lapsDone: p.u16(4), flags: p.u16(6), fuelAdded: p.u8(8), penalty: p.u8(9),
                    numberOfStops: p.u8(10), tyres: p.tyres(12), work: p.u32(16)))
        case InSimPacketType.psf:
            return .pitStopFinished(InSimPitStopFinished(playerID: p.u8(3), stopTimeMs: p.u32(4)))
        case InSimPacketType.pla:
            return .pitLane(InSimPitLane(playerID: p.u8(3), fact: p.u8(4)))
        case InSimPacketType.pen:
            return .penalty(InSimPenalty(playerID: p.u8(3), oldPenalty: p.u8(4), newPenalty: p.u8(5), reason: p.u8(6)))
        case InSimPacketType.toc:
            return .takeOverCar(InSimTakeOverCar(playerID: p.u8(3), oldConnectionID: p.u8(4), newConnectionID: p.u8(5)))
        case InSimPacketType.fin:
            return .finished(
                InSimFinished(
                    playerID: p.u8(3), totalTimeMs: p.u32(4), bestLapMs: p.u32(8), numberOfStops: p.u8(13), confirmation: p.u8(14),
                    lapsDone: p.u16(16), flags: p.u16(18)))
        case InSimPacketType.res:
            return .result(
                InSimResult(
                    requestID: p.u8(2), playerID: p.u8(3), userName: p.text(4, 24), playerName: p.text(28, 24), plate: p.text(52, 8),
                    car: LFSCarName.decode(p.slice(60, 4)), totalTimeMs: p.u32(64), bestLapMs: p.u32(68), numberOfStops: p.u8(73),
                    confirmation: p.u8(74), lapsDone: p.u16(76), flags: p.u16(78), resultNumber: p.u8(80), numberOfResults: p.u8(81),
                    penaltySeconds: p.u16(82)))
        case InSimPacketType.nlp:
            let count = Int(p.u8(3))
            var cars: [NodeLap] = []
            cars.reserveCapacity(count)
            for index in 0..<count {
                let offset = 4 + index * 6
                cars.append(NodeLap(node: p.u16(offset), lap: p.u16(offset + 2), playerID: p.u8(offset + 4), position: p.u8(offset + 5)))
            }
            return .nodeLap(InSimNodeLap(requestID: p.u8(2), cars: cars))
        case InSimPacketType.mci:
            var cars: [CompCar] = []
            let requestID = try decodeMultiCarInfo(packet, into: &cars)
            return .multiCarInfo(InSimMultiCarInfo(requestID: requestID, cars: cars))
        default:
            return .skipped(type: type)
        }
    }

    private static func decodeMessageOut(_ p: InSimBytes) -> InSimMessageOut {
        let messageData = p.u8(3)
        let codePage = LFSCodePage(rawValue: messageData & 0x0F) ?? .latin1
        let raw = p.slice(8, p.base.count - 8)
        let end = raw.firstIndex(of: 0) ?? raw.endIndex
        let textStart = Int(p.u8(7))
        let split = min(raw.startIndex + textStart, end)
        let prefix = LFSText(raw[raw.startIndex..<split], codePage: codePage)
        let text = LFSText(raw[split..<end], codePage: prefix.endCodePage)
        return InSimMessageOut(
            messageData: messageData, connectionID: p.u8(4), playerID: p.u8(5), userType: p.u8(6), textStart: p.u8(7),
            message: LFSText(raw[raw.startIndex..<end], codePage: codePage), text: text)
    }

    /// Decodes an IS_MCI into `cars` (emptied first, its capacity reused); returns the ReqI.
    /// This is the hot path: no allocation once `cars` has room for 16.
    @inlinable
    public static func decodeMultiCarInfo(_ packet: UnsafeRawBufferPointer, into cars: inout [CompCar]) throws(InSimDecodingError) -> UInt8 {
        guard packet.count >= 4 else { throw .tooShort(length: packet.count) }
        guard packet[1] == InSimPacketType.mci else { throw .wrongLength(type: packet[1], length: packet.count, allowed: "an IS_MCI") }
        guard packet[0] != 0 else { throw .zeroSize }
        guard Int(packet[0]) * 4 == packet.count else { throw .sizeMismatch(sizeByte: packet[0], length: packet.count) }
        let count = Int(packet[3])
        guard count <= InSimPacketType.maximumCarsPerMCI, packet.count == 4 + 28 * count else {
            throw .countMismatch(type: InSimPacketType.mci, count: count, length: packet.count)
        }
        cars.removeAll(keepingCapacity: true)
        var offset = 4
        for _ in 0..<count {
            cars.append(compCar(packet, at: offset))
            offset += 28
        }
        return packet[2]
    }

    /// One 28-byte CompCar at `offset` (the caller has checked the length).
    @inlinable @inline(__always)
    public static func compCar(_ packet: UnsafeRawBufferPointer, at offset: Int) -> CompCar {
        @inline(__always) func u16(_ at: Int) -> UInt16 { UInt16(littleEndian: packet.loadUnaligned(fromByteOffset: offset + at, as: UInt16.self)) }
        @inline(__always) func i32(_ at: Int) -> Int32 { Int32(littleEndian: packet.loadUnaligned(fromByteOffset: offset + at, as: Int32.self)) }
        return CompCar(
            node: u16(0), lap: u16(2), playerID: packet[offset + 4], position: packet[offset + 5], info: packet[offset + 6],
            x: i32(8), y: i32(12), z: i32(16), speed: u16(20), direction: u16(22), heading: u16(24),
            angularVelocity: Int16(bitPattern: u16(26)))
    }
}
