import BrokerCore
import Logging

/// Which car is "the player" (the `player` key).
public enum F1PlayerChoice: Sendable, Equatable {
    /// The header's playerCarIndex, or the spectated car when that is 255.
    case auto
    /// A fixed car index (0 to 21).
    case car(Int)
}

/// The F1 source's model of the game: every car's latest per-car packets, the session, the drivers,
/// and the frame being assembled. It turns datagrams into frames (one per game frame), events and
/// session info on its hub; `F1Source` feeds it and calls `tick` for deadlines and status.
struct F1SessionState {
    /// A frame is published at most this long after its first packet even if packets the previous
    /// frame had are still missing (the game sends some types at a lower rate, or drops one).
    static let frameDeadline = 0.1

    /// The packets that carry per-frame data; the others (session, participants...) update the model only.
    static let frameKinds: Set<F1PacketKind> = [.motion, .lapData, .carTelemetry, .carStatus, .carDamage, .motionEx]

    let hub: SourceHub
    let layout: FrameLayout
    let drops: DropTally
    let logger: Logger
    let playerChoice: F1PlayerChoice
    private let fieldIndices: [Int]

    private(set) var cars = [F1CarState](repeating: F1CarState(), count: F1Datagram.carCount)
    private(set) var facts = F1FrameFacts()
    private var participants: (numActiveCars: Int, cars: [F1Participant])?
    private var sessionUID: UInt64?
    private var sessionInfoDirty = false
    private var lastSessionInfoKey: String?

    private var pendingFrame: UInt32?
    private var pendingSince = 0.0
    private var pendingKinds: Set<F1PacketKind> = []
    /// The frame kinds the last published frame had: once all are in, the frame is complete.
    private var expectedKinds: Set<F1PacketKind> = []

    private(set) var packetsDecoded: UInt64 = 0
    private(set) var framesPublished: UInt64 = 0
    private(set) var lastHeader: F1Header?

    init(hub: SourceHub, layout: FrameLayout, drops: DropTally, logger: Logger, player: F1PlayerChoice) {
        self.hub = hub
        self.layout = layout
        self.drops = drops
        self.logger = logger
        self.playerChoice = player
        fieldIndices = F1Variables.all.map { variable in
            guard let index = layout.fieldIndex(named: variable.info.name) else { preconditionFailure("F1 layout lacks \(variable.info.name)") }
            return index
        }
    }

    // MARK: - Input

    /// Decodes one datagram and applies it; a bad one is counted and dropped.
    mutating func handle(datagram bytes: [UInt8], now: Double) {
        let datagram: F1Datagram
        do {
            datagram = try F1Datagram(bytes)
        } catch {
            drops.record(error.reason, detail: error.detail)
            return
        }
        do {
            try apply(datagram, now: now)
            packetsDecoded += 1
        } catch {
            drops.record(error.reason, detail: error.detail)
        }
    }

    private mutating func apply(_ datagram: F1Datagram, now: Double) throws(F1DecodeError) {
        let header = datagram.header
        if let current = sessionUID, current != header.sessionUID {
            publishPending()
            startNewSession(header)
        } else if sessionUID == nil {
            sessionUID = header.sessionUID
            sessionInfoDirty = true
        }
        if lastHeader?.packetFormat != header.packetFormat || lastHeader?.gameMajorVersion != header.gameMajorVersion
            || lastHeader?.gameMinorVersion != header.gameMinorVersion
        {
            sessionInfoDirty = true
        }
        lastHeader = header
        if Self.frameKinds.contains(datagram.kind) {
            if let pending = pendingFrame, pending != header.frameIdentifier { publishPending() }
            if pendingFrame == nil {
                pendingFrame = header.frameIdentifier
                pendingSince = now
            }
            pendingKinds.insert(datagram.kind)
            facts.header = header
        }
        switch datagram.kind {
        case .motion:
            datagram.withPayload { b in for car in 0..<F1Datagram.carCount { cars[car].motion = F1CarMotion(b, car: car) } }
        case .lapData:
            applyLapData(datagram)
        case .carTelemetry:
            datagram.withPayload { b in for car in 0..<F1Datagram.carCount { cars[car].telemetry = F1CarTelemetry(b, car: car) } }
            facts.suggestedGear = datagram.telemetryTrailer().suggestedGear
        case .carStatus:
            datagram.withPayload { b in for car in 0..<F1Datagram.carCount { cars[car].status = F1CarStatus(b, car: car) } }
        case .carDamage:
            let format = datagram.format
            datagram.withPayload { b in for car in 0..<F1Datagram.carCount { cars[car].damage = F1CarDamage(b, car: car, format: format) } }
        case .motionEx:
            facts.motionEx = datagram.motionEx()
        case .session:
            let session = datagram.session()
            facts.session = session
            if sessionInfoKey(session) != lastSessionInfoKey { sessionInfoDirty = true }
        case .participants:
            let decoded = datagram.participants()
            if participants.map({ $0.numActiveCars != decoded.numActiveCars || $0.cars != decoded.cars }) ?? true { sessionInfoDirty = true }
            participants = decoded
        case .event:
            emit(try datagram.event(), header: header)
        case .finalClassification:
            emitFinalClassification(datagram.finalClassification(), header: header)
        case .sessionHistory:
            _ = try datagram.sessionHistory()
        case .lapPositions:
            _ = try datagram.lapPositions()
        case .carSetups, .lobbyInfo, .tyreSets, .timeTrial:
            break  // decoded on demand (tests, future use); nothing of theirs is in frames yet
        }
        updatePlayer(header)
        if !expectedKinds.isEmpty, pendingFrame != nil, pendingKinds.isSuperset(of: expectedKinds) { publishPending() }
    }

    private mutating func startNewSession(_ header: F1Header) {
        logger.info("F1: new session \(header.sessionUID) (was \(sessionUID.map(String.init) ?? "none"))")
        hub.emit("session_changed", .object([("SessionUID", .string(String(header.sessionUID)))]))
        sessionUID = header.sessionUID
        cars = [F1CarState](repeating: F1CarState(), count: F1Datagram.carCount)
        facts = F1FrameFacts()
        participants = nil
        expectedKinds = []
        pendingKinds = []
        pendingFrame = nil
        sessionInfoDirty = true
    }

    private mutating func applyLapData(_ datagram: F1Datagram) {
        datagram.withPayload { b in
            for car in 0..<F1Datagram.carCount {
                let lap = F1LapData(b, car: car)
                if let previous = cars[car].lap, lap.currentLapNum == previous.currentLapNum + 1, lap.lastLapTimeMs > 0 {
                    emitLap(car: car, completed: previous.currentLapNum, lap: lap)
                }
                cars[car].lap = lap
            }
        }
    }

    // MARK: - The player

    private mutating func updatePlayer(_ header: F1Header) {
        let resolved: Int?
        switch playerChoice {
        case .car(let index): resolved = index
        case .auto:
            if header.playerCarIndex < F1Datagram.carCount {
                resolved = Int(header.playerCarIndex)
            } else if let session = facts.session, session.isSpectating != 0, Int(session.spectatorCarIndex) < F1Datagram.carCount {
                resolved = Int(session.spectatorCarIndex)
            } else {
                resolved = nil
            }
        }
        guard resolved != facts.playerCarIdx else { return }
        let previous = facts.playerCarIdx
        facts.playerCarIdx = resolved
        // MotionEx describes the car the game calls the player's; after a change it may be the old car's.
        facts.motionEx = nil
        facts.suggestedGear = nil
        sessionInfoDirty = true
        if previous != nil || resolved == nil {
            hub.emit(
                "player_changed",
                .object([("CarIdx", resolved.map { .int(Int64($0)) } ?? .null), ("PreviousCarIdx", previous.map { .int(Int64($0)) } ?? .null)]))
        }
    }

    // MARK: - Frames

    /// Publishes the frame being assembled when its deadline has passed; flushes session info.
    mutating func tick(now: Double) {
        if pendingFrame != nil, now - pendingSince >= Self.frameDeadline { publishPending() }
        flushSessionInfo()
    }

    /// Publishes what has arrived of the current frame (also before a silence or a stop).
    mutating func publishPending() {
        guard pendingFrame != nil else { return }
        expectedKinds = pendingKinds
        pendingKinds = []
        pendingFrame = nil
        _ = hub.publish(row())
        framesPublished += 1
        flushSessionInfo()
    }

    /// The frame row of the model as it is now.
    func row() -> FrameRow {
        var row = FrameRow(layout: layout)
        let player = facts.playerCarIdx.map { cars[$0] }
        for (variable, field) in zip(F1Variables.all, fieldIndices) {
            for element in 0..<variable.info.count {
                let value: Double?
                if variable.perCar {
                    value = element < F1Datagram.carCount ? variable.read(cars[element], facts, element) : nil
                } else if let player {
                    value = variable.read(player, facts, element)
                } else if variable.info.name == "PlayerCarIdx" || F1Variables.sessionVariables.contains(where: { $0.info.name == variable.info.name })
                {
                    value = variable.read(F1CarState(), facts, element)
                } else {
                    value = nil
                }
                if let value {
                    row.set(field, value, element: element)
                } else if let absent = variable.absent {
                    row.set(field, absent, element: element)
                } else {
                    row.setNull(field, element: element)
                }
            }
        }
        return row
    }

    // MARK: - Events

    private func carFields(_ car: Int) -> [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = [("CarIdx", .int(Int64(car)))]
        if let participant = participants?.cars[car] { fields.append(("UserName", .string(participant.name))) }
        return fields
    }

    private func emitLap(car: Int, completed: UInt8, lap: F1LapData) {
        var data = carFields(car)
        data += [
            ("LapsDone", .int(Int64(completed))), ("LapTime", .double(Double(lap.lastLapTimeMs) / 1000)),
            ("Position", .int(Int64(lap.carPosition))), ("NumPitStops", .int(Int64(lap.numPitStops))),
            ("PenaltiesSec", .int(Int64(lap.penaltiesSeconds))),
        ]
        hub.emit("lap", .object(data))
    }

    private func emit(_ event: F1Event, header: F1Header) {
        var data: [(String, JSONValue)] = [("Code", .string(event.code)), ("SessionTime", .float(header.sessionTime))]
        if let first = event.carIndices.first {
            data += carFields(first)
        }
        data += event.fields
        hub.emit(event.name, .object(data))
    }

    private func emitFinalClassification(_ result: (numCars: Int, cars: [F1FinalClassification]), header: F1Header) {
        let rows: [JSONValue] = result.cars.prefix(result.numCars).enumerated().map { index, car in
            var fields = carFields(index)
            fields += [
                ("Position", .int(Int64(car.position))), ("Laps", .int(Int64(car.numLaps))), ("GridPosition", .int(Int64(car.gridPosition))),
                ("Points", .int(Int64(car.points))), ("NumPitStops", .int(Int64(car.numPitStops))), ("ResultStatus", .int(Int64(car.resultStatus))),
                ("BestLapTime", .double(Double(car.bestLapTimeMs) / 1000)), ("TotalRaceTime", .double(car.totalRaceTime)),
                ("PenaltiesSec", .int(Int64(car.penaltiesTime))),
            ]
            return .object(fields)
        }
        hub.emit("final_classification", .object([("NumCars", .int(Int64(result.numCars))), ("Results", .array(rows))]))
    }

    // MARK: - Session info

    private func sessionInfoKey(_ session: F1Session) -> String {
        // What session info shows of the Session packet; the clock fields change every packet.
        "\(session.trackID) \(session.sessionType) \(session.totalLaps) \(session.weather) \(session.airTemperature) \(session.trackTemperature) \(session.formula) \(session.sessionDuration) \(session.forecast.count)"
    }

    private mutating func flushSessionInfo() {
        guard sessionInfoDirty else { return }
        sessionInfoDirty = false
        if let session = facts.session { lastSessionInfoKey = sessionInfoKey(session) }
        hub.setSessionInfo(sessionInfo())
    }

    /// iRacing-shaped session info: WeekendInfo, SessionInfo.Sessions, DriverInfo.Drivers.
    func sessionInfo() -> JSONValue {
        var weekend: [(String, JSONValue)] = []
        if let header = lastHeader {
            weekend += [
                ("SimName", .string("F1 \(header.gameYear)")), ("PacketFormat", .int(Int64(header.packetFormat))),
                ("GameVersion", .string("\(header.gameMajorVersion).\(String(format2: header.gameMinorVersion))")),
                ("SessionUID", .string(String(header.sessionUID))),
            ]
        }
        var sessions: [JSONValue] = []
        if let session = facts.session {
            weekend += [
                ("TrackName", .string(F1Names.track(session.trackID))), ("TrackID", .int(Int64(session.trackID))),
                ("TrackLength", .string(String(format1km: session.trackLength))), ("TrackLengthMeters", .int(Int64(session.trackLength))),
                ("TrackAirTemp", .string("\(session.airTemperature).00 C")), ("TrackSurfaceTemp", .string("\(session.trackTemperature).00 C")),
                ("TrackWeatherType", .string(F1Names.name(F1Names.weather, session.weather))),
                ("Formula", .string(F1Names.name(F1Names.formulas, session.formula))),
                ("PitSpeedLimitKph", .int(Int64(session.pitSpeedLimit))), ("NetworkGame", .bool(session.networkGame != 0)),
                ("NumSessionsInWeekend", .int(Int64(session.numSessionsInWeekend))),
                ("WeatherForecast", .array(session.forecast.map(Self.forecastEntry))),
            ]
            sessions = [
                .object([
                    ("SessionNum", .int(0)), ("SessionType", .string(F1Names.iracingSessionType(session.sessionType))),
                    ("SessionName", .string(F1Names.name(F1Names.sessionTypes, session.sessionType))),
                    ("SessionLaps", .string(session.totalLaps == 0 ? "unlimited" : "\(session.totalLaps)")),
                    ("SessionTime", .string("\(session.sessionDuration).0000 sec")),
                ])
            ]
        }
        var drivers: [JSONValue] = []
        if let participants {
            for (index, car) in participants.cars.prefix(participants.numActiveCars).enumerated() {
                drivers.append(
                    .object([
                        ("CarIdx", .int(Int64(index))), ("UserName", .string(car.name)), ("TeamID", .int(Int64(car.teamID))),
                        ("TeamName", .string(F1Names.team(car.teamID))), ("CarNumber", .string(String(car.raceNumber))),
                        ("CarNumberRaw", .int(Int64(car.raceNumber))), ("NationalityID", .int(Int64(car.nationality))),
                        ("CarIsAI", .int(Int64(car.aiControlled))), ("DriverID", .int(Int64(car.driverID))),
                        ("NetworkID", .int(Int64(car.networkID))), ("MyTeam", .bool(car.myTeam != 0)),
                        ("TelemetryPublic", .bool(car.yourTelemetry != 0)), ("Platform", .int(Int64(car.platform))),
                    ]))
            }
        }
        return .object([
            ("WeekendInfo", .object(weekend)),
            ("SessionInfo", .object([("Sessions", .array(sessions))])),
            ("DriverInfo", .object([("DriverCarIdx", .int(Int64(facts.playerCarIdx ?? -1))), ("Drivers", .array(drivers))])),
        ])
    }

    private static func forecastEntry(_ sample: F1WeatherForecast) -> JSONValue {
        .object([
            ("SessionType", .string(F1Names.name(F1Names.sessionTypes, sample.sessionType))),
            ("TimeOffsetMin", .int(Int64(sample.timeOffsetMinutes))),
            ("Weather", .string(F1Names.name(F1Names.weather, sample.weather))), ("TrackTemp", .int(Int64(sample.trackTemperature))),
            ("AirTemp", .int(Int64(sample.airTemperature))), ("RainPct", .int(Int64(sample.rainPercentage))),
        ])
    }
}

extension String {
    /// A minor version with two digits, as the game shows it (1.04).
    fileprivate init(format2 value: UInt8) { self = value < 10 ? "0\(value)" : "\(value)" }

    /// iRacing's "7.00 km" form of a length in metres.
    fileprivate init(format1km metres: UInt16) {
        let hundredths = (Int(metres) + 5) / 10
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) km"
    }
}
