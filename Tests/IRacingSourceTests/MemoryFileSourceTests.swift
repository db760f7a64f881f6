import BrokerCore
import BrokerTestSupport
import Foundation
import Synchronization
import Testing

@testable import IRacingSource

/// The `memory_file:` mode end to end: the source maps a file, follows a writer updating it in place,
/// and publishes frames, status, session info and events into its hub. A `ScriptedClock` plays the
/// sim at given virtual times, so every run is fast and deterministic.
@Suite("memory_file source")
struct MemoryFileSourceTests {
    /// What the script saw at one moment.
    struct Observation {
        var time: Double
        var connected: Bool
        var reason: String?
        var seq: UInt64?
        var speed: Double?
    }

    final class Recorder: @unchecked Sendable {
        private let lines = Mutex<[Observation]>([])
        func add(_ o: Observation) { lines.withLock { $0.append(o) } }
        var all: [Observation] { lines.withLock { $0 } }
        /// The last observation at or before `time`.
        func at(_ time: Double) -> Observation? { all.last { $0.time <= time + 1e-9 } }
    }

    static func observe(_ hub: SourceHub, at time: Double, into recorder: Recorder) {
        let status = hub.status
        let frame = hub.latestFrame
        recorder.add(
            Observation(
                time: time, connected: status.connected, reason: JSONValue.object(status.details)["reason"]?.stringValue,
                seq: frame?.seq, speed: frame?.value(named: "Speed")?.doubleValue))
    }

    @Test(
        "the real live-memory snapshot through memory_file: newest buffer, session info, then stale",
        .enabled(if: TestData.isAvailable, "needs ../shared/data"))
    func realSnapshot() async throws {
        let recorder = Recorder()
        let hubBox = Mutex<SourceHub?>(nil)
        let clock = ScriptedClock(end: 3) { now in
            if let hub = hubBox.withLock({ $0 }) { MemoryFileSourceTests.observe(hub, at: now, into: recorder) }
        }
        let harness = SourceHarness(clock: clock)
        hubBox.withLock { $0 = harness.hub }
        let path = TestData.path("iracing/w13_monza_livemem.bin")
        let source = try harness.source(IRacingConfig(memoryFile: path))
        try await source.run(output: harness.hub)

        let hub = harness.hub
        let frame = try #require(hub.latestFrame)
        #expect(frame.seq == 1, "a snapshot never changes: one frame")
        #expect(frame.value(named: "SessionTick") == .int(3443), "from buffer 1, the newest (tickCount 2005)")
        let raw = RawIRSDK(bytes: try TestData.bytes("iracing/w13_monza_livemem.bin"))
        #expect(frame.row == Array(raw.bytes[1_138_800..<(1_138_800 + 8154)]))
        #expect(frame.value(named: "CarIdxLapDistPct")?.arrayValue?.count == 64)
        #expect(hub.layout?.fields.count == 323)
        #expect(hub.sessionInfo?.data["WeekendInfo"]?["TrackDisplayName"] == .string("Autodromo Nazionale Monza"))
        let events = hub.events(after: 0).events
        #expect(events.map(\.name) == ["sessionInfoChanged"])
        #expect(events.first?.data == .object([("update", .int(3))]))

        // Connected at once; disconnected 2 s after the only tick, with the reason in the status.
        #expect(recorder.at(1.9)?.connected == true)
        #expect(recorder.at(2.1)?.connected == false)
        #expect(recorder.at(2.1)?.reason == "no new data for 2 s: the sim is paused or gone")
        #expect(hub.status.connected == false)
        #expect(JSONValue.object(hub.status.details)["mode"] == .string("memory_file"))
        let registry = harness.registry
        #expect(registry.entries().first { $0.info.name == "CarIdxRPM" }?.providers == ["iracing"])
    }

    @Test("a synthetic sim writing a memory file: rows at 60 Hz, laps, session info, restart, staleness")
    func syntheticWriter() async throws {
        let layout = SyntheticLayout.standard
        let path = temporaryPath("live.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try FileDestination(path: path, contents: layout.liveMap(sessionInfo: syntheticSessionInfo(), update: 1))
        let sim = SyntheticSim(layout: layout, destination: file)
        let recorder = Recorder()
        let hubBox = Mutex<SourceHub?>(nil)
        let written = Mutex(0)

        // The sim's script: row k at t = k/60 for k = 0...180 (Speed = k); lap 1 is completed at row
        // 60 and its time appears 10 rows later; a second driver joins at t = 1 (session info update
        // 2); the sim restarts its counters at row 120 (a new session, lap counters back to 0); it
        // stops writing after t = 3.
        let clock = ScriptedClock(end: 6) { now in
            guard let hub = hubBox.withLock({ $0 }) else { return }
            written.withLock { count in
                while count <= 180, Double(count) / 60 <= now + 1e-9 {
                    let completed = (60..<120).contains(count) ? 1.0 : 0.0
                    let lapTime = (70..<120).contains(count) ? 61.25 : 0.0
                    if count == 120 {
                        sim.restart(["Speed": [Double(count)], "LapCompleted": [0], "Lap": [1]], tick: 1)
                    } else {
                        sim.writeRow(["Speed": [Double(count)], "LapCompleted": [completed], "Lap": [completed + 1], "LapLastLapTime": [lapTime]])
                    }
                    if count == 60 { sim.setSessionInfo(syntheticSessionInfo(drivers: ["Ada Driver", "Bo Racer"]), update: 2) }
                    count += 1
                }
            }
            MemoryFileSourceTests.observe(hub, at: now, into: recorder)
        }
        let harness = SourceHarness(clock: clock)
        hubBox.withLock { $0 = harness.hub }
        let source = try harness.source(IRacingConfig(memoryFile: path))
        try await source.run(output: harness.hub)
        let hub = harness.hub

        // Frames follow the sim: half a tick after row k was written, row k is the one served.
        // (An observation shows the hub as the poll before it left it.)
        for k in [1, 30, 60, 90, 119, 120, 121, 150, 180] {
            let seen = try #require(recorder.at(Double(k) / 60 + 1.0 / 120))
            #expect(seen.connected, "connected at row \(k)")
            #expect(seen.speed == Double(k), "row \(k)")
        }
        let frames = try #require(hub.latestFrame?.seq)
        #expect(frames == 182, "the initial row and then every one of the 181 rows written, none lost")

        // Session info: first text, then the update with the second driver, each with an event.
        #expect(hub.sessionInfo?.data["DriverInfo"]?["Drivers"]?[1]?["UserName"] == .string("Bo Racer"))
        let events = hub.events(after: 0).events
        let sessionEvents = events.filter { $0.name == "sessionInfoChanged" }.map(\.data)
        #expect(sessionEvents.first == .object([("update", .int(1))]))
        #expect(sessionEvents.contains(.object([("update", .int(2))])))

        // One lap event, carrying the lap time that came 10 rows after the counter.
        let laps = events.filter { $0.name == "lap" }.map(\.data)
        #expect(laps == [.object([("lap", .int(1)), ("lastLapTime", .float(61.25))])])

        // The restart was noticed (and its rows followed, checked above at rows 120 and 121).
        #expect(harness.log.messages.filter { $0.contains("the sim restarted") }.count == 1)

        // Writing stopped at t = 3: disconnected 2 s later, and said once in the log.
        #expect(recorder.at(4.9)?.connected == true)
        #expect(recorder.at(5.1)?.connected == false)
        #expect(harness.log.messages.filter { $0.contains("no new data for 2 s") }.count == 1)
    }

    @Test("a memory file that does not exist yet: waiting with the reason, logged once, then followed")
    func fileAppearsLater() async throws {
        let layout = SyntheticLayout.standard
        let path = temporaryPath("later.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recorder = Recorder()
        let hubBox = Mutex<SourceHub?>(nil)
        let created = Mutex(false)
        let clock = ScriptedClock(end: 10) { now in
            guard let hub = hubBox.withLock({ $0 }) else { return }
            if now >= 5, !created.withLock({ $0 }) {
                created.withLock { $0 = true }
                var map = layout.liveMap(sessionInfo: syntheticSessionInfo(), update: 1)
                map.put(bytes: layout.row(["Speed": [33]]), at: layout.bufferOffset(2))
                _ = FileManager.default.createFile(atPath: path, contents: Data(map))
            }
            MemoryFileSourceTests.observe(hub, at: now, into: recorder)
        }
        let harness = SourceHarness(clock: clock)
        hubBox.withLock { $0 = harness.hub }
        try await harness.source(IRacingConfig(memoryFile: path)).run(output: harness.hub)

        #expect(recorder.at(4)?.connected == false)
        #expect(recorder.at(4)?.reason?.contains("No such file") == true)
        #expect(recorder.at(4)?.reason?.contains(path) == true)
        #expect(
            harness.log.messages.filter { $0.contains("No such file") }.count == 1,
            "one warning, not one per retry: \(harness.log.messages)")
        #expect(recorder.at(6.5)?.connected == true)
        #expect(recorder.at(6.5)?.speed == 33)
    }

    @Test("a memory file replaced by another (renamed over it) is mapped again and re-declared")
    func fileReplaced() async throws {
        let first = SyntheticLayout.standard
        let second = {
            var layout = SyntheticLayout([SyntheticVariable(name: "Speed", type: 4), SyntheticVariable(name: "Throttle", type: 4)])
            layout.bufferCount = 1
            return layout
        }()
        let path = temporaryPath("replaced.bin")
        let staging = path + ".new"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var map = first.liveMap(sessionInfo: syntheticSessionInfo())
        map.put(bytes: first.row(["Speed": [1]]), at: first.bufferOffset(2))
        _ = FileManager.default.createFile(atPath: path, contents: Data(map))
        let replaced = Mutex(false)
        let hubBox = Mutex<SourceHub?>(nil)
        let recorder = Recorder()
        let clock = ScriptedClock(end: 1.5) { now in
            if now >= 0.5, !replaced.withLock({ $0 }) {
                replaced.withLock { $0 = true }
                var other = second.liveMap(sessionInfo: syntheticSessionInfo(track: "Second Track"), update: 1)
                other.put(Int32(50), at: 48)
                other.put(bytes: second.row(["Speed": [2], "Throttle": [0.5]]), at: second.bufferOffset(0))
                _ = FileManager.default.createFile(atPath: staging, contents: Data(other))
                _ = rename(staging, path)
            }
            if let hub = hubBox.withLock({ $0 }) { MemoryFileSourceTests.observe(hub, at: now, into: recorder) }
        }
        let harness = SourceHarness(clock: clock)
        hubBox.withLock { $0 = harness.hub }
        try await harness.source(IRacingConfig(memoryFile: path)).run(output: harness.hub)

        #expect(recorder.at(0.4)?.speed == 1)
        let frame = try #require(harness.hub.latestFrame)
        #expect(frame.value(named: "Speed") == .float(2))
        #expect(frame.value(named: "Throttle") == .float(0.5))
        #expect(harness.hub.layout?.fields.count == 2)
        #expect(harness.hub.sessionInfo?.data["WeekendInfo"]?["TrackDisplayName"] == .string("Second Track"))
    }

    @Test(
        "a malformed memory file: not connected with the parser's reason, said once over many polls",
        .enabled(if: TestData.isAvailable, "needs ../shared/data"))
    func malformedFile() async throws {
        let harness = SourceHarness(clock: ScriptedClock(end: 1))
        let path = TestData.path("iracing/truncated_fragment.ibt")
        try await harness.source(IRacingConfig(memoryFile: path)).run(output: harness.hub)
        #expect(!harness.hub.status.connected)
        let reason = JSONValue.object(harness.hub.status.details)["reason"]?.stringValue ?? ""
        #expect(reason.hasPrefix("the map is not readable: not an irsdk header: version is 1635021600"))
        #expect(harness.log.count(at: .warning) == 1, "\(harness.log.messages)")
        #expect(harness.hub.latestFrame == nil)
        #expect(harness.hub.layout == nil)
    }

    /// A memory file whose row copies the sim tears: half the row is copied, the sim rewrites the
    /// slot with a newer row (and tick), then the other half is copied, a genuinely mixed row.
    final class TearingFile: IRSDKSharedMemory, @unchecked Sendable {
        let file: TelemetryFile
        let rowLength: Int
        let tear: @Sendable (Int) -> Bool
        var size: Int { file.size }

        init(file: TelemetryFile, rowLength: Int, tear: @escaping @Sendable (Int) -> Bool) {
            self.file = file
            self.rowLength = rowLength
            self.tear = tear
        }

        func copyBytes(from offset: Int, count: Int) -> [UInt8] {
            guard count == rowLength else { return file.copyBytes(from: offset, count: count) }
            let half = count / 2
            let first = file.copyBytes(from: offset, count: half)
            _ = tear(offset)
            return first + file.copyBytes(from: offset + half, count: count - half)
        }

        func int32(at offset: Int) -> Int32? { file.int32(at: offset) }
    }

    struct TearingProvider: LiveMemoryProvider {
        let path: String
        let rowLength: Int
        let tear: @Sendable (Int) -> Bool
        var mode: String { "memory_file" }
        func open() throws -> TearingFile { TearingFile(file: try TelemetryFile(path: path), rowLength: rowLength, tear: tear) }
        func hasChanged(_ memory: TearingFile) -> Bool { memory.file.hasChanged() }
        func waitForData(in memory: TearingFile?, until deadline: Double, clock: any BrokerClock) async throws {
            try await clock.sleep(until: deadline)
        }
    }

    @Test("torn copies of a memory file are never published; 64-slot arrays arrive whole")
    func tornReadsThroughAFile() async throws {
        let layout = SyntheticLayout.standard
        let path = temporaryPath("torn.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try FileDestination(path: path, contents: layout.liveMap(sessionInfo: syntheticSessionInfo()))
        let sim = SyntheticSim(layout: layout, destination: file)
        /// Row k: Speed k, RPM 10k, CarIdxLapDistPct[i] = k + i, CarIdxPosition[i] = k - i.
        let values: @Sendable (Int) -> [String: [Double]] = { k in
            [
                "Speed": [Double(k)], "RPM": [Double(10 * k)], "CarIdxLapDistPct": (0..<64).map { Double(k + $0) },
                "CarIdxPosition": (0..<64).map { Double(k - $0) },
            ]
        }
        let state = Mutex((written: 0, tears: 0, frames: [Frame]()))
        // Every third row the sim laps the buffers during the reader's copy and rewrites that slot.
        let tear: @Sendable (Int) -> Bool = { offset in
            state.withLock { state in
                guard state.written % 3 == 0 else { return false }
                let slot = (offset - layout.firstBufferOffset) / layout.bufferStride
                state.written += 1
                state.tears += 1
                sim.write(values(state.written), tick: sim.tick + 1, slot: slot)
                return true
            }
        }
        let hubBox = Mutex<SourceHub?>(nil)
        let clock = ScriptedClock(end: 2) { now in
            guard let hub = hubBox.withLock({ $0 }) else { return }
            state.withLock { state in
                if let frame = hub.latestFrame, frame.seq != state.frames.last?.seq { state.frames.append(frame) }
                while Double(state.written) / 60 <= now {
                    state.written += 1
                    sim.writeRow(values(state.written))
                }
            }
        }
        let harness = SourceHarness(clock: clock)
        hubBox.withLock { $0 = harness.hub }
        let follower = LiveFollower(
            provider: TearingProvider(path: path, rowLength: layout.rowLength, tear: tear), hub: harness.hub, clock: clock,
            logger: harness.context.logger)
        do { try await follower.run() } catch is CancellationError {}

        let (tears, frames) = state.withLock { ($0.tears, $0.frames) }
        #expect(tears > 10, "the sim tore \(tears) copies")
        #expect(frames.count > 60, "\(frames.count) frames")
        for frame in frames where frame.value(named: "Speed")?.doubleValue ?? 0 > 0 {
            let k = try #require(frame.value(named: "Speed")?.doubleValue)
            #expect(frame.value(named: "RPM")?.doubleValue == 10 * k, "frame \(frame.seq) is one row, not two")
            #expect(frame.value(named: "CarIdxLapDistPct") == .array((0..<64).map { .float(Float(k) + Float($0)) }))
            #expect(frame.value(named: "CarIdxPosition") == .array((0..<64).map { .int(Int64(k) - Int64($0)) }))
        }
        let speeds = frames.compactMap { $0.value(named: "Speed")?.doubleValue }
        #expect(speeds == speeds.sorted(), "rows come in order")
    }
}

/// Live mode off Windows: the tmpfs file a Wine/Proton bridge backs the sim's map with, at a
/// temporary `shm_path`. It appears after a while, and is then replaced by another snapshot (the sim
/// restarted, so the bridge made a new file): the values follow.
@Suite("live mode via shm_path")
struct SharedMemoryPathTests {
    @Test(
        "the bridge's file appears, then is replaced by another snapshot: values follow",
        .enabled(if: TestData.isAvailable, "needs ../shared/data"))
    func fileAppearsThenIsReplaced() async throws {
        let player = try LiveSnapshotPlayer(map: try TestData.bytes("iracing/w13_monza_livemem.bin"))
        let path = temporaryPath("IRSDKMemMapFileName")
        defer { try? FileManager.default.removeItem(atPath: path) }
        /// Writes a snapshot to a file beside `path` and renames it over `path` (a new file, as a
        /// bridge makes when the sim restarts).
        @Sendable func install(_ map: [UInt8]) {
            let staging = path + ".new"
            FileManager.default.createFile(atPath: staging, contents: Data(map))
            _ = rename(staging, path)
        }
        let seen = Mutex<[(time: Double, connected: Bool, speed: Double?)]>([])
        let hubBox = Mutex<SourceHub?>(nil)
        let installed = Mutex(0)
        // The file appears at 1 s; the restarted sim's file replaces it at 2 s.
        let clock = ScriptedClock(end: 4) { now in
            installed.withLock { count in
                if count == 0, now >= 1 {
                    install(player.map(10))
                    count = 1
                }
                if count == 1, now >= 2 {
                    install(player.map(3, tickShift: -1000))
                    count = 2
                }
            }
            guard let hub = hubBox.withLock({ $0 }) else { return }
            seen.withLock { $0.append((now, hub.status.connected, hub.latestFrame?.value(named: "Speed")?.doubleValue)) }
        }
        let harness = SourceHarness(clock: clock)
        hubBox.withLock { $0 = harness.hub }
        let source = try harness.source(IRacingConfig(shmPath: path))
        try await source.run(output: harness.hub)
        let observations = seen.withLock { $0 }
        #expect(observations.filter { $0.time < 1 }.allSatisfy { !$0.connected && $0.speed == nil }, "waits while absent")
        #expect(observations.contains { $0.time > 1 && $0.time < 2 && $0.connected && $0.speed == 10 })
        #expect(observations.contains { $0.time > 2 && $0.connected && $0.speed == 3 }, "follows the replaced file")
        #expect(harness.log.messages.contains { $0.hasPrefix("the sim restarted") })
        #expect(JSONValue.object(harness.hub.status.details)["mode"] == .string("live"))
    }
}
