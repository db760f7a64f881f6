import ACCTestSupport
import BrokerCore
import BrokerTestSupport
import Testing

@testable import ACCSource

/// The session rules without a network: slots, the focused car's single-car values (recomputed
/// when the focus moves, never stale), a joining car, events, session info.
@Suite struct ACCSessionTests {
    static func decode(_ bytes: [UInt8]) -> ACCMessage { try! ACCMessage.decode(bytes) }

    static func registered(cars: Int = 3) -> ACCSession {
        let layout = FrameLayout(declaring: ACCVariables.declarations, registry: VariableRegistry(), sourceID: "acc")
        var session = ACCSession(layout: layout)
        _ = session.handle(decode(ACCWire.registrationResult(connectionID: 5, success: true, error: "")), now: 0)
        let indices = (0..<cars).map(FakeACCServer.carIndex)
        _ = session.handle(decode(ACCWire.entryList(connectionID: 5, cars: indices)), now: 0)
        for car in indices {
            _ = session.handle(
                decode(ACCWire.entryListCar(car: car, team: "T\(car)", number: Int32(car), first: "A", last: "\(car)", short: "S")), now: 0)
        }
        return session
    }

    static func value(_ row: FrameRow, _ name: String, element: Int = 0) -> JSONValue? {
        var value = Frame(seq: 1, timestamp: 0, layout: row.layout, row: row.bytes).value(named: name)
        if case let .array(elements) = value { value = elements[element] }
        return value
    }

    @Test func everyCanonicalNameIsInTheCatalogue() {
        let catalogue = Set(VariableCatalogue.all.map(\.name))
        for name in ACCVariables.canonicalPerCar + ACCVariables.canonicalFocused + ACCVariables.canonicalSession {
            #expect(catalogue.contains(name), "\(name)")
        }
        for info in ACCVariables.ownPerCar + ACCVariables.ownSession { #expect(!catalogue.contains(info.name), "\(info.name)") }
    }

    @Test func registeringAsksForTheEntryListAndTheTrack() {
        let layout = FrameLayout(declaring: ACCVariables.declarations, registry: VariableRegistry(), sourceID: "acc")
        var session = ACCSession(layout: layout)
        let outcome = session.handle(Self.decode(ACCWire.registrationResult(connectionID: 9, success: true, error: "")), now: 0)
        #expect(outcome.requests == [ACCRequest.entryList(connectionID: 9), ACCRequest.trackData(connectionID: 9)])
        let refused = session.handle(Self.decode(ACCWire.registrationResult(connectionID: 10, success: false, error: "Wrong password")), now: 1)
        #expect(refused.requests.isEmpty && refused.registration?.success == false)
    }

    @Test func singleCarNamesFollowTheFocusAndNeverKeepAnotherCarsValues() throws {
        var session = Self.registered()
        let a = FakeACCServer.carIndex(1), b = FakeACCServer.carIndex(2)
        _ = session.handle(Self.decode(FakeACCServer.carUpdate(a, position: 0, step: 10)), now: 0)  // 102 km/h, gear raw 5
        _ = session.handle(Self.decode(FakeACCServer.carUpdate(b, position: 1, step: 10)), now: 0)  // 104 km/h, gear raw 3
        let onA = try #require(
            session.handle(Self.decode(ACCWire.realtimeUpdate(focusedCar: Int32(a), sessionTimeMs: 1000, remainingMs: 5000)), now: 0).row)
        #expect(Self.value(onA, "Speed") == .float(Float(102.0 / 3.6)))
        #expect(Self.value(onA, "Gear") == .int(3))
        #expect(Self.value(onA, "PlayerCarIdx") == .int(1) && Self.value(onA, "CamCarIdx") == .int(1))
        #expect(Self.value(onA, "PlayerCarPosition") == .int(1))
        let onB = try #require(
            session.handle(Self.decode(ACCWire.realtimeUpdate(focusedCar: Int32(b), sessionTimeMs: 1100, remainingMs: 4900)), now: 0).row)
        #expect(Self.value(onB, "Speed") == .float(Float(104.0 / 3.6)))
        #expect(Self.value(onB, "Gear") == .int(1))
        #expect(Self.value(onB, "PlayerCarPosition") == .int(2))
        // Focus on a car that has sent no update: nothing of B (or A) is shown as its own.
        let c = FakeACCServer.carIndex(0)
        let onC = try #require(
            session.handle(Self.decode(ACCWire.realtimeUpdate(focusedCar: Int32(c), sessionTimeMs: 1200, remainingMs: 4800)), now: 0).row)
        #expect(Self.value(onC, "Speed") == .null)
        #expect(Self.value(onC, "Gear") == .int(0))
        #expect(Self.value(onC, "PlayerCarPosition") == .int(0))
        #expect(Self.value(onC, "LapLastLapTime") == .null)
        #expect(Self.value(onC, "PlayerCarIdx") == .int(0))
        // Per-car arrays keep every car's own values.
        #expect(Self.value(onC, "CarIdxGear", element: 1) == .int(3) && Self.value(onC, "CarIdxGear", element: 2) == .int(1))
        #expect(Self.value(onC, "CarIdxACCIndex", element: 2) == .int(Int64(b)) && Self.value(onC, "CarIdxACCIndex", element: 3) == .int(-1))
        #expect(Self.value(onC, "CarIdxLastLapTime", element: 2) == .float(Float(94.004)))
        #expect(Self.value(onC, "CarIdxLapDistPct", element: 5) == .float(-1))
    }

    @Test func aCarThatJoinsMidSessionGetsASlotAndTheEntryListIsAskedForAgain() {
        var session = Self.registered(cars: 3)
        let newcomer: UInt16 = 77
        let first = session.handle(Self.decode(FakeACCServer.carUpdate(newcomer, position: 3, step: 1)), now: 5)
        #expect(first.requests == [ACCRequest.entryList(connectionID: 5)])
        #expect(session.slots[newcomer] == 3)
        // Not again within a second, while the list is on its way.
        #expect(session.handle(Self.decode(FakeACCServer.carUpdate(newcomer, position: 3, step: 2)), now: 5.5).requests.isEmpty)
        _ = session.handle(
            Self.decode(ACCWire.entryListCar(car: newcomer, team: "Late", number: 77, first: "New", last: "Comer", short: "NEW")), now: 5.6)
        #expect(session.handle(Self.decode(FakeACCServer.carUpdate(newcomer, position: 3, step: 3)), now: 7).requests.isEmpty)
        guard case let .array(drivers)? = session.sessionInfo["DriverInfo"]?["Drivers"] else {
            Issue.record("no drivers")
            return
        }
        #expect(drivers.count == 4)
        #expect(drivers.last?["UserName"] == .string("New Comer") && drivers.last?["CarIdx"] == .int(3))
    }

    @Test func broadcastingEventsNameTheirCar() {
        var session = Self.registered()
        let car = FakeACCServer.carIndex(2)
        let events = session.handle(Self.decode(ACCWire.broadcastingEvent(type: 5, message: "01:33.695", timeMs: 904_977, car: Int32(car))), now: 0)
            .events
        #expect(events.map(\.name) == ["lap_completed"])
        #expect(events[0].data["CarIdx"] == .int(2) && events[0].data["CarNumber"] == .int(Int64(car)))
        #expect(events[0].data["UserName"] == .string("A \(car)") && events[0].data["Message"] == .string("01:33.695"))
        #expect(
            (1...7).map { ACCSession.eventName(UInt8($0)) } == [
                "green_flag", "session_over", "penalty", "accident", "lap_completed", "best_session_lap", "best_personal_lap",
            ])
    }

    @Test func sessionInfoIsShapedLikeIRacings() {
        var session = Self.registered(cars: 22)
        _ = session.handle(Self.decode(ACCWire.trackData(connectionID: 5, name: "Red Bull Ring", id: 26, meters: 4318)), now: 0)
        _ = session.handle(Self.decode(ACCWire.realtimeUpdate(focusedCar: 4, sessionTimeMs: 0, remainingMs: 1_500_000)), now: 0)
        let info = session.sessionInfo
        #expect(info["WeekendInfo"]?["TrackName"] == .string("Red Bull Ring"))
        #expect(info["WeekendInfo"]?["TrackLength"] == .string("4.32 km"))
        #expect(info["WeekendInfo"]?["SessionType"] == .string("Race") && info["WeekendInfo"]?["SessionPhase"] == .string("Session"))
        #expect(info["WeekendInfo"]?["TrackWetness"] == .double(0.2))
        #expect(info["DriverInfo"]?["DriverCarIdx"] == .int(2))
        guard case let .array(drivers)? = info["DriverInfo"]?["Drivers"] else {
            Issue.record("no drivers")
            return
        }
        #expect(drivers.count == 22)
    }
}
