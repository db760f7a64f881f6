import BrokerCore
import Foundation
import Synchronization
import Testing

@testable import IRacingSource

/// Files that vanish or shrink while the source reads them: the status turns
/// `connected: false` with the reason, each problem is logged once, nothing is read past a file's end
/// (a mapped file would fault the whole broker with SIGBUS here), and the source picks up cleanly when
/// the file is back. Virtual time, so each test takes a fraction of a second.
@Suite("files that vanish or shrink while in use")
struct FileFaultTests {
    /// What the script saw at one moment: the status and the newest frame's Speed / SessionTick.
    struct Observation {
        var time: Double
        var connected: Bool
        var reason: String?
        var seq: UInt64?
        var speed: Double?
        var tick: Int64?
    }

    final class Recorder: @unchecked Sendable {
        private let lines = Mutex<[Observation]>([])
        let hub = Mutex<SourceHub?>(nil)

        func observe(at time: Double) {
            guard let hub = hub.withLock({ $0 }) else { return }
            let status = hub.status
            let frame = hub.latestFrame
            let observation = Observation(
                time: time, connected: status.connected, reason: JSONValue.object(status.details)["reason"]?.stringValue, seq: frame?.seq,
                speed: frame?.value(named: "Speed")?.doubleValue, tick: frame?.value(named: "SessionTick")?.intValue)
            lines.withLock { $0.append(observation) }
        }

        var all: [Observation] { lines.withLock { $0 } }
        func at(_ time: Double) -> Observation? { all.last { $0.time <= time + 1e-9 } }
        func between(_ start: Double, _ end: Double) -> [Observation] { all.filter { $0.time >= start && $0.time <= end } }
    }

    let layout = SyntheticLayout.standard

    /// Cuts the file at `path` to `length` bytes in place (same inode, as a writer truncating it would).
    static func truncate(_ path: String, to length: Int) {
        #expect(Foundation.truncate(path, off_t(length)) == 0, "truncate \(path)")
    }

    /// Rewrites the file at `path` in place with `contents` (same inode).
    static func rewrite(_ path: String, _ contents: [UInt8]) {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            Issue.record("cannot open \(path) for writing")
            return
        }
        defer { try? handle.close() }
        try? handle.truncate(atOffset: 0)
        handle.write(Data(contents))
    }

    // MARK: - memory_file

    /// A memory file whose writer truncates it while the reader is half-way through copying a row:
    /// the SIGBUS case of a mapped file. The test's `TruncatingFile` runs the truncation between the
    /// two halves of the copy.
    final class TruncatingFile: IRSDKSharedMemory, @unchecked Sendable {
        let file: TelemetryFile
        let rowLength: Int
        let duringRowCopy: @Sendable () -> Void
        var size: Int { file.size }

        init(file: TelemetryFile, rowLength: Int, duringRowCopy: @escaping @Sendable () -> Void) {
            self.file = file
            self.rowLength = rowLength
            self.duringRowCopy = duringRowCopy
        }

        func copyBytes(from offset: Int, count: Int) -> [UInt8] {
            guard count == rowLength else { return file.copyBytes(from: offset, count: count) }
            let first = file.copyBytes(from: offset, count: count / 2)
            duringRowCopy()
            return first + file.copyBytes(from: offset + count / 2, count: count - count / 2)
        }

        func int32(at offset: Int) -> Int32? { file.int32(at: offset) }
    }

    struct TruncatingProvider: LiveMemoryProvider {
        let path: String
        let rowLength: Int
        let duringRowCopy: @Sendable () -> Void
        var mode: String { "memory_file" }
        func open() throws -> TruncatingFile {
            let file = try MemoryFileProvider(path: path).open()
            return TruncatingFile(file: file, rowLength: rowLength, duringRowCopy: duringRowCopy)
        }
        func hasChanged(_ memory: TruncatingFile) -> Bool { memory.file.hasChanged() }
        func waitForData(in memory: TruncatingFile?, until deadline: Double, clock: any BrokerClock) async throws {
            try await clock.sleep(until: deadline)
        }
    }

    @Test("a memory file truncated in the middle of a row copy: no fault, connected false, then followed again once rewritten")
    func memoryFileTruncatedMidRow() async throws {
        let path = temporaryPath("truncated.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try FileDestination(path: path, contents: layout.liveMap(sessionInfo: syntheticSessionInfo(), update: 1))
        let sim = SyntheticSim(layout: layout, destination: file)
        let recorder = Recorder()
        // Phases: the sim writes rows (Speed = row number) until t = 1, truncates the file to 50
        // bytes during the reader's next row copy, leaves it cut until t = 3, then writes the whole
        // map back in place and goes on writing rows.
        let state = Mutex((written: 0, cutRequested: false, cut: false, restored: false))
        let duringRowCopy: @Sendable () -> Void = {
            state.withLock { state in
                guard state.cutRequested, !state.cut else { return }
                state.cut = true
                FileFaultTests.truncate(path, to: 50)
            }
        }
        let clock = ScriptedClock(end: 5) { now in
            state.withLock { state in
                if now >= 1, !state.cutRequested {
                    state.cutRequested = true
                    state.written += 1
                    sim.writeRow(["Speed": [Double(state.written)]])
                }
                if now >= 3, !state.restored {
                    state.restored = true
                    FileFaultTests.rewrite(path, self.layout.liveMap(sessionInfo: syntheticSessionInfo(), update: 1))
                    sim.restart(["Speed": [1000]], tick: 1)
                }
                let writing = now < 1 || now >= 3
                while writing, Double(state.written) / 60 <= now {
                    state.written += 1
                    sim.writeRow(["Speed": [Double(state.written) + (now >= 3 ? 1000 : 0)]])
                }
            }
            recorder.observe(at: now)
        }
        let harness = SourceHarness(clock: clock)
        recorder.hub.withLock { $0 = harness.hub }
        let follower = LiveFollower(
            provider: TruncatingProvider(path: path, rowLength: layout.rowLength, duringRowCopy: duringRowCopy), hub: harness.hub,
            clock: clock, logger: harness.context.logger)
        do { try await follower.run() } catch is CancellationError {}

        #expect(state.withLock { $0.cut }, "the truncation happened during a row copy")
        #expect(recorder.at(0.9)?.connected == true)
        let cut = recorder.between(1.1, 2.9)
        #expect(!cut.isEmpty && cut.allSatisfy { !$0.connected }, "not connected while the file is cut short")
        #expect(cut.last?.reason?.contains("too short for an irsdk map") == true, "\(cut.last?.reason ?? "no reason")")
        // The row being copied when the file was cut (the one written at t = 1) is never served.
        let speedBeforeCut = try #require(recorder.at(1.0)?.speed)
        #expect(cut.allSatisfy { $0.speed == speedBeforeCut }, "no frame from a half-read row")
        #expect(recorder.at(3.5)?.connected == true, "followed again once the map is whole")
        #expect((recorder.at(4.9)?.speed ?? 0) > 1000, "rows written after the restore are served")
        let warnings = harness.log.messages.filter { $0.hasPrefix("not connected") }
        #expect(warnings.count <= 3, "one line per status change, no flood: \(warnings)")
    }

    @Test("a memory file removed and created again: connected false with the reason, logged once, then followed")
    func memoryFileRemovedAndRecreated() async throws {
        let path = temporaryPath("removed.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var map = layout.liveMap(sessionInfo: syntheticSessionInfo(), update: 1)
        map.put(bytes: layout.row(["Speed": [11]]), at: layout.bufferOffset(2))
        _ = FileManager.default.createFile(atPath: path, contents: Data(map))
        let recorder = Recorder()
        let phase = Mutex(0)
        let clock = ScriptedClock(end: 6) { now in
            phase.withLock { phase in
                if now >= 0.5, phase == 0 {
                    phase = 1
                    try? FileManager.default.removeItem(atPath: path)
                }
                if now >= 3, phase == 1 {
                    phase = 2
                    var back = self.layout.liveMap(sessionInfo: syntheticSessionInfo(track: "Back Again"), update: 7)
                    back.put(Int32(99), at: 48)
                    back.put(bytes: self.layout.row(["Speed": [22]]), at: self.layout.bufferOffset(0))
                    _ = FileManager.default.createFile(atPath: path, contents: Data(back))
                }
            }
            recorder.observe(at: now)
        }
        let harness = SourceHarness(clock: clock)
        recorder.hub.withLock { $0 = harness.hub }
        try await harness.source(IRacingConfig(memoryFile: path)).run(output: harness.hub)

        #expect(recorder.at(0.4)?.speed == 11)
        let gone = recorder.between(0.6, 2.9)
        #expect(!gone.isEmpty && gone.allSatisfy { !$0.connected })
        #expect(gone.last?.reason?.contains("No such file") == true, "\(gone.last?.reason ?? "no reason")")
        #expect(harness.log.messages.filter { $0.contains("No such file") }.count == 1, "\(harness.log.messages)")
        #expect(recorder.at(4.5)?.connected == true)
        #expect(recorder.at(4.5)?.speed == 22)
        #expect(harness.hub.sessionInfo?.data["WeekendInfo"]?["TrackDisplayName"] == .string("Back Again"))
    }

    // MARK: - ibt

    /// A synthetic .ibt of `rows` rows, SessionTick = row, Speed = row + `speedOffset`.
    func ibt(rows: Int, speedOffset: Double = 0) -> [UInt8] {
        layout.ibtFile(
            sessionInfo: syntheticSessionInfo(),
            rows: (0..<rows).map { layout.row(["SessionTick": [Double($0)], "Speed": [Double($0) + speedOffset]]) })
    }

    @Test("an .ibt file cut short while it plays: connected false, never read past its end, replayed again once whole")
    func ibtTruncatedDuringReplay() async throws {
        let path = temporaryPath("cut.ibt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = ibt(rows: 600)
        _ = FileManager.default.createFile(atPath: path, contents: Data(whole))
        let recorder = Recorder()
        let phase = Mutex(0)
        let clock = ScriptedClock(end: 8) { now in
            phase.withLock { phase in
                if now >= 2, phase == 0 {
                    phase = 1
                    FileFaultTests.truncate(path, to: whole.count / 2)
                }
                if now >= 4, phase == 1 {
                    phase = 2
                    FileFaultTests.rewrite(path, self.ibt(rows: 600, speedOffset: 5000))
                }
            }
            recorder.observe(at: now)
        }
        let harness = SourceHarness(clock: clock)
        recorder.hub.withLock { $0 = harness.hub }
        try await harness.source(IRacingConfig(ibt: path)).run(output: harness.hub)

        #expect(recorder.at(1.9)?.connected == true)
        let cut = recorder.between(2.01, 3.99)
        #expect(!cut.isEmpty && cut.allSatisfy { !$0.connected }, "not connected while the file is cut short")
        let reasons = Set(cut.compactMap(\.reason))
        #expect(reasons.contains { $0.contains("truncated") || $0.contains("cut short") || $0.contains("changed size") }, "\(reasons)")
        // The row read just before the cut is still published; nothing after it.
        let lastTickBeforeCut = try #require(recorder.at(2.0)?.tick)
        #expect(cut.allSatisfy { ($0.tick ?? 0) <= lastTickBeforeCut + 1 }, "nothing past the cut was published")
        // Back: replayed from its start (SessionTick 0 again), with the new file's values.
        #expect(recorder.at(4.5)?.connected == true)
        let after = try #require(recorder.at(5)?.speed)
        #expect(after >= 5000 && after < 5000 + 120, "the restored file is replayed from its start: Speed \(after)")
        #expect(harness.log.messages.filter { $0.hasPrefix("replay stopped") }.count == 1, "\(harness.log.messages)")
        #expect(harness.log.messages.filter { $0.contains("replaying it from the start") }.count == 1)
    }

    @Test("an .ibt file removed while it plays: connected false, the path retried quietly, replayed again once it is back")
    func ibtRemovedDuringReplay() async throws {
        let path = temporaryPath("removed.ibt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(ibt(rows: 600)))
        let recorder = Recorder()
        let phase = Mutex(0)
        let clock = ScriptedClock(end: 20) { now in
            phase.withLock { phase in
                if now >= 1, phase == 0 {
                    phase = 1
                    try? FileManager.default.removeItem(atPath: path)
                }
                if now >= 15, phase == 1 {
                    phase = 2
                    _ = FileManager.default.createFile(atPath: path, contents: Data(self.ibt(rows: 600, speedOffset: 7000)))
                }
            }
            recorder.observe(at: now)
        }
        let harness = SourceHarness(clock: clock)
        recorder.hub.withLock { $0 = harness.hub }
        try await harness.source(IRacingConfig(ibt: path, loop: true)).run(output: harness.hub)

        let gone = recorder.between(2.1, 14.9)
        #expect(!gone.isEmpty && gone.allSatisfy { !$0.connected })
        #expect(gone.last?.reason?.contains("No such file") == true, "\(gone.last?.reason ?? "no reason")")
        // Retried once a second while it is missing, but said once.
        let retries = clock.deadlines.filter { $0 > 2 && $0 < 15 }.count
        #expect(retries >= 10 && retries <= 14, "\(retries) attempts in 13 s")
        #expect(harness.log.messages.filter { $0.contains("No such file") }.count == 1, "\(harness.log.messages)")
        #expect(recorder.at(16)?.connected == true)
        #expect((recorder.at(16)?.speed ?? 0) >= 7000)
    }
}
