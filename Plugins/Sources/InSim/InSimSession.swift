import BrokerCore
import Logging
import NIOCore
import OutGaugeProtocol

/// The protocol state of one InSim source: it consumes decoded packets and OutGauge datagrams,
/// keeps the connections, players and car slots, and publishes frames, events, status and session
/// info to the hub.
///
/// It is synchronous and owns no I/O, so the TCP reader and the UDP handler share one instance
/// behind a lock and tests can drive it packet by packet.
struct InSimSession: Sendable {
    /// What the session needs from the source's config.
    struct Settings: Sendable {
        var endpoint: String
        var publishOnNodeLap: Bool
        var outGaugeEnabled: Bool
        /// Status details of the UDP ports (forward counts per target), empty without UDP ports.
        var udpDetails: @Sendable () -> [(String, JSONValue)] = { [] }
    }

    /// Request ids for the packets sent after the handshake (LFS echoes them in the replies).
    enum RequestID {
        static let initialise: UInt8 = 1
        static let state: UInt8 = 2
        static let raceStart: UInt8 = 3
        static let multiplayer: UInt8 = 4
        static let connections: UInt8 = 5
        static let players: UInt8 = 6
        /// A ping sent after the start requests: LFS answers in order, so its reply marks the end of them.
        static let startupDone: UInt8 = 7
    }

    /// Session info waits this long at most for the start requests' replies before publishing anyway.
    static let startupGrace = 2.0

    /// OutGauge older than this describes nothing current (LFS sends it many times a second while
    /// it sends it at all).
    static let gaugeLifetime = 2.0

    let hub: SourceHub
    let writer: InSimFrameWriter
    let settings: Settings
    let logger: Logger
    let clock: any BrokerClock

    private(set) var handshakeComplete = false
    /// When the current connection's IS_VER arrived (the clock's time), nil before.
    private(set) var handshakeCompletedAt: Double?
    var facts = SessionFacts()
    var slots = [CarSlotState](repeating: CarSlotState(), count: InSimVariables.carSlots)
    var players: [UInt8: PlayerRecord] = [:]
    var connections: [UInt8: ConnectionRecord] = [:]
    private var slotByPlayerID = [Int16](repeating: -1, count: 256)
    private var gauge: OutGaugePacket?
    /// When `gauge` arrived (the clock's time).
    private var gaugeReceivedAt = -Double.infinity
    /// Bad UDP datagrams, by reason (anyone can send UDP: never fatal).
    let udpDrops: DropTally
    /// The connected state and details last published, refreshed with the UDP counts.
    private var connectedDetails: (connected: Bool, details: [(String, JSONValue)]) = (false, [])
    private var multiCarSetOpen = false
    private var seenInSet = [Bool](repeating: false, count: InSimVariables.carSlots)
    private var carsBuffer: [CompCar] = []
    private var sessionInfoDirty = false
    private var lastPlayerListRequest = -Double.infinity
    private var slotsFullLogged = false
    private var pendingRequests: [[UInt8]] = []
    /// Between the handshake and the reply to the start requests: the model is still being filled.
    private var awaitingStartupReplies = false

    init(hub: SourceHub, writer: InSimFrameWriter, settings: Settings, logger: Logger, clock: any BrokerClock) {
        self.hub = hub
        self.writer = writer
        self.settings = settings
        self.logger = logger
        self.clock = clock
        udpDrops = DropTally(logger: logger, context: "InSim \(settings.endpoint) UDP", source: hub)
        carsBuffer.reserveCapacity(InSimPacketType.maximumCarsPerMCI)
    }

    // MARK: - Connection lifecycle

    /// A new TCP connection starts: nothing is trusted until its IS_VER arrives.
    mutating func beginConnection() {
        handshakeComplete = false
        handshakeCompletedAt = nil
        awaitingStartupReplies = false
        multiCarSetOpen = false
    }

    /// The connection is gone: report it; the model stays visible until the next handshake. Its
    /// handshake time goes too, so attempts that fail before a new handshake (LFS not listening)
    /// are not counted as time the old connection stayed healthy, which would reset the backoff.
    mutating func endConnection(reason: String) {
        handshakeComplete = false
        handshakeCompletedAt = nil
        multiCarSetOpen = false
        setConnected(false, details: [("host", .string(settings.endpoint)), ("reason", .string(reason))])
    }

    /// Publishes the connection state with the UDP ports' counts appended.
    mutating func setConnected(_ connected: Bool, details: [(String, JSONValue)]) {
        connectedDetails = (connected, details)
        refreshStatus()
    }

    /// Re-publishes the status with the current UDP counts (called every second by the source).
    func refreshStatus() {
        var details = connectedDetails.details + settings.udpDetails()
        if udpDrops.total > 0 { details.append(("dropped", udpDrops.json)) }
        hub.setConnected(connectedDetails.connected, details: details)
    }

    /// Publishes the session info if anything in it changed since the last call.
    /// Holds back while the replies to the start requests are still arriving, so clients never see
    /// a half-listed race.
    mutating func flushSessionInfo() {
        guard sessionInfoDirty else { return }
        if awaitingStartupReplies, let since = handshakeCompletedAt, clock.now() - since < Self.startupGrace { return }
        awaitingStartupReplies = false
        sessionInfoDirty = false
        hub.setSessionInfo(sessionInfoDocument())
    }

    // MARK: - TCP packets

    /// Handles one framed packet from the TCP stream; returns the packets to send back.
    /// Throws for a packet that breaks the protocol (the connection is then dropped).
    mutating func handle(packet buffer: ByteBuffer) throws -> [[UInt8]] {
        let view = buffer.readableBytesView
        if view.count >= 4, view[view.startIndex + 1] == InSimPacketType.mci {
            var cars = carsBuffer
            carsBuffer = []
            defer { carsBuffer = cars }
            _ = try buffer.withUnsafeReadableBytes { raw throws(InSimDecodingError) in
                try InSimDecoder.decodeMultiCarInfo(raw, into: &cars)
            }
            return takePendingRequests() + (handshakeComplete ? apply(multiCarInfo: cars) : [])
        }
        let packet = try buffer.withUnsafeReadableBytes { raw throws(InSimDecodingError) in try InSimDecoder.decode(raw) }
        return try takePendingRequests() + handle(packet)
    }

    /// Requests raised while handling UDP datagrams, which can only be sent over TCP.
    private mutating func takePendingRequests() -> [[UInt8]] {
        defer { pendingRequests = [] }
        return pendingRequests
    }

    mutating func handle(_ packet: InSimPacket) throws -> [[UInt8]] {
        if case let .version(version) = packet { return try completeHandshake(version) }
        if case let .tiny(tiny) = packet, tiny.subtype == TinySubtype.none, tiny.requestID == 0 {
            return [InSimEncoder.tiny(TinySubtype.none)]
        }
        guard handshakeComplete else { return [] }
        switch packet {
        case let .tiny(tiny): apply(tiny: tiny)
        case let .state(state): apply(state: state)
        case let .multiplayer(multiplayer): apply(multiplayer: multiplayer)
        case let .raceStart(raceStart): apply(raceStart: raceStart)
        case let .newConnection(connection): apply(newConnection: connection)
        case let .connectionLeft(left): apply(connectionLeft: left)
        case let .connectionRenamed(renamed): apply(connectionRenamed: renamed)
        case let .newPlayer(player): apply(newPlayer: player)
        case let .playerPits(notice): apply(playerPits: notice)
        case let .playerLeft(notice): apply(playerLeft: notice)
        case let .takeOverCar(takeOver): apply(takeOver: takeOver)
        case let .lap(lap): apply(lap: lap)
        case let .split(split): apply(split: split)
        case let .pitStop(pitStop): apply(pitStop: pitStop)
        case let .pitStopFinished(finished): apply(pitStopFinished: finished)
        case let .pitLane(pitLane): apply(pitLane: pitLane)
        case let .penalty(penalty): apply(penalty: penalty)
        case let .finished(finished): apply(finished: finished)
        case let .result(result): apply(result: result)
        case let .messageOut(message): apply(messageOut: message)
        case let .hostMessage(message): apply(hostMessage: message)
        case let .nodeLap(nodeLap): return apply(nodeLap: nodeLap)
        case let .multiCarInfo(info): return apply(multiCarInfo: info.cars)
        case .version, .small, .initialise, .messageType, .skipped: break
        }
        return []
    }

    private mutating func completeHandshake(_ version: InSimVersion) throws -> [[UInt8]] {
        guard version.insimVersion >= 9 else { throw InSimConnectionError.unsupportedVersion(version.insimVersion) }
        guard !handshakeComplete else {
            facts.version = version
            return []
        }
        handshakeComplete = true
        handshakeCompletedAt = clock.now()
        resetModel()
        facts.version = version
        sessionInfoDirty = true
        setConnected(
            true,
            details: [
                ("host", .string(settings.endpoint)), ("lfs_version", .string(version.version)), ("product", .string(version.product)),
                ("insim_version", .int(Int64(version.insimVersion))),
            ])
        logger.info("InSim \(settings.endpoint): connected to LFS \(version.version) \(version.product), InSim \(version.insimVersion)")
        lastPlayerListRequest = clock.now()
        var requests = [
            InSimEncoder.tiny(TinySubtype.sendState, requestID: RequestID.state),
            InSimEncoder.tiny(TinySubtype.raceStart, requestID: RequestID.raceStart),
            InSimEncoder.tiny(TinySubtype.multiplayerInfo, requestID: RequestID.multiplayer),
            InSimEncoder.tiny(TinySubtype.connections, requestID: RequestID.connections),
            InSimEncoder.tiny(TinySubtype.players, requestID: RequestID.players),
        ]
        if settings.outGaugeEnabled { requests.append(InSimEncoder.small(SmallSubtype.startGauges, value: 1)) }
        requests.append(InSimEncoder.tiny(TinySubtype.ping, requestID: RequestID.startupDone))
        awaitingStartupReplies = true
        return requests
    }

    private mutating func resetModel() {
        facts = SessionFacts()
        slots = [CarSlotState](repeating: CarSlotState(), count: InSimVariables.carSlots)
        slotByPlayerID = [Int16](repeating: -1, count: 256)
        players = [:]
        connections = [:]
        gauge = nil
        gaugeReceivedAt = -Double.infinity
        slotsFullLogged = false
    }

    // MARK: - Slots

    func slot(of playerID: UInt8) -> Int? {
        let slot = slotByPlayerID[Int(playerID)]
        return slot >= 0 ? Int(slot) : nil
    }

    private mutating func allocateSlot(for playerID: UInt8) -> Int? {
        if let existing = slot(of: playerID) { return existing }
        guard let free = slots.firstIndex(where: { $0.playerID == 0 }) else {
            if !slotsFullLogged {
                logger.warning("InSim: more than \(InSimVariables.carSlots) players; player \(playerID) has no car slot")
                slotsFullLogged = true
            }
            return nil
        }
        slots[free] = CarSlotState()
        slots[free].playerID = playerID
        slotByPlayerID[Int(playerID)] = Int16(free)
        return free
    }

    private mutating func freeSlot(of playerID: UInt8) {
        guard let slot = slot(of: playerID) else { return }
        slots[slot] = CarSlotState()
        slotByPlayerID[Int(playerID)] = -1
    }

    /// The car this frame's player values describe: the local human driver, else the viewed car.
    private var playerSlot: Int? {
        if let local = players.values.filter({ !$0.isRemote && !$0.isAI }).min(by: { $0.slot < $1.slot }) { return local.slot }
        if let gauge, gauge.playerID != 0, let slot = slot(of: gauge.playerID) { return slot }
        return cameraSlot
    }

    private var cameraSlot: Int? {
        guard let view = facts.state?.viewPlayerID, view != 0 else { return nil }
        return slot(of: view)
    }

    // MARK: - Frames

    private mutating func publishFrame() {
        flushSessionInfo()
        expireStaleGauge()
        let context = InSimFrameWriter.Context(playerSlot: playerSlot, cameraSlot: cameraSlot, facts: facts, gauge: gauge)
        hub.publish(writer.row(slots: slots, context: context))
    }

    private mutating func apply(multiCarInfo cars: [CompCar]) -> [[UInt8]] {
        var requests: [[UInt8]] = []
        for car in cars {
            if car.info & CompCarInfoBits.first != 0 {
                multiCarSetOpen = true
                for index in seenInSet.indices { seenInSet[index] = false }
            }
            if let slot = slot(of: car.playerID) {
                update(slot: slot, with: car)
                seenInSet[slot] = true
            } else {
                requests += requestPlayerListIfDue()
            }
            if car.info & CompCarInfoBits.last != 0, multiCarSetOpen {
                multiCarSetOpen = false
                for index in slots.indices where slots[index].playerID != 0 {
                    slots[index].inWorld = seenInSet[index]
                }
                publishFrame()
            }
        }
        return requests
    }

    private mutating func update(slot: Int, with car: CompCar) {
        slots[slot].node = Int(car.node)
        slots[slot].lap = Int(car.lap)
        slots[slot].lapsCompleted = max(slots[slot].lapsCompleted, Int(car.lap) - 1, 0)
        slots[slot].position = Int(car.position)
        slots[slot].info = car.info & ~(CompCarInfoBits.first | CompCarInfoBits.last)
        slots[slot].x = car.xMetres
        slots[slot].y = car.yMetres
        slots[slot].z = car.zMetres
        slots[slot].speed = car.speedMetresPerSecond
        slots[slot].heading = car.headingRadians
        slots[slot].direction = car.directionRadians
        slots[slot].yawRate = car.angularVelocityRadiansPerSecond
        slots[slot].inWorld = true
    }

    private mutating func apply(nodeLap: InSimNodeLap) -> [[UInt8]] {
        var requests: [[UInt8]] = []
        for car in nodeLap.cars {
            guard let slot = slot(of: car.playerID) else {
                requests += requestPlayerListIfDue()
                continue
            }
            slots[slot].node = Int(car.node)
            slots[slot].lap = Int(car.lap)
            slots[slot].lapsCompleted = max(slots[slot].lapsCompleted, Int(car.lap) - 1, 0)
            slots[slot].position = Int(car.position)
        }
        if settings.publishOnNodeLap {
            let listed = Set(nodeLap.cars.map(\.playerID))
            for index in slots.indices where slots[index].playerID != 0 {
                slots[index].inWorld = listed.contains(slots[index].playerID)
            }
            publishFrame()
        }
        return requests
    }

    /// A car LFS reports that the player list lacks: ask for the list again, at most every 5 s.
    private mutating func requestPlayerListIfDue() -> [[UInt8]] {
        let now = clock.now()
        guard now - lastPlayerListRequest >= 5 else { return [] }
        lastPlayerListRequest = now
        return [InSimEncoder.tiny(TinySubtype.players, requestID: RequestID.players)]
    }

    // MARK: - UDP datagrams

    /// Handles one datagram on a UDP port: MCI/NLP sent by UDP, or an OutGauge packet. A bad one is
    /// dropped and counted by reason (one warning per reason), never fatal: anyone can send UDP.
    mutating func handle(datagram bytes: [UInt8]) {
        guard handshakeComplete else { return }
        if bytes.count >= 4, Int(bytes[0]) * 4 == bytes.count, bytes[1] == InSimPacketType.mci || bytes[1] == InSimPacketType.nlp {
            do {
                pendingRequests += try handle(InSimDecoder.decode(bytes))
            } catch {
                udpDrops.record("bad MCI/NLP datagram", detail: "\(bytes.count) bytes: \(error)")
            }
            return
        }
        do {
            apply(gauge: try OutGaugePacket.decode(bytes))
        } catch {
            udpDrops.record("neither OutGauge nor MCI/NLP", detail: "\(error)")
        }
    }

    /// OutGauge describes the viewed car only: when the view moves to another car (or to none),
    /// the car left behind loses the RPM and gear it no longer reports.
    private mutating func apply(gauge packet: OutGaugePacket) {
        if let previous = gauge?.playerID, previous != packet.playerID { clearGaugeValues(ofPlayer: previous) }
        gauge = packet
        gaugeReceivedAt = clock.now()
        if packet.playerID != 0, let slot = slot(of: packet.playerID) {
            slots[slot].rpm = Double(packet.rpm)
            slots[slot].gear = packet.canonicalGear
        }
        publishFrame()
    }

    /// A UDP port fell silent: OutGauge may have stopped (LFS left the car view, or closed); if so,
    /// nothing it said is current any more and a frame says so.
    mutating func udpPortFellSilent() {
        guard handshakeComplete, gauge != nil, clock.now() - gaugeReceivedAt >= Self.gaugeLifetime else { return }
        publishFrame()
    }

    /// Drops the OutGauge values once OutGauge has stopped for `gaugeLifetime` (it may stop while
    /// MCI goes on arriving on the same port).
    private mutating func expireStaleGauge() {
        guard let previous = gauge, clock.now() - gaugeReceivedAt >= Self.gaugeLifetime else { return }
        clearGaugeValues(ofPlayer: previous.playerID)
        gauge = nil
    }

    private mutating func clearGaugeValues(ofPlayer playerID: UInt8) {
        guard playerID != 0, let slot = slot(of: playerID) else { return }
        slots[slot].rpm = nil
        slots[slot].gear = 0
    }

    // MARK: - State and race control

    private mutating func apply(tiny: InSimTiny) {
        switch tiny.subtype {
        case TinySubtype.reply where tiny.requestID == RequestID.startupDone && awaitingStartupReplies:
            awaitingStartupReplies = false
            flushSessionInfo()
        case TinySubtype.raceEnd:
            hub.emit("race_end")
        case TinySubtype.clearRace:
            for playerID in Array(players.keys) { removePlayer(playerID) }
            sessionInfoDirty = true
            hub.emit("race_cleared")
        case TinySubtype.multiplayerEnd:
            for playerID in Array(players.keys) { removePlayer(playerID) }
            connections = connections.filter { $0.key == 0 }
            facts.multiplayer = nil
            sessionInfoDirty = true
            hub.emit("multiplayer_end")
        default:
            break
        }
    }

    private mutating func apply(state: InSimState) {
        let old = facts.state
        facts.state = state
        let changed =
            old.map {
                $0.track != state.track || $0.raceInProgress != state.raceInProgress || $0.raceLaps != state.raceLaps
                    || $0.qualifyingMinutes != state.qualifyingMinutes || $0.weather != state.weather || $0.wind != state.wind
                    || $0.numberOfConnections != state.numberOfConnections || $0.numberOfPlayers != state.numberOfPlayers
                    || ($0.flags ^ state.flags) & InSimState.flagMultiplayer != 0
            } ?? true
        if changed { sessionInfoDirty = true }
    }

    private mutating func apply(multiplayer: InSimMultiplayer) {
        facts.multiplayer = multiplayer
        sessionInfoDirty = true
        if multiplayer.requestID == 0 {
            hub.emit("multiplayer_start", .object([("HostName", .string(multiplayer.hostName.plain)), ("IsHost", .bool(multiplayer.isHost))]))
        }
    }

    private mutating func apply(raceStart: InSimRaceStart) {
        facts.raceStart = raceStart
        sessionInfoDirty = true
        guard raceStart.requestID == 0 else { return }
        for index in slots.indices where slots[index].playerID != 0 {
            slots[index].lastLapTime = -1
            slots[index].bestLapTime = -1
            slots[index].bestLapNumber = -1
            slots[index].lapsCompleted = 0
            slots[index].penalty = 0
            slots[index].pitStops = 0
            slots[index].inPitStall = false
        }
        var data: [(String, JSONValue)] = [("Track", .string(raceStart.track))]
        data += raceLengthFields(RaceLength(raceLaps: raceStart.raceLaps), qualifyingMinutes: Int(raceStart.qualifyingMinutes))
        data.append(("NumPlayers", .int(Int64(raceStart.numberOfPlayers))))
        hub.emit("race_start", .object(data))
    }

    // MARK: - Connections and players

    private mutating func apply(newConnection packet: InSimNewConnection) {
        connections[packet.connectionID] = ConnectionRecord(
            connectionID: packet.connectionID, userName: packet.userName, playerName: packet.playerName, isAdmin: packet.isAdmin,
            isRemote: packet.isRemote)
        sessionInfoDirty = true
        guard packet.requestID == 0 else { return }
        hub.emit(
            "connect",
            .object([
                ("UCID", .int(Int64(packet.connectionID))), ("UserName", .string(packet.userName.plain)),
                ("PlayerName", .string(packet.playerName.plain)), ("PlayerNameRaw", .string(packet.playerName.withCodes)),
                ("Admin", .bool(packet.isAdmin)), ("Remote", .bool(packet.isRemote)),
            ]))
    }

    private mutating func apply(connectionLeft packet: InSimConnectionLeft) {
        let connection = connections.removeValue(forKey: packet.connectionID)
        for player in players.values where player.connectionID == packet.connectionID { removePlayer(player.playerID) }
        sessionInfoDirty = true
        hub.emit(
            "disconnect",
            .object([
                ("UCID", .int(Int64(packet.connectionID))), ("UserName", connection.map { .string($0.userName.plain) } ?? .null),
                ("PlayerName", connection.map { .string($0.playerName.plain) } ?? .null),
                ("Reason", .string(Self.leaveReason(packet.reason))), ("Total", .int(Int64(packet.total))),
            ]))
    }

    private mutating func apply(connectionRenamed packet: InSimConnectionRenamed) {
        let oldName = connections[packet.connectionID]?.playerName.plain
        connections[packet.connectionID]?.playerName = packet.playerName
        for (playerID, player) in players where player.connectionID == packet.connectionID && !player.isAI {
            players[playerID]?.name = packet.playerName
            players[playerID]?.plate = packet.plate
        }
        sessionInfoDirty = true
        hub.emit(
            "rename",
            .object([
                ("UCID", .int(Int64(packet.connectionID))), ("OldPlayerName", oldName.map { .string($0) } ?? .null),
                ("PlayerName", .string(packet.playerName.plain)), ("PlayerNameRaw", .string(packet.playerName.withCodes)),
                ("Plate", .string(packet.plate.plain)),
            ]))
    }

    private mutating func apply(newPlayer packet: InSimNewPlayer) {
        guard packet.numberOfPlayers != 0 else { return }  // a join request; this source never answers those
        let returning = players[packet.playerID] != nil
        guard let slot = allocateSlot(for: packet.playerID) else { return }
        players[packet.playerID] = PlayerRecord(
            playerID: packet.playerID, connectionID: packet.connectionID, slot: slot, name: packet.playerName, plate: packet.plate,
            car: packet.car, skinName: packet.skinName, playerType: packet.playerType, flags: packet.flags, addedMass: packet.addedMass,
            intakeRestriction: packet.intakeRestriction, tyres: packet.tyres)
        slots[slot].inPitStall = false
        slots[slot].onPitRoad = false
        sessionInfoDirty = true
        guard packet.requestID == 0 else { return }
        var data = playerFields(packet.playerID)
        data += [("Car", .string(packet.car)), ("Plate", .string(packet.plate.plain)), ("AI", .bool(packet.isAI))]
        hub.emit(returning ? "garage_exit" : "join", .object(data))
    }

    private mutating func apply(playerPits packet: InSimPlayerNotice) {
        players[packet.playerID]?.inGarage = true
        if let slot = slot(of: packet.playerID) {
            slots[slot].inWorld = false
            slots[slot].onPitRoad = false
            slots[slot].inPitStall = false
        }
        sessionInfoDirty = true
        hub.emit("garage_enter", .object(playerFields(packet.playerID)))
    }

    private mutating func apply(playerLeft packet: InSimPlayerNotice) {
        let data = playerFields(packet.playerID)
        removePlayer(packet.playerID)
        sessionInfoDirty = true
        hub.emit("leave", .object(data))
    }

    private mutating func removePlayer(_ playerID: UInt8) {
        freeSlot(of: playerID)
        players[playerID] = nil
    }

    private mutating func apply(takeOver packet: InSimTakeOverCar) {
        players[packet.playerID]?.connectionID = packet.newConnectionID
        if let name = connections[packet.newConnectionID]?.playerName { players[packet.playerID]?.name = name }
        sessionInfoDirty = true
        var data = playerFields(packet.playerID)
        data += [("OldUCID", .int(Int64(packet.oldConnectionID))), ("NewUCID", .int(Int64(packet.newConnectionID)))]
        hub.emit("take_over", .object(data))
    }

    // MARK: - Race events

    private mutating func apply(lap packet: InSimLapTime) {
        let lapTime = Double(packet.lapTimeMs) / 1000
        if let slot = slot(of: packet.playerID) {
            slots[slot].lastLapTime = lapTime
            if slots[slot].bestLapTime < 0 || lapTime < slots[slot].bestLapTime {
                slots[slot].bestLapTime = lapTime
                slots[slot].bestLapNumber = Int(packet.lapsDone)
            }
            slots[slot].lapsCompleted = Int(packet.lapsDone)
            slots[slot].penalty = Int(packet.penalty)
            slots[slot].pitStops = Int(packet.numberOfStops)
        }
        var data = playerFields(packet.playerID)
        data += [
            ("LapsDone", .int(Int64(packet.lapsDone))), ("LapTime", .double(lapTime)),
            ("TotalTime", .double(Double(packet.totalTimeMs) / 1000)), ("Penalty", .string(Self.penaltyName(packet.penalty))),
            ("NumStops", .int(Int64(packet.numberOfStops))), ("FuelPct", Self.fuelPercent(fuel200: packet.fuel200)),
        ]
        hub.emit("lap", .object(data))
    }

    private mutating func apply(split packet: InSimSplitTime) {
        if let slot = slot(of: packet.playerID) {
            slots[slot].penalty = Int(packet.penalty)
            slots[slot].pitStops = Int(packet.numberOfStops)
        }
        var data = playerFields(packet.playerID)
        data += [
            ("Split", .int(Int64(packet.split))), ("SplitTime", .double(Double(packet.splitTimeMs) / 1000)),
            ("TotalTime", .double(Double(packet.totalTimeMs) / 1000)), ("Penalty", .string(Self.penaltyName(packet.penalty))),
            ("NumStops", .int(Int64(packet.numberOfStops))), ("FuelPct", Self.fuelPercent(fuel200: packet.fuel200)),
        ]
        hub.emit("split", .object(data))
    }

    private mutating func apply(pitStop packet: InSimPitStop) {
        if let slot = slot(of: packet.playerID) {
            slots[slot].inPitStall = true
            slots[slot].penalty = Int(packet.penalty)
            slots[slot].pitStops = Int(packet.numberOfStops)
        }
        var data = playerFields(packet.playerID)
        data += [
            ("LapsDone", .int(Int64(packet.lapsDone))), ("NumStops", .int(Int64(packet.numberOfStops))),
            ("FuelAdded", packet.fuelAdded == 255 ? .null : .int(Int64(packet.fuelAdded))),
            ("Tyres", .array(packet.tyres.all.map { $0 == 255 ? .null : .int(Int64($0)) })), ("Work", .int(Int64(packet.work))),
        ]
        hub.emit("pit_stop", .object(data))
    }

    private mutating func apply(pitStopFinished packet: InSimPitStopFinished) {
        if let slot = slot(of: packet.playerID) { slots[slot].inPitStall = false }
        var data = playerFields(packet.playerID)
        data.append(("StopTime", .double(Double(packet.stopTimeMs) / 1000)))
        hub.emit("pit_stop_finished", .object(data))
    }

    private mutating func apply(pitLane packet: InSimPitLane) {
        if let slot = slot(of: packet.playerID) {
            slots[slot].onPitRoad = packet.fact != 0
            if packet.fact == 0 { slots[slot].inPitStall = false }
        }
        let facts = ["exit", "enter", "no_purpose", "drive_through", "stop_go"]
        var data = playerFields(packet.playerID)
        data.append(("Fact", .string(facts.indices.contains(Int(packet.fact)) ? facts[Int(packet.fact)] : "unknown")))
        hub.emit("pit_lane", .object(data))
    }

    private mutating func apply(penalty packet: InSimPenalty) {
        if let slot = slot(of: packet.playerID) { slots[slot].penalty = Int(packet.newPenalty) }
        let reasons = ["unknown", "admin", "wrong_way", "false_start", "speeding", "stop_short", "stop_late"]
        var data = playerFields(packet.playerID)
        data += [
            ("OldPenalty", .string(Self.penaltyName(packet.oldPenalty))), ("NewPenalty", .string(Self.penaltyName(packet.newPenalty))),
            ("Reason", .string(reasons.indices.contains(Int(packet.reason)) ? reasons[Int(packet.reason)] : "unknown")),
        ]
        hub.emit("penalty", .object(data))
    }

    private mutating func apply(finished packet: InSimFinished) {
        var data = playerFields(packet.playerID)
        data += [
            ("TotalTime", .double(Double(packet.totalTimeMs) / 1000)), ("BestLapTime", .double(Double(packet.bestLapMs) / 1000)),
            ("LapsDone", .int(Int64(packet.lapsDone))), ("NumStops", .int(Int64(packet.numberOfStops))),
            ("Confirm", .int(Int64(packet.confirmation))),
        ]
        hub.emit("finish", .object(data))
    }

    private mutating func apply(result packet: InSimResult) {
        let data: [(String, JSONValue)] = [
            ("CarIdx", slot(of: packet.playerID).map { .int(Int64($0)) } ?? .int(-1)), ("PLID", .int(Int64(packet.playerID))),
            ("UserName", .string(packet.playerName.plain)), ("UserNameRaw", .string(packet.playerName.withCodes)),
            ("LFSUserName", .string(packet.userName.plain)), ("Car", .string(packet.car)), ("Plate", .string(packet.plate.plain)),
            ("Position", packet.resultNumber == 255 ? .null : .int(Int64(packet.resultNumber) + 1)),
            ("NumResults", .int(Int64(packet.numberOfResults))), ("TotalTime", .double(Double(packet.totalTimeMs) / 1000)),
            ("BestLapTime", .double(Double(packet.bestLapMs) / 1000)), ("LapsDone", .int(Int64(packet.lapsDone))),
            ("NumStops", .int(Int64(packet.numberOfStops))), ("PenaltySeconds", .int(Int64(packet.penaltySeconds))),
            ("Confirm", .int(Int64(packet.confirmation))),
        ]
        hub.emit("result", .object(data))
    }

    private mutating func apply(messageOut packet: InSimMessageOut) {
        let userTypes = ["system", "user", "prefix", "o"]
        hub.emit(
            "chat",
            .object([
                ("UCID", .int(Int64(packet.connectionID))), ("PLID", .int(Int64(packet.playerID))),
                ("UserType", .string(userTypes.indices.contains(Int(packet.userType)) ? userTypes[Int(packet.userType)] : "unknown")),
                ("Message", .string(packet.message.plain)), ("MessageRaw", .string(packet.message.withCodes)),
                ("Text", .string(packet.text.plain)),
            ]))
    }

    private mutating func apply(hostMessage packet: InSimHostMessage) {
        hub.emit(
            "insim_message",
            .object([
                ("UCID", .int(Int64(packet.connectionID))), ("PLID", .int(Int64(packet.playerID))),
                ("Message", .string(packet.message.plain)),
            ]))
    }

    // MARK: - Event helpers

    /// CarIdx, PLID, UCID and name of a player, for event data.
    private func playerFields(_ playerID: UInt8) -> [(String, JSONValue)] {
        let player = players[playerID]
        return [
            ("CarIdx", .int(Int64(slot(of: playerID) ?? -1))), ("PLID", .int(Int64(playerID))),
            ("UCID", player.map { .int(Int64($0.connectionID)) } ?? .null), ("UserName", player.map { .string($0.name.plain) } ?? .null),
        ]
    }

    static func penaltyName(_ penalty: UInt8) -> String {
        let names = ["none", "drive_through", "drive_through_valid", "stop_go", "stop_go_valid", "30s", "45s"]
        return names.indices.contains(Int(penalty)) ? names[Int(penalty)] : "unknown"
    }

    static func leaveReason(_ reason: UInt8) -> String {
        let names = [
            "disconnect", "timeout", "lost_connection", "kicked", "banned", "security", "cheat_protection", "out_of_sync", "join_out_of_sync",
            "invalid_packet",
        ]
        return names.indices.contains(Int(reason)) ? names[Int(reason)] : "unknown"
    }

    static func fuelPercent(fuel200: UInt8) -> JSONValue { fuel200 == 255 ? .null : .double(Double(fuel200) / 2) }

    func raceLengthFields(_ length: RaceLength, qualifyingMinutes: Int) -> [(String, JSONValue)] {
        switch length {
        case _ where qualifyingMinutes > 0: return [("SessionType", .string("Qualify")), ("QualifyingMinutes", .int(Int64(qualifyingMinutes)))]
        case .practice: return [("SessionType", .string("Practice"))]
        case let .laps(laps): return [("SessionType", .string("Race")), ("RaceLaps", .int(Int64(laps)))]
        case let .hours(hours): return [("SessionType", .string("Race")), ("RaceHours", .int(Int64(hours)))]
        case .noLapTiming: return [("SessionType", .string("Practice")), ("LapTiming", .bool(false))]
        case .undefined: return [("SessionType", .string("Race"))]
        }
    }
}
