import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import MockSource
import Testing

@Suite struct MockSourceTests {
    func simulation(seed: UInt64, cars: Int = 20, overrides: [String: MockValueSpec] = [:]) -> (MockSimulation, FrameLayout) {
        let registry = VariableRegistry()
        let layout = FrameLayout(declaring: MockSimulation.declarations(), registry: registry, sourceID: "mock")
        return (MockSimulation(layout: layout, cars: cars, seed: seed, overrides: overrides), layout)
    }

    @Test func sameSeedSameFramesOtherSeedOtherFrames() {
        var (a, _) = simulation(seed: 42, overrides: ["AirTemp": .range(min: 10, max: 30)])
        var (b, _) = simulation(seed: 42, overrides: ["AirTemp": .range(min: 10, max: 30)])
        var (c, _) = simulation(seed: 43, overrides: ["AirTemp": .range(min: 10, max: 30)])
        var differs = false
        for _ in 0..<600 {
            let rowA = a.step(dt: 1.0 / 60), rowB = b.step(dt: 1.0 / 60), rowC = c.step(dt: 1.0 / 60)
            #expect(rowA.bytes == rowB.bytes)
            if rowA.bytes != rowC.bytes { differs = true }
        }
        #expect(differs)
    }

    @Test func carIsConsistentAndLapsWrap() throws {
        var (sim, layout) = simulation(seed: 1, cars: 6)
        func value(_ row: FrameRow, _ name: String) -> JSONValue {
            Frame(seq: 0, timestamp: 0, layout: layout, row: row.bytes).value(named: name) ?? .null
        }
        var previousPct = -1.0, previousLap: Int64 = 0, wraps = 0
        // The model is the same at any step size; 10 Hz steps cover 200 s of driving quickly.
        for _ in 0..<(10 * 200) {
            let row = sim.step(dt: 1.0 / 10)
            let speed = try #require(value(row, "Speed").doubleValue)
            let gear = try #require(value(row, "Gear").intValue)
            let rpm = try #require(value(row, "RPM").doubleValue)
            let pct = try #require(value(row, "LapDistPct").doubleValue)
            let lap = try #require(value(row, "Lap").intValue)
            #expect(speed >= 0 && speed <= 100)
            #expect(Int(gear) == MockSimulation.gear(forSpeed: speed), "gear \(gear) at \(speed) m/s")
            #expect(abs(rpm - MockSimulation.rpm(speed: speed, gear: Int(gear))) < 1)
            #expect(rpm >= 1000 && rpm <= 8000)
            #expect(pct >= 0 && pct < 1)
            if pct < previousPct {
                wraps += 1
                #expect(lap == previousLap + 1, "LapDistPct wrapped without Lap counting")
            } else {
                #expect(lap == previousLap || previousPct < 0)
            }
            previousPct = pct
            previousLap = lap
            let throttle = try #require(value(row, "Throttle").doubleValue), brake = try #require(value(row, "Brake").doubleValue)
            #expect((0...1).contains(throttle) && (0...1).contains(brake) && !(throttle > 0 && brake > 0))
            let positions = try #require(value(row, "CarIdxPosition").arrayValue).compactMap(\.intValue)
            #expect(positions.count == 64)
            #expect(Set(positions.prefix(6)) == Set(1...6))
            #expect(positions.dropFirst(6).allSatisfy { $0 == -1 })
        }
        #expect(wraps >= 2)
    }

    @Test func everyCatalogueVariableIsTypeCorrectAndInRange() throws {
        var (sim, layout) = simulation(seed: 9, cars: 10)
        for _ in 0..<(60 * 5) {
            let row = sim.step(dt: 1.0 / 60)
            let frame = Frame(seq: 0, timestamp: 0, layout: layout, row: row.bytes)
            for info in VariableCatalogue.all {
                let value = try #require(frame.value(named: info.name), "\(info.name) missing")
                let elements = info.count > 1 ? (value.arrayValue ?? []) : [value]
                #expect(elements.count == info.count, "\(info.name) has \(elements.count) elements")
                for (index, element) in elements.enumerated() {
                    let inactiveSlot = info.count == 64 && index >= 10
                    switch (info.type, element) {
                    case (.bool, .bool): continue
                    case (.int, .int(let v)), (.bitfield, .int(let v)):
                        if inactiveSlot && v == -1 { continue }
                        if let range = info.range { #expect(range.contains(Double(v)), "\(info.name)[\(index)] = \(v) outside \(range)") }
                    case (.float, .float(let v)):
                        if inactiveSlot && v == -1 { continue }
                        if let range = info.range {
                            #expect(
                                range.contains(Double(v)) || v.nextUp >= Float(range.lowerBound) && v.nextDown <= Float(range.upperBound),
                                "\(info.name)[\(index)] = \(v) outside \(range)")
                        }
                    case (.double, .double(let v)):
                        if let range = info.range { #expect(range.contains(v) || info.name == "SessionTime", "\(info.name) = \(v) outside \(range)") }
                    case (.float, .null) where ["LapLastLapTime", "LapBestLapTime"].contains(info.name): continue
                    default: Issue.record("\(info.name)[\(index)] is \(element), expected \(info.type)")
                    }
                }
            }
        }
    }

    @Test func overridesAreHonoured() throws {
        var (sim, layout) = simulation(
            seed: 3,
            overrides: [
                "AirTemp": .constant(21.5), "TrackTempCrew": .range(min: 30, max: 35),
                "FuelLevelPct": .wave(.ramp, min: 0, max: 1, period: 1), "WaterTemp": .wave(.square, min: 80, max: 90, period: 2),
                "OilTemp": .wave(.sine, min: 100, max: 110, period: 4), "CarIdxLap": .constant(7),
            ])
        var squares = Set<Double>()
        for step in 1...240 {
            let frame = Frame(seq: 0, timestamp: 0, layout: layout, row: sim.step(dt: 1.0 / 60).bytes)
            let t = Double(step) / 60
            #expect(frame.value(named: "AirTemp") == .float(21.5))
            let crew = try #require(frame.value(named: "TrackTempCrew")?.doubleValue)
            #expect((30...35).contains(crew))
            let ramp = try #require(frame.value(named: "FuelLevelPct")?.doubleValue)
            let phaseError = abs(ramp - t.truncatingRemainder(dividingBy: 1))
            #expect(min(phaseError, 1 - phaseError) < 1e-4)
            squares.insert(try #require(frame.value(named: "WaterTemp")?.doubleValue))
            let sine = try #require(frame.value(named: "OilTemp")?.doubleValue)
            #expect(abs(sine - (105 + 5 * sin(2 * .pi * t / 4))) < 1e-3)
            #expect(frame.value(named: "CarIdxLap")?.arrayValue?.allSatisfy { $0 == .int(7) } == true)
        }
        #expect(squares == [80, 90])
    }

    @Test func sourcePublishesSessionInfoEventsAndStops() async throws {
        let registry = VariableRegistry()
        let hub = SourceHub(id: "mock", typeName: "mock", registry: registry)
        // The manual clock never waits, so the mock runs flat out through simulated laps.
        let context = PluginContext(logger: Logger(label: "t"), registry: registry, clock: ManualClock())
        let source = MockSource(id: "mock", config: MockConfig(rate: 10, seed: 5, cars: 4), context: context)
        let task = Task { try await source.run(output: hub) }
        await waitUntil(timeout: 30) { hub.eventsEmitted > 0 }
        task.cancel()
        try await task.value
        let drivers = try #require(hub.sessionInfo?.data["DriverInfo"]?["Drivers"]?.arrayValue)
        #expect(drivers.count == 4)
        #expect(drivers[0]["CarIdx"] == .int(0))
        #expect(hub.sessionInfo?.data["WeekendInfo"]?["TrackDisplayName"] == "Mock Ring")
        let events = hub.events(after: 0).events
        #expect(events.first?.name == "lap")
        #expect(!hub.status.connected)
    }
}
