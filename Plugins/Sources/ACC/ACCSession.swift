import BrokerCore

/// What the ACC source knows of the session: the cars (ACC index -> slot 0..63, stable until the
/// next registration), their entries and latest updates, the track, and the latest realtime
/// update with its focused car. Pure state, no sockets: the rules are tested without a network.
struct ACCSession {
    /// What one message asks of the source.
    struct Outcome {
        var requests: [[UInt8]] = []
        var row: FrameRow?
        var events: [(name: String, data: JSONValue)] = []
        var sessionInfoChanged = false
        var registration: ACCMessage.RegistrationResult?
    }

    let layout: FrameLayout
    private let fields: [String: Int]
    private(set) var connectionID: Int32?
    private(set) var slots: [UInt16: Int] = [:]
    private(set) var entries: [UInt16: ACCMessage.EntryListCar] = [:]
    private(set) var cars: [UInt16: ACCMessage.RealtimeCarUpdate] = [:]
    private(set) var realtime: ACCMessage.RealtimeUpdate?
    private(set) var track: ACCMessage.TrackData?
    /// Cars seen in updates but not in the entry list: the list is asked for again, once per second at most.
    private var lastEntryListRequest = -Double.infinity

    init(layout: FrameLayout) {
        self.layout = layout
        var fields: [String: Int] = [:]
        for info in ACCVariables.all {
            guard let index = layout.fieldIndex(named: info.name) else { preconditionFailure("ACC layout lacks \(info.name)") }
            fields[info.name] = index
        }
        self.fields = fields
    }

    /// A new registration: ACC may have restarted and renumbered its cars, so everything goes.
    mutating func reset() {
        self = ACCSession(layout: layout)
    }

    mutating func handle(_ message: ACCMessage, now: Double) -> Outcome {
        var outcome = Outcome()
        switch message {
        case let .registrationResult(result):
            outcome.registration = result
            if result.success {
                reset()
                connectionID = result.connectionID
                outcome.requests = [ACCRequest.entryList(connectionID: result.connectionID), ACCRequest.trackData(connectionID: result.connectionID)]
                lastEntryListRequest = now
            }
        case let .entryList(_, indices):
            let listed = Set(indices)
            for index in indices { _ = slot(for: index) }
            // A car no longer listed has left: its entry and data go, its slot stays reserved.
            for index in entries.keys where !listed.contains(index) { entries[index] = nil }
            for index in cars.keys where !listed.contains(index) { cars[index] = nil }
            outcome.sessionInfoChanged = true
        case let .entryListCar(car):
            _ = slot(for: car.carIndex)
            entries[car.carIndex] = car
            outcome.sessionInfoChanged = true
        case let .trackData(data):
            track = data
            outcome.sessionInfoChanged = true
        case let .realtimeUpdate(update):
            let changed = realtime.map { weatherOrSessionChanged($0, update) } ?? true
            realtime = update
            outcome.sessionInfoChanged = changed
            outcome.row = row()
        case let .realtimeCarUpdate(update):
            guard slot(for: update.carIndex) != nil else { break }
            cars[update.carIndex] = update
            if entries[update.carIndex] == nil, now - lastEntryListRequest >= 1, let connectionID {
                lastEntryListRequest = now
                outcome.requests.append(ACCRequest.entryList(connectionID: connectionID))
            }
        case let .broadcastingEvent(event):
            outcome.events.append((Self.eventName(event.type), eventData(event)))
        }
        return outcome
    }

    /// The slot of an ACC car index, assigned on first sight; nil when all 64 are taken.
    private mutating func slot(for index: UInt16) -> Int? {
        if let slot = slots[index] { return slot }
        guard slots.count < ACCVariables.carSlots else { return nil }
        let slot = slots.count
        slots[index] = slot
        return slot
    }

    private func weatherOrSessionChanged(_ a: ACCMessage.RealtimeUpdate, _ b: ACCMessage.RealtimeUpdate) -> Bool {
        a.sessionType != b.sessionType || a.phase != b.phase || a.sessionIndex != b.sessionIndex || a.ambientTempC != b.ambientTempC
            || a.trackTempC != b.trackTempC || a.rainLevel != b.rainLevel || a.wetness != b.wetness || a.clouds != b.clouds
            || a.focusedCarIndex != b.focusedCarIndex
    }

    static func eventName(_ type: UInt8) -> String {
        switch type {
        case 1: return "green_flag"
        case 2: return "session_over"
        case 3: return "penalty"
        case 4: return "accident"
        case 5: return "lap_completed"
        case 6: return "best_session_lap"
        case 7: return "best_personal_lap"
        default: return "broadcast"
        }
    }

    private func eventData(_ event: ACCMessage.BroadcastingEvent) -> JSONValue {
        var data: [(String, JSONValue)] = [
            ("Type", .int(Int64(event.type))), ("Message", .string(event.message)), ("TimeMs", .int(Int64(event.timeMs))),
            ("ACCCarIndex", .int(Int64(event.carIndex))),
        ]
        if let index = UInt16(exactly: event.carIndex), let slot = slots[index] {
            data.append(("CarIdx", .int(Int64(slot))))
            if let entry = entries[index] {
                data.append(("CarNumber", .int(Int64(entry.raceNumber))))
                data.append(("TeamName", .string(entry.teamName)))
                if let driver = entry.drivers[safe: Int(entry.currentDriverIndex)] {
                    data.append(("UserName", .string("\(driver.firstName) \(driver.lastName)")))
                }
            }
        }
        return .object(data)
    }

    /// The frame for the current state. Focused-car values come from the car focused now; a focus
    /// on a car without an update yet reads null / 0 rather than the previous car's values.
    func row() -> FrameRow {
        var row = FrameRow(layout: layout)
        func f(_ name: String) -> Int { fields[name]! }
        for slot in 0..<ACCVariables.carSlots {
            row.set(f("CarIdxACCIndex"), -1, element: slot)
            row.set(f("CarIdxLapDistPct"), -1.0, element: slot)
            row.set(f("CarIdxLap"), -1, element: slot)
            row.set(f("CarIdxLapCompleted"), -1, element: slot)
            row.set(f("CarIdxLastLapTime"), -1.0, element: slot)
            row.set(f("CarIdxBestLapTime"), -1.0, element: slot)
            for name in ["CarIdxSpeed", "CarIdxX", "CarIdxY", "CarIdxYaw", "CarIdxDelta", "CarIdxCurrentLapTime"] {
                row.setNull(f(name), element: slot)
            }
        }
        for (index, slot) in slots {
            row.set(f("CarIdxACCIndex"), Int(index), element: slot)
            guard let car = cars[index] else { continue }
            row.set(f("CarIdxPosition"), Int(car.position), element: slot)
            row.set(f("CarIdxClassPosition"), Int(car.cupPosition), element: slot)
            row.set(f("CarIdxLap"), Int(car.laps) + 1, element: slot)
            row.set(f("CarIdxLapCompleted"), Int(car.laps), element: slot)
            row.set(f("CarIdxLapDistPct"), Double(car.splinePosition), element: slot)
            row.set(f("CarIdxLastLapTime"), car.lastLap.seconds ?? -1, element: slot)
            row.set(f("CarIdxBestLapTime"), car.bestSessionLap.seconds ?? -1, element: slot)
            row.set(f("CarIdxCurrentLapTime"), car.currentLap.seconds ?? 0, element: slot)
            row.set(f("CarIdxGear"), car.gear, element: slot)
            row.set(f("CarIdxOnPitRoad"), (2...4).contains(car.carLocation), element: slot)
            row.set(f("CarIdxLocation"), Int(car.carLocation), element: slot)
            row.set(f("CarIdxSpeed"), Double(car.speedKmh) / 3.6, element: slot)
            row.set(f("CarIdxX"), Double(car.worldPosX), element: slot)
            row.set(f("CarIdxY"), Double(car.worldPosY), element: slot)
            row.set(f("CarIdxYaw"), Double(car.yaw), element: slot)
            row.set(f("CarIdxDelta"), Double(car.deltaMs) / 1000, element: slot)
        }
        let focusedIndex = realtime.flatMap { UInt16(exactly: $0.focusedCarIndex) }
        let focusedSlot = focusedIndex.flatMap { slots[$0] }
        row.set(f("PlayerCarIdx"), focusedSlot ?? -1)
        row.set(f("CamCarIdx"), focusedSlot ?? -1)
        if let focusedIndex, let car = cars[focusedIndex] {
            row.set(f("Speed"), Double(car.speedKmh) / 3.6)
            row.set(f("Gear"), car.gear)
            row.set(f("Lap"), Int(car.laps) + 1)
            row.set(f("LapCompleted"), Int(car.laps))
            row.set(f("LapDistPct"), Double(car.splinePosition))
            row.set(f("PlayerCarPosition"), Int(car.position))
            row.set(f("PlayerCarClassPosition"), Int(car.cupPosition))
            row.set(f("LapLastLapTime"), car.lastLap.seconds ?? -1)
            row.set(f("LapBestLapTime"), car.bestSessionLap.seconds ?? -1)
            row.set(f("LapCurrentLapTime"), car.currentLap.seconds ?? 0)
            row.set(f("OnPitRoad"), (2...4).contains(car.carLocation))
        } else {
            for name in ["Speed", "LapDistPct", "LapLastLapTime", "LapBestLapTime", "LapCurrentLapTime"] { row.setNull(f(name)) }
            row.set(f("LapCompleted"), -1)
        }
        if let r = realtime {
            row.set(f("SessionTime"), Double(r.sessionTimeMs) / 1000)
            row.set(f("SessionTimeRemain"), max(0, Double(r.sessionRemainingMs) / 1000))
            row.set(f("SessionTimeOfDay"), Double(r.timeOfDaySeconds))
            row.set(f("AirTemp"), Double(r.ambientTempC))
            row.set(f("TrackTempCrew"), Double(r.trackTempC))
            row.set(f("IsReplayPlaying"), r.isReplayPlaying)
            row.set(f("SessionType"), Int(r.sessionType))
            row.set(f("SessionPhase"), Int(r.phase))
            row.set(f("RainLevel"), r.rainLevel)
            row.set(f("TrackWetnessLevel"), r.wetness)
            row.set(f("CloudLevel"), r.clouds)
        }
        return row
    }

    static let sessionTypeNames: [UInt8: String] = [
        0: "Practice", 4: "Qualifying", 9: "Superpole", 10: "Race", 11: "Hotlap", 12: "Hotstint", 13: "HotlapSuperpole", 14: "Replay",
    ]
    static let phaseNames = ["None", "Starting", "PreFormation", "FormationLap", "PreSession", "Session", "SessionOver", "PostSession", "ResultUI"]

    /// Session info shaped like iRacing's: WeekendInfo from the track data and the realtime update,
    /// DriverInfo.Drivers[] from the entry list.
    var sessionInfo: JSONValue {
        var weekend: [(String, JSONValue)] = []
        if let track {
            weekend += [
                ("TrackName", .string(track.trackName)), ("TrackDisplayName", .string(track.trackName)), ("TrackID", .int(Int64(track.trackID))),
                ("TrackLength", .string(String(format2: Double(track.trackMeters) / 1000) + " km")),
                ("TrackLengthMeters", .int(Int64(track.trackMeters))),
            ]
        }
        if let r = realtime {
            weekend += [
                ("SessionType", .string(Self.sessionTypeNames[r.sessionType] ?? "Unknown \(r.sessionType)")),
                ("SessionPhase", .string(Self.phaseNames[safe: Int(r.phase)] ?? "Unknown \(r.phase)")),
                ("TrackAirTemp", .string("\(r.ambientTempC) C")), ("TrackSurfaceTemp", .string("\(r.trackTempC) C")),
                ("RainLevel", .double(r.rainLevel)), ("TrackWetness", .double(r.wetness)), ("Clouds", .double(r.clouds)),
            ]
        }
        let drivers: [JSONValue] = slots.sorted { $0.value < $1.value }.compactMap { index, slot in
            guard let entry = entries[index] else { return nil }
            let driver = entry.drivers[safe: Int(entry.currentDriverIndex)]
            return .object([
                ("CarIdx", .int(Int64(slot))), ("ACCCarIndex", .int(Int64(index))), ("CarNumber", .string(String(entry.raceNumber))),
                ("CarNumberRaw", .int(Int64(entry.raceNumber))), ("TeamName", .string(entry.teamName)),
                ("UserName", .string(driver.map { "\($0.firstName) \($0.lastName)" } ?? "")), ("AbbrevName", .string(driver?.shortName ?? "")),
                ("CarModelType", .int(Int64(entry.carModelType))), ("CupCategory", .int(Int64(entry.cupCategory))),
                ("DriverCategory", .int(Int64(driver?.category ?? 0))), ("Nationality", .int(Int64(driver?.nationality ?? entry.nationality))),
                ("Drivers", .array(entry.drivers.map { .string("\($0.firstName) \($0.lastName)") })),
            ])
        }
        let focused = realtime.flatMap { UInt16(exactly: $0.focusedCarIndex) }.flatMap { slots[$0] }
        return .object([
            ("WeekendInfo", .object(weekend)),
            ("DriverInfo", .object([("DriverCarIdx", .int(Int64(focused ?? -1))), ("Drivers", .array(drivers))])),
        ])
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension String {
    /// Two decimals, without Foundation.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
