import BrokerCore
import BrokerTestSupport
import Foundation
import Testing

@testable import F1Source

/// Every packet in `../shared/data/f1` decodes to the values its upstream published: the
/// pits-n-giggles payloads (F1 24 and F1 25, one per packet type) against their expected dicts, and
/// the f1-telemetry-client recording (whole F1 24 datagrams) against its parsed objects.
@Suite(.enabled(if: TestData.isAvailable)) struct F1DecodeTableTests {
    /// One pits-n-giggles vector: payload without header, so the test builds a header for it.
    struct Vector: CustomTestStringConvertible, Sendable {
        let file: String
        let index: Int
        var testDescription: String { "\(file) #\(index)" }
    }

    static let vectorFiles = ["f1/pits-n-giggles-f1-24.json", "f1/pits-n-giggles-f1-25.json"]

    static var vectors: [Vector] {
        vectorFiles.flatMap { file -> [Vector] in
            guard let data = FileManager.default.contents(atPath: TestData.path(file)),
                let array = try? JSONSerialization.jsonObject(with: data) as? [Any]
            else { return [Vector(file: file, index: -1)] }
            return array.indices.map { Vector(file: file, index: $0) }
        }
    }

    static func entry(_ vector: Vector) throws -> [String: Any] {
        let array = try #require(try JSONSerialization.jsonObject(with: Data(TestData.bytes(vector.file))) as? [[String: Any]])
        return try #require(array.indices.contains(vector.index) ? array[vector.index] : nil, "\(vector.file) has no entry \(vector.index)")
    }

    /// A header of `format` for packet `id`, then the payload.
    static func datagram(format: Int, id: Int, payload: [UInt8], frame: UInt32 = 7, player: UInt8 = 0) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(format & 0xFF), UInt8(format >> 8), UInt8(format - 2000), 1, 2, 1, UInt8(id)]
        bytes += withUnsafeBytes(of: UInt64(0x1234_5678_9ABC_DEF0).littleEndian, Array.init)
        bytes += withUnsafeBytes(of: Float(12.5).bitPattern.littleEndian, Array.init)
        bytes += withUnsafeBytes(of: frame.littleEndian, Array.init)
        bytes += withUnsafeBytes(of: frame.littleEndian, Array.init)
        bytes += [player, 255]
        return bytes + payload
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test(arguments: vectors)
    func pitsNGigglesVectorDecodesToItsExpectedValues(_ vector: Vector) throws {
        let entry = try Self.entry(vector)
        let payload = Self.hexBytes(try #require(entry["payload_hex"] as? String))
        let format = try #require(entry["packet_format"] as? Int)
        let id = try #require(entry["packet_id"] as? Int)
        #expect(payload.count + 29 == entry["datagram_len"] as? Int)
        let datagram = try F1Datagram(Self.datagram(format: format, id: id, payload: payload))
        #expect(datagram.bytes.count == datagram.kind.datagramSize(format: datagram.format), "size differs from the spec's")
        guard let expected = entry["expected"] as? [String: Any] else {
            // The one vector upstream must reject: 9 tyre stints of 8.
            #expect(throws: F1DecodeError.countOutOfRange(kind: .sessionHistory, field: "numTyreStints", value: 9, limit: 8)) {
                _ = try datagram.sessionHistory()
            }
            return
        }
        var check = Comparer(label: "\(vector.testDescription) \(entry["packet"] ?? "")")
        try check.packet(datagram, expected: expected)
        #expect(check.compared > 0)
    }

    @Test func telemetryClientRecordingDecodesToItsParsedValues() throws {
        let text = String(decoding: try TestData.bytes("f1/f1-telemetry-client-2024.ndjson"), as: UTF8.self)
        var count = 0
        var check = Comparer(label: "f1-telemetry-client")
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let message = try #require(object["message"] as? [String: Any])
            let bytes = try #require(message["data"] as? [Int]).map { UInt8($0) }
            let parsed = try #require(object["parsed"] as? [String: Any])
            let datagram = try F1Datagram(bytes)
            #expect(datagram.bytes.count == datagram.kind.datagramSize(format: datagram.format))
            try check.recorded(datagram, parsed: parsed)
            count += 1
        }
        #expect(count == 28)
        #expect(check.compared > 1000)
    }
}

/// Compares decoded fields with upstream's values, counting comparisons so a test that compared
/// nothing fails.
struct Comparer {
    let label: String
    var compared = 0

    init(label: String) { self.label = label }

    /// Upstream writes a few numbers as strings ("2323.7587890625").
    static func number(_ value: Any?) -> Double? {
        if let number = value as? NSNumber { return number.doubleValue }
        return (value as? String).flatMap(Double.init)
    }

    /// Upstream's spellings of EA's team names.
    static func sameTeam(_ ours: String, _ theirs: Any?) -> Bool {
        let aliases = ["VCARB": "RB"]
        guard let theirs = theirs as? String else { return false }
        return (aliases[theirs] ?? theirs).lowercased() == ours.lowercased()
    }

    mutating func num(_ actual: some BinaryInteger, _ expected: Any?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        compared += 1
        let value = Self.number(expected).map { Int64(exactly: $0) } ?? nil
        #expect(
            value == Int64(actual), "\(label): \(what) is \(actual), upstream says \(String(describing: expected))", sourceLocation: sourceLocation)
    }

    mutating func num(_ actual: Float, _ expected: Any?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        compared += 1
        let value = Self.number(expected)
        #expect(
            value.map { Float($0) == actual || ($0.isNaN && actual.isNaN) } == true,
            "\(label): \(what) is \(actual), upstream says \(String(describing: expected))", sourceLocation: sourceLocation)
    }

    mutating func flag(_ actual: UInt8, _ expected: Any?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        compared += 1
        #expect(
            (expected as? NSNumber)?.boolValue == (actual != 0), "\(label): \(what) is \(actual), upstream says \(String(describing: expected))",
            sourceLocation: sourceLocation)
    }

    mutating func text(_ actual: String, _ expected: Any?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        compared += 1
        #expect(
            actual == expected as? String, "\(label): \(what) is '\(actual)', upstream says \(String(describing: expected))",
            sourceLocation: sourceLocation)
    }

    mutating func wheels<T: BinaryInteger>(_ actual: F1Wheels<T>, _ expected: Any?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation)
    {
        compared += 1
        #expect((expected as? [NSNumber])?.map(\.int64Value) == actual.array.map { Int64($0) }, "\(label): \(what)", sourceLocation: sourceLocation)
    }

    mutating func wheels(_ actual: F1Wheels<Float>, _ expected: Any?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        compared += 1
        #expect((expected as? [NSNumber])?.map { Float($0.doubleValue) } == actual.array, "\(label): \(what)", sourceLocation: sourceLocation)
    }

    func list(_ object: [String: Any], _ key: String) throws -> [[String: Any]] {
        try #require(object[key] as? [[String: Any]], "\(label): no \(key)")
    }

    // MARK: - pits-n-giggles (hyphenated keys, names for enums)

    mutating func packet(_ datagram: F1Datagram, expected e: [String: Any]) throws {
        switch datagram.kind {
        case .motion:
            for (car, x) in zip(datagram.motion(), try list(e, "car-motion-data")) {
                let position = x["world-position"] as? [String: Any], velocity = x["world-velocity"] as? [String: Any]
                let forward = x["world-forward-dir"] as? [String: Any], right = x["world-right-dir"] as? [String: Any]
                let g = x["g-force"] as? [String: Any], orientation = x["orientation"] as? [String: Any]
                num(car.worldPositionX, position?["x"], "x")
                num(car.worldPositionY, position?["y"], "y")
                num(car.worldPositionZ, position?["z"], "z")
                num(car.worldVelocityX, velocity?["x"], "vx")
                num(car.worldVelocityZ, velocity?["z"], "vz")
                num(car.worldForwardDirX, forward?["x"], "forward x")
                num(car.worldRightDirZ, right?["z"], "right z")
                num(car.gForceLateral, g?["lateral"], "g lateral")
                num(car.gForceVertical, g?["vertical"], "g vertical")
                num(car.yaw, orientation?["yaw"], "yaw")
                num(car.roll, orientation?["roll"], "roll")
            }
        case .session:
            let s = datagram.session()
            text(F1Names.name(F1Names.weather, s.weather), e["weather"], "weather")
            num(s.trackTemperature, e["track-temperature"], "track temperature")
            num(s.airTemperature, e["air-temperature"], "air temperature")
            num(s.totalLaps, e["total-laps"], "total laps")
            num(s.trackLength, e["track-length"], "track length")
            text(F1Names.name(F1Names.sessionTypes, s.sessionType), e["session-type"], "session type")
            text(F1Names.track(s.trackID), (e["track-id"] as? String)?.replacingOccurrences(of: "_", with: " "), "track")
            text(F1Names.name(F1Names.formulas, s.formula), e["formula"], "formula")
            num(s.sessionTimeLeft, e["session-time-left"], "time left")
            num(s.sessionDuration, e["session-duration"], "duration")
            num(s.pitSpeedLimit, e["pit-speed-limit"], "pit speed limit")
            num(s.forecast.count, e["num-weather-forecast-samples"], "forecast samples")
            for (sample, x) in zip(s.forecast, try list(e, "weather-forecast-samples")) {
                num(sample.timeOffsetMinutes, x["time-offset"], "forecast offset")
                num(sample.trackTemperature, x["track-temperature"], "forecast track temperature")
                num(sample.rainPercentage, x["rain-percentage"], "forecast rain")
            }
            num(s.seasonLinkIdentifier, e["season-link-identifier"], "season link")
            num(s.sessionLinkIdentifier, e["session-link-identifier"], "session link")
            num(s.pitStopRejoinPosition, e["pit-stop-rejoin-position"], "rejoin position")
            num(s.timeOfDay, e["time-of-day"], "time of day")
            num(s.numSafetyCarPeriods, e["num-safety-car-periods"], "safety car periods")
            num(s.numRedFlagPeriods, e["num-red-flag-periods"], "red flag periods")
            num(s.numSessionsInWeekend, e["num-sessions-in-weekend"], "sessions in weekend")
            num(s.sector2LapDistanceStart, e["sector-2-lap-distance-start"], "sector 2 start")
            num(s.sector3LapDistanceStart, e["sector-3-lap-distance-start"], "sector 3 start")
        case .lapData:
            for (car, x) in zip(datagram.lapData(), try list(e, "lap-data")) {
                num(car.lastLapTimeMs, x["last-lap-time-in-ms"], "last lap")
                num(car.currentLapTimeMs, x["current-lap-time-in-ms"], "current lap")
                num(car.sector1TimeMs % 60_000, x["sector-1-time-in-ms"], "sector 1")
                num(car.deltaToCarInFrontMs % 60_000, x["delta-to-car-in-front-in-ms"], "delta to car in front")
                num(car.deltaToRaceLeaderMs % 60_000, x["delta-to-race-leader-in-ms"], "delta to leader")
                num(car.lapDistance, x["lap-distance"], "lap distance")
                num(car.totalDistance, x["total-distance"], "total distance")
                num(car.carPosition, x["car-position"], "position")
                num(car.currentLapNum, x["current-lap-num"], "lap")
                num(car.numPitStops, x["num-pit-stops"], "pit stops")
                flag(car.currentLapInvalid, x["current-lap-invalid"], "lap invalid")
                num(car.penaltiesSeconds, x["penalties"], "penalties")
                num(car.totalWarnings, x["total-warnings"], "warnings")
                num(car.gridPosition, x["grid-position"], "grid")
                num(car.pitLaneTimeInLaneMs, x["pit-lane-time-in-lane-in-ms"], "pit lane time")
                num(car.speedTrapFastestSpeed, x["speed-trap-fastest-speed"], "speed trap")
            }
        case .event:
            let event = try datagram.event()
            text(event.code, e["event-string-code"], "code")
            if let details = e["event-details"] as? [String: Any] {
                num(Int(try #require(event.fields.first { $0.0 == "vehicleIdx" }).1.intValue), details["vehicle-idx"], "vehicle")
                if case .float(let time)? = event.fields.first(where: { $0.0 == "lapTime" })?.1 { num(time, details["lap-time"], "lap time") }
            }
        case .participants:
            let (active, cars) = datagram.participants()
            num(active, e["num-active-cars"], "active cars")
            for (car, x) in zip(cars, try list(e, "participants")) {
                text(car.name, x["name"], "name")
                num(car.driverID, x["driver-id"], "driver id")
                num(car.networkID, x["network-id"], "network id")
                num(car.raceNumber, x["race-number"], "race number")
                flag(car.aiControlled, x["ai-controlled"], "AI")
                num(car.techLevel, x["tech-level"], "tech level")
                if let team = F1Names.teams[Int(car.teamID)] {
                    compared += 1
                    #expect(Self.sameTeam(team, x["team-id"]), "\(label): team \(team) vs \(String(describing: x["team-id"]))")
                }
            }
        case .carSetups:
            for (car, x) in zip(datagram.carSetups(), try list(e, "car-setups")) {
                num(car.frontWing, x["front-wing"], "front wing")
                num(car.rearWing, x["rear-wing"], "rear wing")
                num(car.frontCamber, x["front-camber"], "front camber")
                num(car.rearToe, x["rear-toe"], "rear toe")
                num(car.brakeBias, x["brake-bias"], "brake bias")
                num(car.tyrePressure.rearLeft, x["rear-left-tyre-pressure"], "RL pressure")
                num(car.tyrePressure.frontRight, x["front-right-tyre-pressure"], "FR pressure")
                num(car.ballast, x["ballast"], "ballast")
                num(car.fuelLoad, x["fuel-load"], "fuel load")
            }
        case .carTelemetry:
            for (car, x) in zip(datagram.carTelemetry(), try list(e, "car-telemetry-data")) {
                num(car.speed, x["speed"], "speed")
                num(car.throttle, x["throttle"], "throttle")
                num(car.steer, x["steer"], "steer")
                num(car.brake, x["brake"], "brake")
                num(car.clutch, x["clutch"], "clutch")
                num(car.gear, x["gear"], "gear")
                num(car.engineRPM, x["engine-rpm"], "rpm")
                flag(car.drs, x["drs"], "drs")
                num(car.revLightsPercent, x["rev-lights-percent"], "rev lights")
                wheels(car.brakesTemperature, x["brakes-temperature"], "brake temperatures")
                wheels(car.tyresSurfaceTemperature, x["tyres-surface-temperature"], "surface temperatures")
                wheels(car.tyresInnerTemperature, x["tyres-inner-temperature"], "inner temperatures")
                num(car.engineTemperature, x["engine-temperature"], "engine temperature")
                wheels(car.tyresPressure, x["tyres-pressure"], "tyre pressures")
                wheels(car.surfaceType, x["surface-type"], "surface types")
            }
            let trailer = datagram.telemetryTrailer()
            num(trailer.mfdPanel, e["mfd-panel-index"], "MFD panel")
            num(trailer.suggestedGear, e["suggested-gear"], "suggested gear")
        case .carStatus:
            for (car, x) in zip(datagram.carStatus(), try list(e, "car-status-data")) {
                num(car.frontBrakeBias, x["front-brake-bias"], "brake bias")
                num(car.fuelInTank, x["fuel-in-tank"], "fuel")
                num(car.fuelCapacity, x["fuel-capacity"], "capacity")
                num(car.fuelRemainingLaps, x["fuel-remaining-laps"], "fuel laps")
                num(car.maxRPM, x["max-rpm"], "max rpm")
                num(car.idleRPM, x["idle-rpm"], "idle rpm")
                num(car.maxGears, x["max-gears"], "max gears")
                num(car.drsAllowed, x["drs-allowed"], "drs allowed")
                num(car.drsActivationDistance, x["drs-activation-distance"], "drs distance")
                num(car.tyresAgeLaps, x["tyres-age-laps"], "tyre age")
                num(car.enginePowerICE, x["engine-power-ice"], "ICE power")
                num(car.enginePowerMGUK, x["engine-power-mguk"], "MGU-K power")
                num(car.ersStoreEnergy, x["ers-store-energy"], "ERS store")
                num(car.ersHarvestedThisLapMGUK, x["ers-harvested-this-lap-mguk"], "MGU-K harvested")
                num(car.ersHarvestedThisLapMGUH, x["ers-harvested-this-lap-mguh"], "MGU-H harvested")
                num(car.ersDeployedThisLap, x["ers-deployed-this-lap"], "deployed")
                flag(car.networkPaused, x["network-paused"], "network paused")
            }
        case .finalClassification:
            let (count, cars) = datagram.finalClassification()
            num(count, e["num-cars"], "cars")
            for (car, x) in zip(cars, try list(e, "classification-data")) {
                num(car.position, x["position"], "position")
                num(car.numLaps, x["num-laps"], "laps")
                num(car.gridPosition, x["grid-position"], "grid")
                num(car.points, x["points"], "points")
                num(car.bestLapTimeMs, x["best-lap-time-ms"], "best lap")
                compared += 1
                // Upstream wrote the expected double by hand to 17 digits; equal to 1e-9 s.
                #expect(abs((Self.number(x["total-race-time"]) ?? .nan) - car.totalRaceTime) < 1e-9, "\(label): total race time")
                num(car.penaltiesTime, x["penalties-time"], "penalties")
                num(car.tyreStints.count, x["num-tyre-stints"], "stints")
                compared += 1
                #expect((x["tyre-stints-end-laps"] as? [Int]) == car.tyreStints.map { Int($0.endLap) }, "\(label): stint end laps")
            }
        case .lobbyInfo:
            let (count, players) = datagram.lobbyInfo()
            num(count, e["num-players"], "players")
            for (player, x) in zip(players, try list(e, "lobby-players")) {
                text(player.name, x["name"], "name")
                num(player.carNumber, x["car-number"], "car number")
                num(player.techLevel, x["tech-level"], "tech level")
                num(player.showOnlineNames, x["show-online-names"], "show online names")
            }
        case .carDamage:
            for (car, x) in zip(datagram.carDamage(), try list(e, "car-damage-data")) {
                wheels(car.tyresWear, x["tyres-wear"], "tyre wear")
                wheels(car.tyresDamage, x["tyres-damage"], "tyre damage")
                wheels(car.brakesDamage, x["brakes-damage"], "brake damage")
                if let blisters = car.tyreBlisters, x["tyre-blisters"] != nil { wheels(blisters, x["tyre-blisters"], "blisters") }
                num(car.frontLeftWingDamage, x["front-left-wing-damage"], "FL wing")
                num(car.rearWingDamage, x["rear-wing-damage"], "rear wing")
                num(car.floorDamage, x["floor-damage"], "floor")
                num(car.sidepodDamage, x["sidepod-damage"], "sidepod")
                flag(car.drsFault, x["drs-fault"], "drs fault")
                num(car.gearBoxDamage, x["gear-box-damage"], "gearbox")
                num(car.engineDamage, x["engine-damage"], "engine")
                num(car.engineICEWear, x["engine-ice-wear"], "ICE wear")
                num(car.engineTCWear, x["engine-tc-wear"], "TC wear")
                flag(car.engineSeized, x["engine-seized"], "seized")
            }
        case .sessionHistory:
            let h = try datagram.sessionHistory()
            num(h.carIndex, e["car-index"], "car")
            num(h.numLaps, e["num-laps"], "laps")
            num(h.numTyreStints, e["num-tyre-stints"], "stints")
            num(h.bestLapTimeLapNum, e["best-lap-time-lap-num"], "best lap")
            num(h.bestSector3LapNum, e["best-sector-3-lap-num"], "best sector 3")
            for (lap, x) in zip(h.laps, try list(e, "lap-history-data")) {
                num(lap.lapTimeMs, x["lap-time-in-ms"], "lap time")
                num(lap.sector1TimeMs % 60_000, x["sector-1-time-in-ms"], "sector 1")
                num(lap.sector2TimeMs % 60_000, x["sector-2-time-in-ms"], "sector 2")
                num(lap.sector3TimeMs % 60_000, x["sector-3-time-in-ms"], "sector 3")
                num(lap.validFlags, x["lap-valid-bit-flags"], "valid flags")
            }
            for (stint, x) in zip(h.stints, try list(e, "tyre-stints-history-data")) { num(stint.endLap, x["end-lap"], "stint end") }
        case .tyreSets:
            let t = datagram.tyreSets()
            num(t.carIndex, e["car-index"], "car")
            num(t.fittedIndex, e["fitted-index"], "fitted")
            for (set, x) in zip(t.sets, try list(e, "tyre-set-data")) {
                num(set.wearPercent, x["wear"], "wear")
                flag(set.available, x["available"], "available")
                num(set.lifeSpan, x["life-span"], "life span")
                num(set.usableLife, x["usable-life"], "usable life")
                num(set.lapDeltaTime, x["lap-delta-time"], "lap delta")
                flag(set.fitted, x["fitted"], "fitted")
            }
        case .motionEx:
            let m = datagram.motionEx()
            wheels(m.suspensionPosition, e["suspension-position"], "suspension position")
            wheels(m.suspensionAcceleration, e["suspension-acceleration"], "suspension acceleration")
            wheels(m.wheelSpeed, e["wheel-speed"], "wheel speed")
            wheels(m.wheelSlipRatio, e["wheel-slip-ratio"], "slip ratio")
            wheels(m.wheelSlipAngle, e["wheel-slip-angle"], "slip angle")
            wheels(m.wheelLatForce, e["wheel-lat-force"], "lateral force")
            wheels(m.wheelLongForce, e["wheel-long-force"], "longitudinal force")
            num(m.heightOfCOGAboveGround, e["height-of-cog-above-ground"], "COG height")
            num(m.localVelocityY, (e["local-velocity"] as? [String: Any])?["y"], "local velocity y")
            num(m.angularVelocityZ, (e["angular-velocity"] as? [String: Any])?["z"], "angular velocity z")
            num(m.frontWheelsAngle, e["front-wheels-angle"], "front wheels angle")
            wheels(m.wheelVertForce, e["wheel-vert-force"], "vertical force")
            num(m.frontAeroHeight, e["front-aero-height"], "front aero height")
            num(m.rearRollAngle, e["rear-roll-angle"], "rear roll")
            num(m.chassisYaw, e["chassis-yaw"], "chassis yaw")
            if let pitch = m.chassisPitch { num(pitch, e["chassis-pitch"], "chassis pitch") }
            if let camber = m.wheelCamber { wheels(camber, e["wheel-camber"], "camber") }
            if let gain = m.wheelCamberGain { wheels(gain, e["wheel-camber-gain"], "camber gain") }
        case .timeTrial:
            let sets = datagram.timeTrial()
            for (set, key) in zip(sets, ["player-session-best-data-set", "personal-best-data-set", "rival-session-best-data-set"]) {
                let x = try #require(e[key] as? [String: Any], "\(label): no \(key)")
                num(set.carIndex, x["car-index"], "\(key) car")
                num(set.lapTimeMs, x["lap-time-ms"], "\(key) lap")
                num(set.sector1TimeMs, x["sector-1-time-ms"], "\(key) sector 1")
                flag(set.equalCarPerformance, x["equal-car-performance"], "\(key) equal performance")
                flag(set.valid, x["is-valid"], "\(key) valid")
                if let team = F1Names.teams[Int(set.teamID)] {
                    compared += 1
                    #expect(Self.sameTeam(team, x["team"]), "\(label): \(key) team \(team) vs \(String(describing: x["team"]))")
                }
            }
        case .lapPositions:
            let p = try datagram.lapPositions()
            num(p.positions.count, e["num-laps"], "laps")
            num(p.lapStart, e["lap-start"], "lap start")
            compared += 1
            #expect((e["lap-positions"] as? [[Int]]) == p.positions.map { $0.map(Int.init) }, "\(label): positions")
        }
    }

    // MARK: - f1-telemetry-client (EA's m_ names)

    mutating func recorded(_ datagram: F1Datagram, parsed p: [String: Any]) throws {
        let header = try #require(p["m_header"] as? [String: Any])
        num(datagram.header.packetFormat, header["m_packetFormat"], "format")
        num(datagram.header.packetID, header["m_packetId"], "packet id")
        text(String(datagram.header.sessionUID), header["m_sessionUID"], "session UID")
        num(datagram.header.sessionTime, header["m_sessionTime"], "session time")
        num(datagram.header.frameIdentifier, header["m_frameIdentifier"], "frame")
        num(datagram.header.overallFrameIdentifier, header["m_overallFrameIdentifier"], "overall frame")
        num(datagram.header.playerCarIndex, header["m_playerCarIndex"], "player")
        num(datagram.header.secondaryPlayerCarIndex, header["m_secondaryPlayerCarIndex"], "secondary player")
        switch datagram.kind {
        case .carTelemetry:
            for (car, x) in zip(datagram.carTelemetry(), try list(p, "m_carTelemetryData")) {
                num(car.speed, x["m_speed"], "speed")
                num(car.throttle, x["m_throttle"], "throttle")
                num(car.gear, x["m_gear"], "gear")
                num(car.engineRPM, x["m_engineRPM"], "rpm")
                wheels(car.brakesTemperature, x["m_brakesTemperature"], "brake temperatures")
                wheels(car.tyresPressure, x["m_tyresPressure"], "tyre pressures")
            }
            num(datagram.telemetryTrailer().suggestedGear, p["m_suggestedGear"], "suggested gear")
        case .lapData:
            for (car, x) in zip(datagram.lapData(), try list(p, "m_lapData")) {
                num(car.lastLapTimeMs, x["m_lastLapTimeInMS"], "last lap")
                num(car.currentLapTimeMs, x["m_currentLapTimeInMS"], "current lap")
                num(car.deltaToCarInFrontMs % 60_000, x["m_deltaToCarInFrontInMS"] ?? x["m_deltaToCarInFrontMSPart"], "delta to car in front")
                num(car.lapDistance, x["m_lapDistance"], "lap distance")
                num(car.carPosition, x["m_carPosition"], "position")
                num(car.currentLapNum, x["m_currentLapNum"], "lap")
                num(car.resultStatus, x["m_resultStatus"], "result status")
                num(car.speedTrapFastestSpeed, x["m_speedTrapFastestSpeed"], "speed trap")
            }
            let trailer = datagram.timeTrialCars()
            num(trailer.personalBest, p["m_timeTrialPBCarIdx"], "PB car")
            num(trailer.rival, p["m_timeTrialRivalCarIdx"], "rival car")
        case .motion:
            for (car, x) in zip(datagram.motion(), try list(p, "m_carMotionData")) {
                num(car.worldPositionX, x["m_worldPositionX"], "x")
                num(car.worldForwardDirY, x["m_worldForwardDirY"], "forward y")
                num(car.gForceLongitudinal, x["m_gForceLongitudinal"], "g longitudinal")
                num(car.pitch, x["m_pitch"], "pitch")
            }
        case .carStatus:
            for (car, x) in zip(datagram.carStatus(), try list(p, "m_carStatusData")) {
                num(car.fuelInTank, x["m_fuelInTank"], "fuel")
                num(car.visualTyreCompound, x["m_visualTyreCompound"], "visual compound")
                num(car.vehicleFIAFlags, x["m_vehicleFiaFlags"], "FIA flags")
                num(car.ersStoreEnergy, x["m_ersStoreEnergy"], "ERS")
                num(car.networkPaused, x["m_networkPaused"], "network paused")
            }
        case .carDamage:
            for (car, x) in zip(datagram.carDamage(), try list(p, "m_carDamageData")) {
                wheels(car.tyresWear, x["m_tyresWear"], "tyre wear")
                num(car.frontLeftWingDamage, x["m_frontLeftWingDamage"], "FL wing")
                num(car.engineSeized, x["m_engineSeized"], "seized")
            }
        case .session:
            let s = datagram.session()
            num(s.trackID, p["m_trackId"], "track")
            num(s.trackLength, p["m_trackLength"], "track length")
            num(s.sessionType, p["m_sessionType"], "session type")
            num(s.forecast.count, p["m_numWeatherForecastSamples"], "forecast samples")
            num(s.sessionTimeLeft, p["m_sessionTimeLeft"], "time left")
            num(s.numMarshalZones, p["m_numMarshalZones"], "marshal zones")
            num(s.weather, p["m_weather"], "weather")
        // Past the forecast, upstream's parse is not a reference: it reads F1 23's 56 forecast
        // samples, not F1 24's 64 (its sector starts come out as denormals such as 9e-41); the
        // pits-n-giggles F1 24 vector checks those fields instead.
        case .participants:
            let (active, cars) = datagram.participants()
            num(active, p["m_numActiveCars"], "active cars")
            for (car, x) in zip(cars, try list(p, "m_participants")) {
                text(car.name, x["m_name"], "name")
                num(car.teamID, x["m_teamId"], "team")
                num(car.raceNumber, x["m_raceNumber"], "number")
                num(car.nationality, x["m_nationality"], "nationality")
            }
        case .event:
            let event = try datagram.event()
            text(event.code, p["m_eventStringCode"], "code")
            let details = p["m_eventDetails"] as? [String: Any] ?? [:]
            for (key, value) in event.fields {
                switch value {
                case .int(let number): num(number, details[key], "\(event.code) \(key)")
                case .float(let number): num(number, details[key], "\(event.code) \(key)")
                default: Issue.record("\(label): \(event.code) \(key) has an unexpected type")
                }
            }
            compared += 1
            #expect(
                Set(event.fields.map(\.0)) == Set(details.keys), "\(label): \(event.code) fields \(event.fields.map(\.0)) vs \(details.keys.sorted())"
            )
        case .sessionHistory:
            let h = try datagram.sessionHistory()
            num(h.carIndex, p["m_carIdx"], "car")
            num(h.numLaps, p["m_numLaps"], "laps")
            for (lap, x) in zip(h.laps, try list(p, "m_lapHistoryData")) { num(lap.lapTimeMs, x["m_lapTimeInMS"], "lap time") }
        case .tyreSets:
            let t = datagram.tyreSets()
            num(t.fittedIndex, p["m_fittedIdx"], "fitted")
            for (set, x) in zip(t.sets, try list(p, "m_tyreSetData")) { num(set.lapDeltaTime, x["m_lapDeltaTime"], "lap delta") }
        case .carSetups:
            for (car, x) in zip(datagram.carSetups(), try list(p, "m_carSetups")) { num(car.fuelLoad, x["m_fuelLoad"], "fuel load") }
        case .motionEx:
            let m = datagram.motionEx()
            wheels(m.wheelSlipRatio, p["m_wheelSlipRatio"], "slip ratio")
            num(m.chassisYaw, p["m_chassisYaw"], "chassis yaw")
        default:
            Issue.record("\(label): the recording has no \(datagram.kind.name) packet")
        }
    }
}

extension JSONValue {
    var intValue: Int64 {
        if case .int(let value) = self { return value }
        return -1
    }
}
