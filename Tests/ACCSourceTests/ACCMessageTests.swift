import BrokerTestSupport
import Foundation
import Testing

@testable import ACCSource

/// The ACC broadcasting decoder on the real captures (every field against the decode recorded
/// beside them), on the hand-made OpenRacing messages, and on every kind of malformed message.
@Suite(.enabled(if: TestData.isAvailable)) struct ACCMessageTests {
    struct Capture {
        let type: String
        let bytes: [UInt8]
        let fields: [String: Any]
    }

    static func captures() throws -> [Capture] {
        let json = try JSONSerialization.jsonObject(with: Data(try TestData.bytes("acc/prule-acc-captures.json"))) as? [[String: Any]]
        return try #require(json).map { entry in
            let hex = entry["hex"] as! String
            let bytes = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
            return Capture(type: entry["message_type"] as! String, bytes: bytes, fields: entry["decoded_sdk_layout"] as! [String: Any])
        }
    }

    static func int(_ value: Any?) -> Int { (value as? NSNumber)?.intValue ?? Int.min }
    static func double(_ value: Any?) -> Double { (value as? NSNumber)?.doubleValue ?? .nan }

    static func check(_ lap: ACCLap, _ expected: Any?) {
        let e = expected as! [String: Any]
        #expect(Int(lap.lapTimeMs) == int(e["lapTimeMs"]))
        #expect(Int(lap.carIndex) == int(e["carIndex"]) && Int(lap.driverIndex) == int(e["driverIndex"]))
        #expect(lap.splits.map(Int.init) == (e["splits"] as! [NSNumber]).map(\.intValue))
        #expect(lap.isInvalid == (int(e["isInvalid"]) != 0) && lap.isValidForBest == (int(e["isValidForBest"]) != 0))
        #expect(lap.isOutLap == (int(e["isOutlap"]) != 0) && lap.isInLap == (int(e["isInlap"]) != 0))
    }

    @Test func everyRealCaptureDecodesToItsRecordedFields() throws {
        let captures = try Self.captures()
        #expect(captures.count == 11)
        for capture in captures {
            let f = capture.fields
            switch try ACCMessage.decode(capture.bytes) {
            case let .registrationResult(r):
                #expect(capture.type == "REGISTRATION_RESULT")
                #expect(Int(r.connectionID) == Self.int(f["connectionId"]) && r.success && r.isReadOnly)
                #expect(r.errorMessage == f["errorMessage"] as? String)
            case let .realtimeUpdate(u):
                #expect(capture.type == "REALTIME_UPDATE")
                #expect(Int(u.sessionType) == Self.int(f["sessionType"]) && Int(u.phase) == Self.int(f["phase"]))
                #expect(
                    Double(u.sessionTimeMs) == Self.double(f["sessionTimeMs"]) && Double(u.sessionRemainingMs) == Self.double(f["sessionEndTimeMs"]))
                #expect(Int(u.focusedCarIndex) == Self.int(f["focusedCarIndex"]))
                #expect(u.activeCameraSet == f["activeCameraSet"] as? String && u.activeCamera == f["activeCamera"] as? String)
                #expect(u.currentHudPage == f["currentHudPage"] as? String)
                #expect(Double(u.timeOfDaySeconds) == Self.double(f["timeOfDaySeconds"]))
                #expect(Int(u.ambientTempC) == Self.int(f["ambientTemp"]) && Int(u.trackTempC) == Self.int(f["trackTemp"]))
                Self.check(u.bestSessionLap, f["bestSessionLap"])
            case let .realtimeCarUpdate(c):
                #expect(capture.type == "REALTIME_CAR_UPDATE")
                #expect(Int(c.carIndex) == Self.int(f["carIndex"]) && Int(c.gearRaw) == Self.int(f["gearRaw"]) && c.gear == 1)
                #expect(Double(c.worldPosX) == Self.double(f["worldPosX"]) && Double(c.yaw) == Self.double(f["yaw"]))
                #expect(Int(c.carLocation) == Self.int(f["carLocation"]) && Int(c.speedKmh) == Self.int(f["kmh"]))
                #expect(Int(c.position) == Self.int(f["position"]) && Int(c.laps) == Self.int(f["laps"]) && Int(c.deltaMs) == Self.int(f["delta"]))
                #expect(c.splinePosition == Float(Self.double(f["splinePosition"])))
                Self.check(c.bestSessionLap, f["bestSessionLap"])
                Self.check(c.lastLap, f["lastLap"])
                Self.check(c.currentLap, f["currentLap"])
            case let .entryList(connection, indices):
                #expect(capture.type == "ENTRY_LIST")
                #expect(Int(connection) == Self.int(f["connectionId"]))
                #expect(indices.map(Int.init) == (f["carIndexes"] as! [NSNumber]).map(\.intValue))
                #expect(indices.count == 25)
            case let .trackData(t):
                #expect(capture.type == "TRACK_DATA")
                #expect(t.trackName == "Red Bull Ring" && t.trackID == 26 && t.trackMeters == 4318)
                let sets = f["cameraSets"] as! [String: [String]]
                #expect(Set(t.cameraSets.map(\.name)) == Set(sets.keys))
                for set in t.cameraSets { #expect(set.cameras == sets[set.name]) }
                #expect(t.hudPages == f["hudPages"] as? [String])
            case let .entryListCar(car):
                #expect(capture.type == "ENTRY_LIST_CAR")
                #expect(car.carIndex == 0 && car.carModelType == 1 && car.teamName == "Black Falcon" && car.raceNumber == 4)
                #expect(car.drivers == [.init(firstName: "Luca", lastName: "Stolz", shortName: "STO", category: 1, nationality: 2)])
            case let .broadcastingEvent(e):
                #expect(capture.type == "BROADCASTING_EVENT")
                #expect(Int(e.type) == Self.int(f["broadcastType"]) && e.message == f["msg"] as? String)
                #expect(Int(e.timeMs) == Self.int(f["timeMs"]) && Int(e.carIndex) == Self.int(f["carId"]))
            }
        }
    }

    @Test func theHandMadeOpenRacingMessagesDecode() throws {
        let folder = "acc/openracing-synthetic/"
        guard case let .registrationResult(r) = try ACCMessage.decode(try TestData.bytes(folder + "registration_result_success.bin")) else {
            Issue.record("not a registration result")
            return
        }
        #expect(r.connectionID == 1337 && r.success && r.errorMessage.isEmpty)
        guard case let .realtimeUpdate(u) = try ACCMessage.decode(try TestData.bytes(folder + "realtime_update_focused_car_7.bin")) else {
            Issue.record("not a realtime update")
            return
        }
        #expect(u.focusedCarIndex == 7 && u.sessionTimeMs == 12345 && u.ambientTempC == 24 && u.bestSessionLap.lapTimeMs == 91000)
        guard case let .realtimeCarUpdate(c) = try ACCMessage.decode(try TestData.bytes(folder + "realtime_car_update_car_7.bin")) else {
            Issue.record("not a car update")
            return
        }
        #expect(c.carIndex == 7 && c.gearRaw == 6 && c.gear == 4 && c.speedKmh == 180 && c.position == 2 && c.laps == 12 && c.deltaMs == -120)
        guard case let .trackData(t) = try ACCMessage.decode(try TestData.bytes(folder + "track_data_monza.bin")) else {
            Issue.record("not track data")
            return
        }
        #expect(t.trackName == "monza" && t.trackID == 12 && t.trackMeters == 5793 && t.cameraSets.count == 1)
    }

    @Test func everyTruncationOfEveryCaptureIsAShortReadOrAStringBeyondTheEnd() throws {
        for capture in try Self.captures() {
            for length in 1..<capture.bytes.count {
                #expect(throws: ACCDecodingError.self) { try ACCMessage.decode(Array(capture.bytes[..<length])) }
                do {
                    _ = try ACCMessage.decode(Array(capture.bytes[..<length]))
                } catch {
                    #expect(["short read", "string length beyond the datagram"].contains(error.reason), "\(capture.type) cut at \(length): \(error)")
                }
            }
            do {
                _ = try ACCMessage.decode(capture.bytes + [0])
                Issue.record("\(capture.type) with a byte more decoded")
            } catch {
                #expect(error == .trailingBytes(type: capture.bytes[0], count: 1))
            }
        }
    }

    @Test func unknownTypesEmptyDatagramsAndLyingStringsAreNamed() {
        #expect(throws: ACCDecodingError.unknownType(99)) { try ACCMessage.decode([99, 1, 2, 3]) }
        #expect(throws: ACCDecodingError.empty) { try ACCMessage.decode([]) }
        // A broadcasting event whose message claims 500 bytes.
        #expect(throws: ACCDecodingError.stringBeyondEnd(type: 7, declared: 500, offset: 2, length: 14)) {
            try ACCMessage.decode([7, 5, 0xF4, 0x01] + [UInt8](repeating: 0, count: 10))
        }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var random = SplitMix64(seed: 17)
        for _ in 0..<20_000 {
            let length = Int(random.next() % 120)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if !bytes.isEmpty { bytes[0] = UInt8(1 + random.next() % 7) }
            _ = try? ACCMessage.decode(bytes)
        }
    }

    @Test func requestsAreLaidOutAsTheSDKSays() {
        #expect(
            ACCRequest.register(displayName: "ab", connectionPassword: "pw", updateIntervalMs: 100, commandPassword: "")
                == [1, 4, 2, 0, 0x61, 0x62, 2, 0, 0x70, 0x77, 100, 0, 0, 0, 0, 0])
        #expect(ACCRequest.entryList(connectionID: 18) == [10, 18, 0, 0, 0])
        #expect(ACCRequest.trackData(connectionID: 0x0102_0304) == [11, 4, 3, 2, 1])
        #expect(ACCRequest.unregister(connectionID: 18) == [9, 18, 0, 0, 0])
    }
}
