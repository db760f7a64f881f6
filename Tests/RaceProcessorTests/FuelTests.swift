import BrokerCore
import RaceProcessor
import Testing

/// The fuel calculator on hand-computed laps: the player (car 0) uses 2.5 l per 100 s lap, evenly.
@Suite struct FuelTests {
    /// Drives the player from `start` s to `end` s at 2 frames/s; `fuel` gives the level at a time.
    func drive(
        _ race: RaceHarness, from start: Double, to end: Double, fuel: (Double) -> Double, pit: (Double) -> Bool = { _ in false },
        flags: (Double) -> Int = { _ in 0x4 }, lapsRemain: Int = 32767, timeRemain: Double = 604_800
    ) -> Frame {
        var frame: Frame?
        var time = start
        while time <= end {
            let total = time / 100
            let laps = total.rounded(.down)
            let car = RaceHarness.Car(laps: Int(laps), pct: total - laps, pit: pit(time))
            frame = race.publish(time: time, cars: [car], fuel: fuel(time), flags: flags(time), lapsRemain: lapsRemain, timeRemain: timeRemain)
            time += 0.5
        }
        return frame!
    }

    static func steady(_ time: Double) -> Double { 50 - 2.5 * time / 100 }

    @Test func nullUntilAFirstWholeLapThenTheAverageAndWhatToAdd() {
        let race = RaceHarness()
        // First seen mid-lap at 50 s: lap 0 is not a measure; lap 1 (100..200 s) is.
        var frame = drive(race, from: 50, to: 199.5, fuel: Self.steady, lapsRemain: 10)
        #expect(frame.scalar("FuelUsePerLapAvg") == nil)
        #expect(frame.scalar("FuelLapsLeft") == nil)
        frame = drive(race, from: 200, to: 250, fuel: Self.steady, lapsRemain: 10)
        // At 250 s: 43.75 l left, 2.5 l a lap; 10 laps remaining counting this one, half done.
        #expect(abs(frame.scalar("FuelUsePerLapAvg")! - 2.5) < 1e-4)
        #expect(abs(frame.scalar("FuelLapsLeft")! - 17.5) < 1e-3)
        #expect(abs(frame.scalar("FuelToFinish")! - 23.75) < 1e-3)
        #expect(abs(frame.scalar("FuelToAdd")! - 0) < 1e-6, "43.75 l covers 23.75 + 2.5 margin")
        frame = drive(race, from: 250.5, to: 260, fuel: Self.steady, lapsRemain: 20)
        // 19.4 laps to go: 48.5 l + 2.5 margin - 43.5 l in the tank.
        #expect(abs(frame.scalar("FuelToAdd")! - 7.5) < 1e-3)
    }

    @Test func timedSessionsCountTheLapRunningWhenTheClockEnds() {
        let race = RaceHarness()
        // The learned lap (100 s) comes from car 0's own laps; 430 s left at 0.5 into a lap:
        // 0.5 + 4.3 = 4.8, so 5 laps end it: 4.5 laps to go, 11.25 l.
        _ = drive(race, from: 0, to: 349.5, fuel: Self.steady)
        let frame = drive(race, from: 350, to: 350, fuel: Self.steady, timeRemain: 430)
        #expect(abs(frame.scalar("FuelToFinish")! - 11.25) < 1e-3)
    }

    @Test func aRefuelLapAPitLapAndAYellowLapAreNotCounted() {
        let race = RaceHarness()
        // Lap 1 is first seen at its line, so not a measure; lap 2 steady at 2.5 l. Lap 3 (300..400 s): 30 l added at 350 s. Lap 4: on pit
        // road at 410 s. Lap 5: a caution at 550 s. Lap 6: 3.0 l, the only other valid lap.
        func fuel(_ t: Double) -> Double {
            switch t {
            case ..<350: return Self.steady(t)
            case ..<600: return Self.steady(t) + 30
            default: return Self.steady(600) + 30 - 3.0 * (t - 600) / 100
            }
        }
        var frame = drive(race, from: 100, to: 300, fuel: fuel)
        #expect(abs(frame.scalar("FuelUsePerLapAvg")! - 2.5) < 1e-4)
        frame = drive(
            race, from: 300.5, to: 700, fuel: fuel, pit: { $0 >= 405 && $0 < 415 }, flags: { $0 >= 550 && $0 < 560 ? 0x4000 : 0x4 })
        #expect(abs(frame.scalar("FuelUsePerLapAvg")! - (2.5 + 3.0) / 2) < 1e-4)
    }

    @Test func theAverageIsOverTheLastNLapsAndTheFuelEventFiresBelowTheMargin() {
        let race = RaceHarness(config: RaceConfig(fuelLaps: 2, fuelMarginLaps: 1))
        // 4 l, then 3 l, then 2 l a lap: the average of the last 2 is 2.5 l at 400 s, then 2 l; at
        // 900 s 1 l is left, half a lap.
        func fuel(_ t: Double) -> Double {
            switch t {
            case ..<100: return 20
            case ..<200: return 20 - 4 * (t - 100) / 100
            case ..<300: return 16 - 3 * (t - 200) / 100
            default: return max(0, 13 - 2 * (t - 300) / 100)
            }
        }
        var frame = drive(race, from: 50, to: 400, fuel: fuel)
        #expect(abs(frame.scalar("FuelUsePerLapAvg")! - 2.5) < 1e-4)
        #expect(race.hub.events(after: 0).events.filter { $0.name == "fuel" }.isEmpty)
        frame = drive(race, from: 400.5, to: 900, fuel: fuel)
        #expect(abs(frame.scalar("FuelUsePerLapAvg")! - 2) < 1e-4)
        let fuelEvents = race.hub.events(after: 0).events.filter { $0.name == "fuel" }
        #expect(fuelEvents.count == 1, "once, when laps left first fell below 1")
        #expect(fuelEvents.first.flatMap { $0.data["FuelLapsLeft"]?.number }.map { $0 < 1 } == true)
    }
}
