import BrokerTestSupport
import Foundation
import Testing

@testable import ForzaSource

/// The decoder on the real recordings (every field of one FH4 packet against upstream's values,
/// the facts of the FM 2023, FH4 and FH5 recordings) and on packets built from the published layout
/// for each of the four lengths, including FM7's, of which no capture exists.
@Suite(.enabled(if: TestData.isAvailable)) struct ForzaDecoderTests {
    /// Turn 10's field names to the decoded values, for comparing with the expected JSON by name.
    static func valuesByName(_ p: ForzaPacket) -> [String: Double] {
        let s = p.sled
        var v: [String: Double] = [
            "IsRaceOn": Double(s.isRaceOn), "TimestampMS": Double(s.timestampMS), "EngineMaxRpm": Double(s.engineMaxRpm),
            "EngineIdleRpm": Double(s.engineIdleRpm), "CurrentEngineRpm": Double(s.currentEngineRpm),
            "AccelerationX": Double(s.accelerationX), "AccelerationY": Double(s.accelerationY), "AccelerationZ": Double(s.accelerationZ),
            "VelocityX": Double(s.velocityX), "VelocityY": Double(s.velocityY), "VelocityZ": Double(s.velocityZ),
            "AngularVelocityX": Double(s.angularVelocityX), "AngularVelocityY": Double(s.angularVelocityY),
            "AngularVelocityZ": Double(s.angularVelocityZ), "Yaw": Double(s.yaw), "Pitch": Double(s.pitch), "Roll": Double(s.roll),
            "CarOrdinal": Double(s.carOrdinal), "CarClass": Double(s.carClass), "CarPerformanceIndex": Double(s.carPerformanceIndex),
            "DrivetrainType": Double(s.drivetrainType), "NumCylinders": Double(s.numCylinders),
        ]
        func wheels(_ prefix: String, _ w: ForzaWheels) {
            for (corner, value) in zip(["FrontLeft", "FrontRight", "RearLeft", "RearRight"], w.array) { v[prefix + corner] = Double(value) }
        }
        wheels("NormalizedSuspensionTravel", s.normalizedSuspensionTravel)
        wheels("TireSlipRatio", s.tireSlipRatio)
        wheels("WheelRotationSpeed", s.wheelRotationSpeed)
        wheels("WheelOnRumbleStrip", s.wheelOnRumbleStrip)
        wheels("WheelInPuddleDepth", s.wheelInPuddleDepth)
        wheels("SurfaceRumble", s.surfaceRumble)
        wheels("TireSlipAngle", s.tireSlipAngle)
        wheels("TireCombinedSlip", s.tireCombinedSlip)
        wheels("SuspensionTravelMeters", s.suspensionTravelMeters)
        if let d = p.dash {
            v.merge([
                "PositionX": Double(d.positionX), "PositionY": Double(d.positionY), "PositionZ": Double(d.positionZ), "Speed": Double(d.speed),
                "Power": Double(d.power), "Torque": Double(d.torque), "Boost": Double(d.boost), "Fuel": Double(d.fuel),
                "DistanceTraveled": Double(d.distanceTraveled), "BestLap": Double(d.bestLap), "LastLap": Double(d.lastLap),
                "CurrentLap": Double(d.currentLap), "CurrentRaceTime": Double(d.currentRaceTime), "LapNumber": Double(d.lapNumber),
                "RacePosition": Double(d.racePosition), "Accel": Double(d.accel), "Brake": Double(d.brake), "Clutch": Double(d.clutch),
                "HandBrake": Double(d.handBrake), "Gear": Double(d.gear), "Steer": Double(d.steer),
                "NormalizedDrivingLine": Double(d.normalizedDrivingLine), "NormalizedAIBrakeDifference": Double(d.normalizedAIBrakeDifference),
            ]) { $1 }
            wheels("TireTemp", d.tireTemp)
        }
        return v
    }

    @Test func theFH4TestPacketDecodesToUpstreamsValuesFieldByField() throws {
        let bytes = try TestData.bytes("forza/fh4-forza-daq-testdata.bin")
        #expect(ForzaFormat(length: bytes.count) == .horizonDash)
        let packet = bytes.withUnsafeBytes { ForzaPacket.decode($0, format: .horizonDash) }
        let json = try JSONSerialization.jsonObject(with: Data(try TestData.bytes("forza/fh4-forza-daq-testdata-expected.json"))) as? [String: Any]
        let expected = try #require(json?["expected_by_field"] as? [String: [String: Any]])
        let decoded = Self.valuesByName(packet)
        var compared = 0
        for (name, field) in expected {
            guard let value = decoded[name] else { continue }  // HorizonPlaceholder, TrailingPad: raw bytes, checked below
            let want = try #require(field["value"] as? Double, "\(name)")
            #expect(Float(value) == Float(want), "\(name): decoded \(value), upstream \(want)")
            compared += 1
        }
        #expect(compared == expected.count - 2)
        #expect(packet.horizon?.carGroup == 0x1a)
        #expect(packet.sled.carOrdinal == 1007 && packet.dash?.gear == 1 && packet.dash?.fuel == 1.0)
    }

    @Test func theFM2023RecordingDecodesToItsKnownFacts() throws {
        let packets = try ForzaTestPackets.fm2023.map { bytes in bytes.withUnsafeBytes { ForzaPacket.decode($0, format: .fm2023Dash) } }
        #expect(packets.count == 1500)
        #expect(packets.allSatisfy { $0.sled.isRaceOn == 1 && $0.sled.carOrdinal == 445 && $0.sled.carClass == 3 })
        #expect(packets.allSatisfy { $0.sled.carPerformanceIndex == 598 && $0.sled.drivetrainType == 2 && $0.sled.numCylinders == 6 })
        #expect(packets.allSatisfy { $0.motorsport2023?.trackOrdinal == 1640 })
        #expect(packets.first?.sled.timestampMS == 3_458_500 && packets.last?.sled.timestampMS == 3_483_546)
        #expect(zip(packets, packets.dropFirst()).allSatisfy { $0.sled.timestampMS <= $1.sled.timestampMS })
        let gears = packets.compactMap { $0.dash?.gear }
        #expect(Set(gears) == [3, 4, 11])
        #expect(gears.filter { $0 == 11 }.count == 13)
        let topSpeed = packets.compactMap { $0.dash?.speed }.max() ?? 0
        #expect(topSpeed > 56 && topSpeed < 57)
        #expect(abs(Double(packets[0].dash!.fuel) - 0.995) < 0.001 && abs(Double(packets[1499].dash!.fuel) - 0.987) < 0.001)
        let wear = packets.flatMap { $0.motorsport2023!.tireWear.array }
        #expect(wear.min()! >= 0.0008 && wear.max()! <= 0.0030)
        // The neutral between gears: engine speed falls with the throttle open and no drive (power < 0).
        for packet in packets where packet.dash?.gear == 11 { #expect(packet.dash!.power < 0) }
    }

    @Test func theHorizonRecordingsSplitIntoRacingAndZeroedMenuPackets() throws {
        for (name, packets, racing, menus, ordinal, group) in [
            ("FH4", try ForzaTestPackets.fh4, 1053, 140, Int32(1007), UInt32(0x1a)), ("FH5", try ForzaTestPackets.fh5, 732, 1673, 3683, 0x23),
        ] {
            let decoded = packets.map { bytes in bytes.withUnsafeBytes { ForzaPacket.decode($0, format: .horizonDash) } }
            let on = decoded.filter { $0.sled.isRaceOn == 1 }
            #expect(on.count == racing, "\(name)")
            #expect(decoded.count - on.count == menus, "\(name)")
            #expect(on.allSatisfy { $0.sled.carOrdinal == ordinal && $0.horizon?.carGroup == group }, "\(name)")
            for bytes in packets where bytes[0] == 0 { #expect(bytes[8...].allSatisfy { $0 == 0 }, "\(name) menu packet not zeroed") }
            #expect(packets.allSatisfy { $0[323] == 0 })
        }
    }

    @Test(arguments: ForzaFormat.allCases)
    func builtPacketsOfEachLengthDecodeToTheirValues(format: ForzaFormat) throws {
        let bytes = ForzaTestPackets.built(format)
        #expect(ForzaFormat(length: bytes.count) == format)
        let packet = bytes.withUnsafeBytes { ForzaPacket.decode($0, format: format) }
        let s = packet.sled
        #expect(s.isRaceOn == 1 && s.timestampMS == 123_456_789)
        #expect(s.engineMaxRpm == 8.25 && s.currentEngineRpm == 16.25 && s.velocityZ == 40.25 && s.roll == 64.25)
        #expect(s.normalizedSuspensionTravel == ForzaWheels(68.25, 72.25, 76.25, 80.25))
        #expect(s.suspensionTravelMeters.rearRight == 208.25)
        #expect(s.carOrdinal == 212 && s.numCylinders == 228)
        switch format {
        case .sled:
            #expect(packet.dash == nil)
        case .fm7Dash, .fm2023Dash, .horizonDash:
            let d = try #require(packet.dash)
            let base = Float(format.dashOffset!)
            #expect(d.positionX == base + 0.25 && d.speed == 42.5 && d.power == base + 16.25 && d.currentRaceTime == base + 64.25)
            #expect(d.tireTemp.frontLeft == 212 && d.tireTemp.frontRight == base + 28.25 && d.fuel == 0.75)
            #expect(d.lapNumber == 3 && d.racePosition == 5 && d.accel == 255 && d.brake == 51 && d.handBrake == 102 && d.gear == 4)
            #expect(d.steer == -127 && d.normalizedDrivingLine == 64 && d.normalizedAIBrakeDifference == -10)
        }
        #expect((packet.motorsport2023 != nil) == (format == .fm2023Dash))
        #expect(packet.motorsport2023?.tireWear.array ?? [0.1, 0.2, 0.3, 0.4] == [0.1, 0.2, 0.3, 0.4])
        #expect(packet.motorsport2023?.trackOrdinal ?? 1640 == 1640)
        #expect((packet.horizon != nil) == (format == .horizonDash))
        if let horizon = packet.horizon {
            #expect(horizon.carGroup == 0x23 && horizon.smashableVelocityDifference == 1.5 && horizon.smashableMass == 2.5)
        }
    }

    @Test func onlyTheFourLengthsAreForza() {
        #expect(ForzaFormat.allCases.map(\.length) == [232, 311, 331, 324])
        for length in [0, 1, 231, 233, 310, 312, 323, 325, 330, 332, 1500] { #expect(ForzaFormat(length: length) == nil) }
    }
}
