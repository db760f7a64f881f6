import BrokerCore
import BrokerTestSupport
import Foundation
import Synchronization
import Testing

@testable import IRacingSource

/// The `ibt:` replay end to end: frames on the file's 60 Hz timeline (scaled by `speed`), as fast as
/// possible at `speed: 0`, looping, lap events and session info, on a virtual clock.
@Suite("ibt replay", .enabled(if: TestData.isAvailable, "needs ../shared/data"))
struct ReplaySourceTests {
    /// (virtual time, frame seq, SessionTick of the frame) seen at each sleep of the replay.
    final class FrameLog: @unchecked Sendable {
        private let entries = Mutex<[(time: Double, seq: UInt64, tick: Int64)]>([])
        func add(_ time: Double, _ frame: Frame?) {
            guard let frame, let tick = frame.value(named: "SessionTick")?.intValue else { return }
            entries.withLock { $0.append((time, frame.seq, tick)) }
        }
        var all: [(time: Double, seq: UInt64, tick: Int64)] { entries.withLock { $0 } }
    }

    func run(_ config: IRacingConfig, until end: Double, configDirectory: String = ".") async throws -> (SourceHarness, ScriptedClock, FrameLog) {
        let log = FrameLog()
        let hubBox = Mutex<SourceHub?>(nil)
        let clock = ScriptedClock(end: end) { now in log.add(now, hubBox.withLock { $0 }?.latestFrame) }
        let harness = SourceHarness(clock: clock, configDirectory: configDirectory)
        hubBox.withLock { $0 = harness.hub }
        try await harness.source(config).run(output: harness.hub)
        return (harness, clock, log)
    }

    /// SessionTick of every row of a file, read independently.
    func sessionTicks(_ file: String) throws -> [Int64] {
        let raw = RawIRSDK(bytes: try TestData.bytes("iracing/\(file)"))
        return (0..<raw.recordCount).map { row in
            Int64(raw.value("SessionTick", rowOffset: raw.bufferOffset(0) + row * raw.bufferLength) ?? -1)
        }
    }

    @Test("speed 1: one frame per row at the file's 60 Hz, each published on its own tick's time")
    func realTime() async throws {
        let (harness, clock, log) = try await run(IRacingConfig(ibt: TestData.path("iracing/formulavee_tsukuba.ibt")), until: 2)
        let ticks = try sessionTicks("formulavee_tsukuba.ibt")
        // Rows are scheduled at (SessionTick - first tick) / 60 s; the file's ticks are consecutive.
        let deadlines = clock.deadlines
        #expect(deadlines.count == 121, "rows at 0, 1/60, ..., 2 s")
        for (i, deadline) in deadlines.enumerated() {
            #expect(abs(deadline - Double(ticks[i] - ticks[0]) / 60) < 1e-9, "row \(i)")
        }
        // When the replay waits for row i, the frame out is row i-1: frames in order, none skipped.
        for entry in log.all {
            #expect(entry.tick == ticks[Int(entry.seq) - 1])
            #expect(abs(entry.time - Double(entry.seq) / 60) < 1e-9)
        }
        #expect(harness.hub.latestFrame?.seq == 121)
        #expect(harness.hub.latestFrame?.value(named: "SessionTick")?.intValue == ticks[120])
        #expect(harness.hub.status.connected, "still replaying when the clock ran out")
    }

    @Test("speed 2 halves the interval between rows")
    func doubleSpeedAndGap() async throws {
        let (_, clock, _) = try await run(IRacingConfig(ibt: TestData.path("iracing/w13_redbullring.ibt"), speed: 2), until: 10)
        let ticks = try sessionTicks("w13_redbullring.ibt")
        #expect(clock.deadlines.count == ticks.count)
        for (i, deadline) in clock.deadlines.enumerated() {
            #expect(abs(deadline - Double(ticks[i] - ticks[0]) / 120) < 1e-9, "row \(i)")
        }
    }

    @Test("speed 0 runs as fast as it can: every row out with no virtual time spent, then end of replay")
    func asFastAsPossible() async throws {
        let (harness, clock, _) = try await run(IRacingConfig(ibt: TestData.path("iracing/formulavee_tsukuba.ibt"), speed: 0), until: 5)
        let ticks = try sessionTicks("formulavee_tsukuba.ibt")
        #expect(clock.deadlines.isEmpty, "no waiting between rows")
        #expect(clock.now() == 0)
        let hub = harness.hub
        #expect(hub.latestFrame?.seq == 3429)
        #expect(hub.latestFrame?.value(named: "SessionTick")?.intValue == ticks.last)
        #expect(!hub.status.connected)
        #expect(JSONValue.object(hub.status.details)["reason"] == .string("the replay reached the end of the file"))
        #expect(JSONValue.object(hub.status.details)["mode"] == .string("ibt"))

        // Laps 1 and 2 are completed in this file; each event waits for the sim's lap time.
        let events = hub.events(after: 0).events
        #expect(events.map(\.name) == ["sessionInfoChanged", "lap", "lap"])
        #expect(events[0].data == .object([("update", .int(0))]))
        #expect(events[1].data["lap"] == .int(1))
        #expect(events[2].data["lap"] == .int(2))
        let raw = RawIRSDK(bytes: try TestData.bytes("iracing/formulavee_tsukuba.ibt"))
        let rowOffset = { (row: Int) in raw.bufferOffset(0) + row * raw.bufferLength }
        #expect(events[1].data["lastLapTime"] == .float(Float(raw.value("LapLastLapTime", rowOffset: rowOffset(1774)) ?? 0)))
        #expect(events[2].data["lastLapTime"] == .float(Float(raw.value("LapLastLapTime", rowOffset: rowOffset(3238)) ?? 0)))
        #expect(events[1].data["lastLapTime"]?.doubleValue.map { abs($0 - 25.9145) < 0.001 } == true)

        // Session info and the registry.
        #expect(hub.sessionInfo?.data["WeekendInfo"]?["TrackDisplayName"] == .string("Tsukuba Circuit 1k Outer"))
        #expect(hub.layout?.fields.count == 270)
        #expect(hub.layout?.rowSize == 1051)
        #expect(harness.registry.entries().first { $0.info.name == "Speed" }?.providers == ["iracing"])
    }

    @Test("loop: the replay starts again at the first row on the same 60 Hz timeline")
    func loops() async throws {
        let ticks = try sessionTicks("w13_redbullring.ibt")
        let duration = Double(ticks.last! - ticks.first!) / 60
        let (harness, clock, log) = try await run(
            IRacingConfig(ibt: TestData.path("iracing/w13_redbullring.ibt"), loop: true), until: 2 * duration + 1)
        let deadlines = clock.deadlines
        #expect(deadlines.count > 2 * ticks.count, "more than two passes")
        // The second pass starts one tick after the end of the first.
        let secondStart = deadlines[ticks.count]
        #expect(abs(secondStart - deadlines[ticks.count - 1] - 1.0 / 60) < 1e-9)
        for i in 0..<10 {
            #expect(abs(deadlines[ticks.count + i] - secondStart - Double(ticks[i] - ticks[0]) / 60) < 1e-6)
        }
        let wrapped = log.all.first { $0.seq == UInt64(ticks.count + 1) }
        #expect(wrapped?.tick == ticks[0], "frame \(ticks.count + 1) is the first row again")
        #expect(harness.hub.status.connected, "a looping replay never ends")
    }

    @Test("a looping replay at speed 0 stops promptly when its task is cancelled")
    func cancellation() async throws {
        let harness = SourceHarness(clock: SystemClock())
        let source = try harness.source(IRacingConfig(ibt: TestData.path("iracing/w13_redbullring.ibt"), speed: 0, loop: true))
        let task = Task { try await source.run(output: harness.hub) }
        await waitUntil(timeout: 10) { (harness.hub.latestFrame?.seq ?? 0) >= 1000 }
        #expect((harness.hub.latestFrame?.seq ?? 0) >= 1000, "more than two passes of 390 rows")
        let cancelled = ContinuousClock.now
        task.cancel()
        try await task.value
        #expect(ContinuousClock.now - cancelled < .milliseconds(900), "bound loosened for the parallel test run")
    }

    @Test("a dropped sim frame keeps its gap on the timeline; a long gap is clamped to one second")
    func ticksWithGaps() async throws {
        let layout = SyntheticLayout([SyntheticVariable(name: "SessionTick", type: 2), SyntheticVariable(name: "Speed", type: 4)])
        let ticks: [Double] = [100, 101, 103, 104, 5000, 5001]
        let bytes = layout.ibtFile(sessionInfo: syntheticSessionInfo(), rows: ticks.map { layout.row(["SessionTick": [$0]]) })
        let path = temporaryPath("gaps.ibt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let (harness, clock, _) = try await run(IRacingConfig(ibt: path), until: 10)
        let expected: [Double] = [0, 1, 3, 4, 64, 65].map { $0 / 60 }
        #expect(clock.deadlines.count == expected.count)
        for (deadline, want) in zip(clock.deadlines, expected) { #expect(abs(deadline - want) < 1e-9) }
        #expect(harness.hub.latestFrame?.value(named: "SessionTick") == .int(5001))
        #expect(harness.hub.events(after: 0).events.map(\.name) == ["sessionInfoChanged"], "no lap counters, no lap events")
    }

    @Test("the ibt path is relative to the config file's folder; a missing file is named in the error")
    func paths() throws {
        let harness = SourceHarness(clock: ScriptedClock(end: 0), configDirectory: TestData.path("iracing"))
        let source = try harness.source(IRacingConfig(ibt: "w13_redbullring.ibt"))
        guard case let .replay(file) = source.input else {
            Issue.record("expected a replay")
            return
        }
        #expect(file.path == TestData.path("iracing/w13_redbullring.ibt"))
        #expect {
            _ = try harness.source(IRacingConfig(ibt: "missing.ibt"))
        } throws: { error in
            let text = "\(error)"
            return text.contains(TestData.path("iracing/missing.ibt")) && text.contains("No such file")
        }
    }
}
