import BrokerCore
import BrokerTestSupport
import Foundation
import InSimSource
import InSimTestSupport
import Logging
import MockSource
import RaceProcessor
import Testing

/// The race processor against races whose answers are known: a scripted race on a lap with slow
/// and fast parts, the fake LFS host's MCI positions, and the mock's fuel model.
@Suite struct GroundTruthTests {
    /// Time from the line to lap fraction `p` on the scripted lap (100 s, three slow parts).
    static func lapTime(at p: Double) -> Double { 100 * p + 2 * sin(6 * .pi * p) }

    /// The lap fraction reached `t` seconds after the line (inverse of `lapTime`, by bisection).
    static func fraction(after t: Double) -> Double {
        var low = 0.0, high = 1.0
        for _ in 0..<60 {
            let mid = (low + high) / 2
            if lapTime(at: mid) < t { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// Every car drives the same lap, `offsets` seconds behind the leader: the true gap between two
    /// cars is the difference of their offsets, whatever the speed where they are.
    func scriptedRace(estimate: Bool) -> (maxGapError: Double, frames: Int) {
        let offsets = [0, 1.3, 2.9, 4.4, 12, 25.5, 47, 88, 103, 160.25]
        let race = RaceHarness(estimate: estimate)
        var maxError = 0.0
        var checked = 0
        for tick in 0...4000 {
            let time = Double(tick) / 10
            var cars: [RaceHarness.Car?] = []
            var distance: [Double] = []
            for offset in offsets {
                let driven = 300 + time - offset
                let laps = (driven / 100).rounded(.down)
                let pct = Self.fraction(after: driven - laps * 100)
                cars.append(.init(laps: Int(laps), pct: pct, estimate: Self.lapTime(at: pct)))
                distance.append(laps + pct)
            }
            let frame = race.publish(time: time, cars: cars, player: 3)
            guard time >= 250 else { continue }  // warmed up: two laps of the slowest car seen whole
            let positions = frame.cars("CarIdxLivePosition", offsets.count)
            #expect(positions == (1...offsets.count).map { Double($0) }, "at \(time) s")
            let gaps = frame.cars("CarIdxGapToLeader", offsets.count)
            let ahead = frame.cars("CarIdxGapToAhead", offsets.count)
            let relative = frame.cars("CarIdxRelative", offsets.count)
            for car in offsets.indices {
                let lapsDown = (distance[0] - distance[car]).rounded(.down)
                #expect(frame.cars("CarIdxLapsDown", offsets.count)[car] == lapsDown)
                if lapsDown == 0 {
                    let error = abs(gaps[car]! - offsets[car])
                    maxError = max(maxError, error)
                } else {
                    #expect(gaps[car] == nil)
                }
                if car > 0 && distance[car - 1] - distance[car] < 1 {
                    maxError = max(maxError, abs(ahead[car]! - (offsets[car] - offsets[car - 1])))
                }
                // On track relative to car 3: the offset difference brought within half a lap.
                var truth = offsets[3] - offsets[car]
                truth -= 100 * (truth / 100).rounded()
                if abs(abs(truth) - 50) > 1 { maxError = max(maxError, abs(relative[car]! - truth)) }
            }
            checked += 1
        }
        return (maxError, checked)
    }

    @Test func learnedReferenceLapGapsMatchTheTruthWithinATenth() {
        let result = scriptedRace(estimate: false)
        print("race processor, learned reference: max gap error \(result.maxGapError) s over \(result.frames) frames")
        #expect(result.frames == 1501)
        #expect(result.maxGapError < 0.1)
    }

    @Test func simEstimateGapsMatchTheTruthWithinATenth() {
        let result = scriptedRace(estimate: true)
        print("race processor, sim's estimate: max gap error \(result.maxGapError) s over \(result.frames) frames")
        #expect(result.maxGapError < 0.1)
    }

    @Test func livePositionsMatchTheFakeLFSHostsPositionsEachMCI() async throws {
        let responses = LFSRaceScript.hostResponses
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(responses: responses) }
        let logger = Logger(label: "race-lfs")
        let registry = VariableRegistry()
        let context = PluginContext(logger: logger, registry: registry)
        let processor = RaceProcessor(id: "race", sourceID: "lfs", config: RaceConfig(), context: context)
        let hub = SourceHub(
            id: "lfs", typeName: "insim", registry: registry,
            processors: [AttachedProcessor(id: "race", typeName: "race", budget: .seconds(1), processor: processor, logger: logger)])
        let source = InSimSource(
            id: "lfs", config: InSimSourceConfig(port: host.port), context: context,
            timeouts: InSimSource.Timeouts(connect: 2, handshake: 2, idle: 5, sessionInfoFlush: 0.02))
        let task = Task { try await source.run(output: hub) }
        defer { task.cancel() }
        #expect(await waitUntil { hub.sessionInfo?.data["DriverInfo"]?["Drivers"]?.arrayValue?.count == LFSRaceScript.playerIDs.count })
        for step in 0..<4 {
            let before = hub.latestFrame?.seq ?? 0
            try await host.send(LFSRaceScript.multiCarInfoSet(step: step))
            #expect(await waitUntil { (hub.latestFrame?.seq ?? 0) > before })
            let frame = try #require(hub.latestFrame)
            guard case let .array(live)? = frame.value(named: "CarIdxLivePosition"),
                case let .array(truth)? = frame.value(named: "CarIdxPosition"),
                case let .array(plids)? = frame.value(named: "CarIdxPLID")
            else {
                Issue.record("the frame lacks the positions")
                break
            }
            var compared = 0
            for slot in 0..<64 where plids[slot] != .int(0) {
                #expect(live[slot].number == truth[slot].number, "slot \(slot) at step \(step)")
                compared += 1
            }
            #expect(compared == LFSRaceScript.playerIDs.count)
        }
        task.cancel()
        _ = await task.result
        await host.stop()
    }

    @Test func fuelPerLapOnTheMockIsItsModelsWithinOnePercent() throws {
        // The mock burns 0.0009 l per metre of its 4 km lap: 3.6 l a lap, whatever the speed.
        let registry = VariableRegistry()
        let logger = Logger(label: "race-mock")
        let processor = RaceProcessor(id: "race", sourceID: "mock", config: RaceConfig(), context: PluginContext(logger: logger, registry: registry))
        let hub = SourceHub(
            id: "mock", typeName: "mock", registry: registry,
            processors: [AttachedProcessor(id: "race", typeName: "race", budget: .seconds(1), processor: processor, logger: logger)])
        let layout = hub.declare(VariableCatalogue.all.map { VariableDeclaration($0) })
        let fields = [
            "FuelLevel", "LapCompleted", "LapDistPct", "OnPitRoad", "SessionTime", "SessionFlags", "CarIdxLapCompleted", "CarIdxLapDistPct",
        ]
        var averages: [Double] = []
        var lastLap = 0
        // A scripted mock race: the mock's own car model, fuel and lap counting on every frame.
        var simulation = MockSimulation(layout: layout, cars: 20, seed: 7, overrides: [:])
        for _ in 0..<(20 * 400) {
            let row = simulation.step(dt: 1.0 / 20)
            hub.publish(row)
            let frame = hub.latestFrame!
            let lap = Int(frame.scalar("LapCompleted") ?? 0)
            if lap != lastLap, let average = frame.scalar("FuelUsePerLapAvg") { averages.append(average) }
            lastLap = lap
        }
        #expect(fields.allSatisfy { layout.fieldIndex(named: $0) != nil })
        #expect(averages.count >= 3, "laps averaged: \(averages.count)")
        for average in averages { #expect(abs(average - 3.6) / 3.6 < 0.01, "average \(average) l") }
        print("race processor on the mock: per-lap averages \(averages) (truth 3.6 l)")
    }

    @Test func fuelPerLapOverAMultiLapRaceWithARefuelIsWithinOnePercent() {
        // The player burns 2.8 l per lap in proportion to distance on the slow-and-fast lap, at
        // 10 frames/s (so lap ends fall between frames); refuels 40 l in the pits on lap 4.
        let race = RaceHarness()
        var averages: [Double] = []
        var refuelled = false
        var lastLaps = 0
        for tick in 0...9000 {
            let time = Double(tick) / 10
            let laps = (time / 100).rounded(.down)
            let pct = Self.fraction(after: time - laps * 100)
            let inPits = laps == 4 && pct > 0.95 || laps == 5 && pct < 0.05
            if laps == 5 && pct < 0.02 { refuelled = true }
            let fuel = 60 - 2.8 * (laps + pct) + (refuelled ? 40 : 0)
            let frame = race.publish(time: time, cars: [.init(laps: Int(laps), pct: pct, pit: inPits)], fuel: fuel)
            if Int(laps) != lastLaps, let average = frame.scalar("FuelUsePerLapAvg") { averages.append(average) }
            lastLaps = Int(laps)
        }
        #expect(averages.count >= 6)
        for average in averages { #expect(abs(average - 2.8) / 2.8 < 0.01, "average \(average) l") }
        print("race processor, scripted refuel race: per-lap averages \(averages) (truth 2.8 l)")
    }
}
