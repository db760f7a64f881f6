import BrokerCore
import BrokerTestSupport
import Foundation
import Testing

@testable import ForzaSource

/// The rules between datagrams: what a frame holds (units and axes), IsRaceOn 0 as a status, lap
/// and position events, and drops counted by reason with one warning each.
@Suite struct ForzaSessionTests {
    struct Harness {
        let layout: FrameLayout
        let log = LogCapture()
        var session: ForzaSession

        init(format: ForzaSourceConfig.FormatChoice = .auto) {
            let registry = VariableRegistry()
            layout = FrameLayout(declaring: ForzaVariables.declarations, registry: registry, sourceID: "forza")
            session = ForzaSession(
                writer: ForzaFrameWriter(layout: layout), formatChoice: format, drops: DropTally(logger: log.logger, context: "forza test"))
        }

        func value(_ row: FrameRow, _ name: String, element: Int = 0) -> Double? {
            var value = Frame(seq: 1, timestamp: 0, layout: layout, row: row.bytes).value(named: name)
            if case let .array(elements) = value { value = elements[element] }
            switch value {
            case let .int(number): return Double(number)
            case let .double(number): return number
            case let .float(number): return Double(number)
            case let .bool(flag): return flag ? 1 : 0
            case .null: return .nan
            default: return nil
            }
        }
    }

    @Test func everyCanonicalNameIsInTheCatalogue() {
        let catalogue = Set(VariableCatalogue.all.map(\.name))
        for name in ForzaVariables.canonical { #expect(catalogue.contains(name), "\(name)") }
        for info in ForzaVariables.own { #expect(!catalogue.contains(info.name), "\(info.name) is a catalogue name: map it") }
    }

    @Test func aDashFrameHoldsCatalogueUnitsAndAxes() throws {
        var h = Harness()
        let row = try #require(h.session.handle(ForzaTestPackets.built(.fm7Dash, gear: 0), now: 0).row)
        #expect(h.value(row, "Speed") == 42.5)
        #expect(h.value(row, "RPM") == 16.25)
        #expect(h.value(row, "Gear") == -1)  // Forza 0 = reverse
        #expect(h.value(row, "Throttle") == 1)
        #expect(h.value(row, "Brake") == Double(Float(0.2)))
        #expect(h.value(row, "ClutchRaw") == 1)
        #expect(h.value(row, "HandbrakeRaw") == Double(Float(0.4)))
        #expect(h.value(row, "VelocityX") == 40.25)  // Forza Z (forward)
        #expect(h.value(row, "VelocityY") == -32.25)  // minus Forza X (right)
        #expect(h.value(row, "VelocityZ") == 36.25)  // Forza Y (up)
        #expect(h.value(row, "Lap") == 4 && h.value(row, "LapCompleted") == 3)
        #expect(h.value(row, "PlayerCarPosition") == 5)
        #expect(h.value(row, "FuelLevelPct") == 0.75)
        #expect(h.value(row, "TireTemp", element: 0) == 100)  // 212 F
        #expect(h.value(row, "SteerInput") == -1)
        #expect(h.value(row, "TireWear", element: 2)?.isNaN == true)  // FM7 has none
        #expect(h.value(row, "IsOnTrack") == 1)
    }

    @Test func theGearScaleMapsReverseAndNeutral() {
        #expect(ForzaVariables.gear(0) == -1)
        #expect(ForzaVariables.gear(11) == 0)
        #expect((1...10).map { ForzaVariables.gear(UInt8($0)) } == Array(1...10))
    }

    @Test func aSledFrameHasSpeedFromTheVelocityAndNoDashValues() throws {
        var h = Harness()
        let row = try #require(h.session.handle(ForzaTestPackets.built(.sled), now: 0).row)
        let speed = (32.25 * 32.25 + 36.25 * 36.25 + 40.25 * 40.25).squareRoot()
        #expect(abs(h.value(row, "Speed")! - speed) < 1e-3)
        #expect(h.value(row, "Throttle")?.isNaN == true)
        #expect(h.value(row, "LapLastLapTime")?.isNaN == true)
        #expect(h.value(row, "Gear") == 0)
    }

    @Test func raceOffIsAStatusNotAFrame() throws {
        var h = Harness()
        let on = h.session.handle(ForzaTestPackets.built(.horizonDash), now: 0)
        #expect(on.row != nil && on.statusChanged && h.session.onTrack == true)
        let off = h.session.handle(ForzaTestPackets.built(.horizonDash, isRaceOn: 0), now: 0.1)
        #expect(off.row == nil && off.statusChanged && h.session.onTrack == false)
        #expect(h.session.handle(ForzaTestPackets.built(.horizonDash, isRaceOn: 0), now: 0.2).statusChanged == false)
        let details = JSONValue.object(h.session.statusDetails)
        #expect(details["on_track"] == .bool(false))
        #expect(details["format"] == .string("horizon_dash"))
    }

    @Test(.enabled(if: TestData.isAvailable, "needs ../shared/data"))
    func theRealFH5CaptureGivesFramesOnlyWhileRacing() throws {
        var h = Harness()
        var rows = 0
        for (index, bytes) in try ForzaTestPackets.fh5.enumerated() where h.session.handle(bytes, now: Double(index) / 60).row != nil { rows += 1 }
        #expect(rows == 732)
        #expect(h.session.decoded == 2405)
    }

    @Test func lapAndPositionEventsFollowTheCounters() {
        var h = Harness()
        #expect(h.session.handle(ForzaTestPackets.built(.fm2023Dash, lapNumber: 0, position: 3), now: 0).events.isEmpty)
        #expect(h.session.handle(ForzaTestPackets.built(.fm2023Dash, lapNumber: 0, position: 3), now: 0.1).events.isEmpty)
        let lap = h.session.handle(ForzaTestPackets.built(.fm2023Dash, lapNumber: 1, position: 2), now: 0.2).events
        #expect(lap.map(\.name) == ["lap", "position"])
        #expect(lap[0].data["LapCompleted"] == .int(1))
        #expect(lap[0].data["LapTime"] == .double(Double(Float(232 + 56) + 0.25)))
        #expect(lap[1].data["Position"] == .int(2) && lap[1].data["Previous"] == .int(3))
        // A new race: the counter goes back to 0 without an event.
        #expect(h.session.handle(ForzaTestPackets.built(.fm2023Dash, lapNumber: 0, position: 2), now: 0.3).events.isEmpty)
    }

    @Test func badLengthsAreDroppedCountedAndLoggedOncePerKind() {
        var h = Harness()
        for _ in 0..<50 { #expect(h.session.handle([UInt8](repeating: 1, count: 100), now: 0).row == nil) }
        #expect(h.session.handle([], now: 0).row == nil)
        #expect(h.session.drops.count("unknown length") == 51)
        #expect(h.log.warnings.count == 1)
        #expect(h.log.warnings.first?.contains("unknown length (100 bytes") == true)

        var fixed = Harness(format: .sled)
        #expect(fixed.session.handle(ForzaTestPackets.built(.fm2023Dash), now: 0).row == nil)
        #expect(fixed.session.handle(ForzaTestPackets.built(.sled), now: 0).row != nil)
        #expect(fixed.session.drops.count("length does not match format") == 1)
        #expect(JSONValue.object(fixed.session.statusDetails)["dropped"] == .object([("length does not match format", .int(1))]))
    }

    @Test func thePacketRateIsMeasuredOverAboutASecond() {
        var h = Harness()
        var changed = 0
        for index in 0...120 where h.session.handle(ForzaTestPackets.built(.sled), now: Double(index) / 60).statusChanged { changed += 1 }
        #expect(abs(h.session.packetsPerSecond - 60) < 0.5)
        #expect(changed == 3)  // first packet (format, on track, car) and two rate figures
    }
}
