import BrokerCore
import RaceProcessor
import Testing

/// Cars driving the same 100 s lap at a steady pace, `offsets` seconds behind a leader that starts
/// at two laps' distance; so every gap is known by hand.
func steadyCars(at time: Double, offsets: [Double], pits: Set<Int> = []) -> [RaceHarness.Car?] {
    offsets.enumerated().map { index, offset in
        let total = 2 + (time - offset) / 100
        let laps = total.rounded(.down)
        return RaceHarness.Car(laps: Int(laps), pct: total - laps, pit: pits.contains(index))
    }
}

@Suite struct RaceProcessorTests {
    /// Runs the steady race from 0 to `until` s at 2 frames/s and returns the last frame.
    func runSteady(_ race: RaceHarness, offsets: [Double], until: Double, player: Int = 0) -> Frame {
        var frame: Frame?
        for tick in 0...Int(until * 2) {
            frame = race.publish(time: Double(tick) / 2, cars: steadyCars(at: Double(tick) / 2, offsets: offsets), player: player)
        }
        return frame!
    }

    @Test func gapsAndRelativeOnASteadyRaceAreTheOffsets() {
        let race = RaceHarness()
        let offsets = [0, 3, 7.5, 60, 130]
        // Before any car has driven a whole lap seen from its start, positions exist, times do not.
        var frame = runSteady(race, offsets: offsets, until: 20, player: 2)
        #expect(frame.cars("CarIdxLivePosition", 5) == [1, 2, 3, 4, 5])
        #expect(frame.cars("CarIdxGapToLeader", 5) == [0, nil, nil, nil, nil])
        #expect(frame.cars("CarIdxLapsDown", 5) == [0, 0, 0, 0, 1])

        frame = runSteady(race, offsets: offsets, until: 250.25, player: 2)
        #expect(close(frame.cars("CarIdxGapToLeader", 5), [0, 3, 7.5, 60, nil]))
        #expect(close(frame.cars("CarIdxGapToAhead", 5), [nil, 3, 4.5, 52.5, 70]))
        #expect(frame.cars("CarIdxLapsDown", 5) == [0, 0, 0, 0, 1])
        // The player is car 2; car 3 is 52.5 s behind on the road = 47.5 s ahead around the lap.
        #expect(close(frame.cars("CarIdxRelative", 5), [7.5, 4.5, 0, 47.5, -22.5]))
        #expect(frame.cars("CarIdxRelative", 6).last! == nil, "no car in slot 5")
    }

    @Test func gapsHoldAcrossTheLine() {
        let race = RaceHarness()
        // At 298.5 s the leader is 0.985 into its lap; at 301 s it has crossed and car 1 (3 s behind) has not.
        _ = runSteady(race, offsets: [0, 3], until: 298.5)
        let frame = race.publish(time: 301, cars: steadyCars(at: 301, offsets: [0, 3]), player: 1)
        let pct = frame.cars("CarIdxLapDistPct", 2)
        #expect(pct[0]! < 0.05 && pct[1]! > 0.95)
        #expect(close(frame.cars("CarIdxGapToLeader", 2), [0, 3]))
        #expect(close(frame.cars("CarIdxRelative", 2), [3, 0]))
        #expect(frame.cars("CarIdxLivePosition", 2) == [1, 2])
    }

    @Test func anOvertakeSwapsLivePositionsBetweenTheLinesAndIsAnnouncedOncePerInterval() {
        let race = RaceHarness(config: RaceConfig(positionEventInterval: 1))
        func cars(_ pcts: [Double]) -> [RaceHarness.Car?] { pcts.map { RaceHarness.Car(laps: 3, pct: $0) } }
        var frame = race.publish(time: 0, cars: cars([0.50, 0.40, 0.30]))
        #expect(frame.cars("CarIdxLivePosition", 3) == [1, 2, 3])
        frame = race.publish(time: 0.1, cars: cars([0.50, 0.40, 0.41]))
        #expect(frame.cars("CarIdxLivePosition", 3) == [1, 3, 2])
        frame = race.publish(time: 0.2, cars: cars([0.50, 0.42, 0.41]))  // car 1 takes it back within the second
        #expect(frame.cars("CarIdxLivePosition", 3) == [1, 2, 3])
        frame = race.publish(time: 0.5, cars: cars([0.50, 0.43, 0.42]))
        #expect(frame.cars("CarIdxLivePosition", 3) == [1, 2, 3])
        frame = race.publish(time: 1.2, cars: cars([0.50, 0.44, 0.43]))
        let events = race.hub.events(after: 0).events.filter { $0.name == "position" }
        // 0.1 s: both cars announced (in live order); 0.2 and 0.5 s: back as they were, within the
        // interval, silent; 1.2 s: the change since the last announcement, announced.
        let summary = events.map { event in ["CarIdx", "Position", "Previous"].map { event.data[$0]?.number ?? -1 } }
        #expect(summary == [[2, 2, 3], [1, 3, 2], [1, 2, 3], [2, 3, 2]])
        #expect(events.map(\.timestamp) == [1_000_000.1, 1_000_000.1, 1_000_001.2, 1_000_001.2])
    }

    @Test func classPositionsCountWithinEachClass() {
        let race = RaceHarness(classes: true)
        let cars: [RaceHarness.Car?] = [
            .init(laps: 2, pct: 0.9, carClass: 7), .init(laps: 2, pct: 0.8, carClass: 9), nil,
            .init(laps: 2, pct: 0.7, carClass: 7), .init(laps: 1, pct: 0.95, carClass: 9),
        ]
        let frame = race.publish(time: 0, cars: cars)
        #expect(frame.cars("CarIdxLivePosition", 5) == [1, 2, nil, 3, 4])
        #expect(frame.cars("CarIdxLiveClassPosition", 5) == [1, 1, nil, 2, 2])
    }

    @Test func aCarThatDisconnectsIsNullAndTheOthersCloseUp() {
        let race = RaceHarness()
        var frame = runSteady(race, offsets: [0, 3, 6], until: 250)
        #expect(close(frame.cars("CarIdxGapToAhead", 3), [nil, 3, 3]))
        var cars = steadyCars(at: 250.5, offsets: [0, 3, 6])
        cars[1] = nil
        frame = race.publish(time: 250.5, cars: cars)
        #expect(frame.cars("CarIdxLivePosition", 3) == [1, nil, 2])
        #expect(frame.cars("CarIdxGapToLeader", 3)[1] == nil)
        #expect(frame.cars("CarIdxLapsDown", 3)[1] == nil)
        #expect(frame.cars("CarIdxRelative", 3)[1] == nil)
        #expect(close(frame.cars("CarIdxGapToAhead", 3), [nil, nil, 6]))
    }

    @Test func aPitLapDoesNotTeachTheReferenceLap() {
        let race = RaceHarness()
        let offsets = [0.0, 10, 20]
        _ = runSteady(race, offsets: offsets, until: 250)
        // Car 2 spends lap 4 in the pits at half pace (on pit road throughout); the others drive on.
        var pitDistance = 2 + (250 - 20) / 100.0
        var frame: Frame?
        for tick in 501...1000 {
            let time = Double(tick) / 2
            var cars = steadyCars(at: time, offsets: offsets)
            pitDistance += 0.5 / 200
            let laps = pitDistance.rounded(.down)
            cars[2] = .init(laps: Int(laps), pct: pitDistance - laps, pit: true)
            frame = race.publish(time: time, cars: cars)
        }
        #expect(close(frame!.cars("CarIdxGapToLeader", 2), [0, 10]), "the reference lap is still the 100 s lap")
        #expect(frame!.value(named: "CarIdxOnPitRoad")?[2] == .bool(true))
    }

    @Test func theSimsOwnEstimateIsUsedWhenItGivesOne() {
        let race = RaceHarness(estimate: true)
        // Estimates on a lap that is slow in its first half: 0.5 of the lap takes 70 s.
        func estimate(_ pct: Double) -> Double { pct <= 0.5 ? pct * 140 : 70 + (pct - 0.5) * 60 }
        let cars: [RaceHarness.Car?] = [
            .init(laps: 4, pct: 0.6, estimate: estimate(0.6)), .init(laps: 4, pct: 0.4, estimate: estimate(0.4)),
        ]
        let frame = race.publish(time: 5, cars: cars, player: 1)
        // 76 - 56 = 20 s, where a steady lap would have said 0.2 of a lap.
        #expect(close(frame.cars("CarIdxGapToLeader", 2), [0, 20]))
        #expect(close(frame.cars("CarIdxRelative", 2), [20, 0]))
    }

    @Test func aSessionRestartForgetsLapsInProgress() {
        let race = RaceHarness()
        let offsets = [0.0, 5]
        _ = runSteady(race, offsets: offsets, until: 250)
        // Session 1 starts: everyone on lap 0 again, time from 0; the learned lap is kept.
        var frame: Frame?
        for tick in 0...20 {
            let time = Double(tick) / 2
            let cars: [RaceHarness.Car?] = [.init(laps: 0, pct: time / 100 + 0.05), .init(laps: 0, pct: time / 100)]
            frame = race.publish(time: time, cars: cars, sessionNum: 1)
        }
        #expect(frame!.cars("CarIdxLivePosition", 2) == [1, 2])
        #expect(close(frame!.cars("CarIdxGapToLeader", 2), [0, 5]))
    }

    @Test func missingInputsGiveNullNotZero() {
        let race = RaceHarness()
        let frame = race.publish(time: 0, cars: [.init(laps: 1, pct: 0.5)], fuel: nil)
        #expect(frame.scalar("FuelUsePerLapAvg") == nil)
        #expect(frame.scalar("FuelLapsLeft") == nil)
        #expect(frame.scalar("FuelToAdd") == nil)
        #expect(frame.cars("CarIdxGapToLeader", 2) == [0, nil])
        #expect(frame.cars("CarIdxLivePosition", 2) == [1, nil])
    }

    @Test func aSourceWithoutPerCarArraysGetsOnlyWhatItsInputsAllow() {
        let registry = VariableRegistry()
        let processor = RaceProcessor(
            id: "race", sourceID: "s", config: RaceConfig(), context: PluginContext(logger: .init(label: "t"), registry: registry))
        let info = { (name: String) in VariableCatalogue.all.first { $0.name == name }! }
        #expect(processor.variables(for: FrameLayout(declaring: [VariableDeclaration(info("Speed"))], registry: registry, sourceID: "s")).isEmpty)
        let fuelOnly = FrameLayout(declaring: ["FuelLevel", "LapCompleted"].map { VariableDeclaration(info($0)) }, registry: registry, sourceID: "s")
        #expect(processor.variables(for: fuelOnly).map(\.name) == ["FuelUsePerLapAvg", "FuelLapsLeft", "FuelToFinish", "FuelToAdd"])
    }
}
