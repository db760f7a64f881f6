import BrokerCore
import BrokerTestSupport
import Foundation
import ReplaySource
import Synchronization
import Testing

/// The replay source against synthetic recordings, on a manual clock: what is restored, when.
@Suite struct ReplaySourceTests {
    @Test func restoresVariablesFramesEventsStatusAndSessionInfoAtTheRecordedTimes() async throws {
        let sample = SampleRecording()
        let file = try TemporaryFile(sample.text)
        let midRunStatus = Mutex<SourceStatus?>(nil)
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path)) { deadline, hub in
            if deadline > 0.5 && midRunStatus.withLock({ $0 }) == nil { midRunStatus.withLock { $0 = hub.status } }
        }
        #expect(run.error == nil)

        // Variables, with their recorded metadata.
        let layout = try #require(run.hub.layout)
        #expect(layout.fields.map(\.name) == SampleRecording.variables.map(\.name))
        #expect(layout.fields.map(\.type) == SampleRecording.variables.map(\.type))
        #expect(layout.fields.map(\.count) == SampleRecording.variables.map(\.count))
        let wheel = run.registry.info(try #require(run.registry.id(named: "WheelHeight")))
        #expect(wheel.unit == "m" && wheel.description == "Height of each wheel above the road" && wheel.count == 4)
        #expect(run.registry.entries().first { $0.info.name == "Odometer" }?.providers == ["car"])

        // Every frame, in order, value for value, at its recorded offset.
        #expect(run.frames.count == sample.frames)
        for (i, (time, frame)) in run.frames.enumerated() {
            #expect(dataText(of: frame, registry: run.registry) == SampleRecording.data(i), "frame \(i)")
            #expect(abs(time - Double(i) * sample.interval) < 1e-6, "frame \(i) at \(time)")
        }
        #expect(run.frames.map(\.frame.seq) == Array(1...UInt64(sample.frames)))

        // Events, session info and status.
        let events = run.hub.events(after: 0).events
        #expect(events.map(\.name) == ["lap"])
        #expect(events.first?.data == SampleRecording.lapEvent)
        #expect(run.hub.sessionInfo?.data == SampleRecording.sessionInfo)
        let during = try #require(midRunStatus.withLock { $0 })
        #expect(during.connected)
        #expect(JSONValue.object(during.details) == .object([("seed", 7), ("replay", true), ("recorded_source", "car"), ("recorded_type", "mock")]))
        #expect(!run.hub.status.connected)
        #expect(JSONValue.object(run.hub.status.details)["reason"] == "end of recording")
        #expect(JSONValue.object(run.hub.status.details)["replay"] == true)
    }

    @Test(arguments: [2.0, 0.5])
    func speedScalesTheSchedule(speed: Double) async throws {
        let sample = SampleRecording()
        let file = try TemporaryFile(sample.text)
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path, speed: speed))
        #expect(run.frames.count == sample.frames)
        for (i, (time, _)) in run.frames.enumerated() {
            #expect(abs(time - Double(i) * sample.interval / speed) < 1e-6, "frame \(i) at \(time)")
        }
    }

    @Test func speedZeroPlaysEverythingWithoutWaiting() async throws {
        let sample = SampleRecording(frames: 5000, interval: 1.0 / 60)
        let file = try TemporaryFile(sample.text)
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path, speed: 0))
        #expect(run.error == nil)
        #expect(run.clock.now() == 0, "a speed-0 replay slept")
        let last = try #require(run.hub.latestFrame)
        #expect(last.seq == 5000)
        #expect(dataText(of: last, registry: run.registry) == SampleRecording.data(4999))
        #expect(run.hub.events(after: 0).events.count == 1)
    }

    @Test func startSkipsTheBeginningButKeepsItsState() async throws {
        let sample = SampleRecording()
        let file = try TemporaryFile(sample.text)
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path, startSeconds: 0.61))
        #expect(run.error == nil)
        let first = 13  // the first frame at or after 0.61 s
        #expect(run.frames.count == sample.frames - first)
        for (offset, (time, frame)) in run.frames.enumerated() {
            #expect(dataText(of: frame, registry: run.registry) == SampleRecording.data(first + offset))
            #expect(abs(time - (Double(first + offset) * sample.interval - 0.61)) < 1e-6)
        }
        #expect(run.hub.events(after: 0).events.isEmpty, "the lap event before start_s was replayed")
        #expect(run.hub.sessionInfo?.data == SampleRecording.sessionInfo)
        #expect(run.hub.layout?.fields.count == SampleRecording.variables.count)
    }

    @Test func loopStartsAgainWithTheSameFramesAndOneLayout() async throws {
        let sample = SampleRecording()
        let file = try TemporaryFile(sample.text)
        let logs = LogCapture()
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path, loop: true), logs: logs, stopAfterFrames: sample.frames * 2 + 5)
        #expect(run.frames.count >= sample.frames * 2 + 5)
        for i in 0..<(sample.frames + 5) {
            let first = run.frames[i], again = run.frames[i + sample.frames]
            #expect(dataText(of: again.frame, registry: run.registry) == dataText(of: first.frame, registry: run.registry))
            #expect(again.frame.layout === first.frame.layout, "an unchanged declaration made a new layout")
        }
        let passLength = run.frames[sample.frames].time - run.frames[0].time
        #expect(abs(passLength - Double(sample.frames) * sample.interval) < 1e-6)
        #expect(run.hub.events(after: 0).events.count == 2)
        #expect(logs.warnings.isEmpty)
    }

    @Test func aLoopWithNothingAfterTheStartEndsInsteadOfSpinning() async throws {
        let file = try TemporaryFile(SampleRecording().text)
        let logs = LogCapture()
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path, loop: true, startSeconds: 100), logs: logs, stopAtClock: 1000)
        #expect(run.error == nil)
        #expect(run.frames.isEmpty)
        #expect(JSONValue.object(run.hub.status.details)["reason"] == "end of recording")
        #expect(logs.warnings.contains { $0.contains("no frames of source 'car' from start_s on; not looping") }, "\(logs.warnings)")
        #expect(run.hub.layout != nil, "the state before start_s was not restored")
    }

    @Test func severalSourcesPlayTheFirstOrTheChosenOne() async throws {
        var lines: [String] = []
        let a = SampleRecording(source: "a", frames: 6), b = SampleRecording(source: "b", frames: 8)
        // Interleave the two recordings line by line, as one sink recording two sources writes them.
        let linesA = a.lines, linesB = b.lines
        for i in 0..<max(linesA.count, linesB.count) {
            if i < linesA.count { lines.append(linesA[i]) }
            if i < linesB.count { lines.append(linesB[i]) }
        }
        let file = try TemporaryFile(lines.joined(separator: "\n") + "\n")

        let first = await ManualReplayRun.run(ReplayConfig(path: file.path))
        #expect(first.frames.count == 6)
        #expect(JSONValue.object(first.hub.status.details)["recorded_source"] == "a")

        let chosen = await ManualReplayRun.run(ReplayConfig(path: file.path, source: "b"))
        #expect(chosen.frames.count == 8)
        #expect(JSONValue.object(chosen.hub.status.details)["recorded_source"] == "b")

        let missing = await ManualReplayRun.run(ReplayConfig(path: file.path, source: "lfs"))
        let error = try #require(missing.error as? PluginError)
        #expect(error.description.contains("has no source 'lfs' (its sources: a, b)"), "\(error)")
        #expect(missing.frames.isEmpty)
    }

    @Test func badLinesAreSkippedWithOneWarningEach() async throws {
        let sample = SampleRecording()
        var lines = sample.lines
        let complete = lines.count
        lines.insert("this is {not json", at: 8)
        lines.insert(#"{"type":"lapchart","source":"car","time":1700000000.5,"data":{}}"#, at: 12)
        let truncated = RecordingLines.telemetry("car", seq: 99, time: sample.time(ofFrame: 30), data: SampleRecording.data(1))
        let text = lines.joined(separator: "\n") + "\n" + truncated.prefix(truncated.count / 2)
        let file = try TemporaryFile(text)
        let logs = LogCapture()
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path), logs: logs)
        #expect(run.error == nil)
        #expect(lines.count == complete + 2)
        #expect(run.frames.count == sample.frames, "good frames were lost")
        for (i, (_, frame)) in run.frames.enumerated() {
            #expect(dataText(of: frame, registry: run.registry) == SampleRecording.data(i))
        }
        let warnings = logs.warnings
        #expect(warnings.count == 3, "\(warnings)")
        #expect(warnings.contains { $0.contains("line 9 skipped: not JSON") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("line 13 skipped: unknown line type 'lapchart'") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("line \(lines.count + 1) skipped: truncated last line") }, "\(warnings)")
    }

    @Test func aLoopingReplayWarnsOnlyOnItsFirstPass() async throws {
        let file = try TemporaryFile(SampleRecording(frames: 4).text + "garbage\n")
        let logs = LogCapture()
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path, loop: true), logs: logs, stopAfterFrames: 13)
        #expect(run.frames.count >= 13)
        #expect(logs.warnings.count == 1, "\(logs.warnings)")
    }

    @Test func aDamagedDeclarationKeepsItsValidVariables() async throws {
        let t0 = SampleRecording.startTime
        let declare =
            #"{"type":"declare","source":"car","time":\#(t0),"variables":[{"name":"Speed","type":"float","count":1,"unit":"m/s","desc":""},{"name":"Huge","type":"float","count":1000000000000},{"name":"Odd","type":"quaternion"},{"type":"int"},{"name":"Gear","type":"int"}]}"#
        let text =
            [declare, RecordingLines.telemetry("car", seq: 1, time: t0, data: #"{"Speed":12.5,"Huge":1,"Gear":3}"#)].joined(separator: "\n") + "\n"
        let file = try TemporaryFile(text)
        let logs = LogCapture()
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path), logs: logs)
        let frame = try #require(run.frames.last?.frame)
        #expect(frame.layout.fields.map(\.name) == ["Speed", "Gear"])
        #expect(dataText(of: frame, registry: run.registry) == #"{"Speed":12.5,"Gear":3}"#)
        #expect(logs.warnings.count == 1 && logs.warnings[0].contains("3 entries of its variables are not valid"), "\(logs.warnings)")
    }

    @Test func telemetryBeforeItsDeclarationIsSkippedWithOneWarning() async throws {
        let t0 = SampleRecording.startTime
        let lines = (0..<5).map { RecordingLines.telemetry("car", seq: $0, time: t0 + Double($0), data: #"{"Speed":1}"#) }
        let file = try TemporaryFile(lines.joined(separator: "\n") + "\n")
        let logs = LogCapture()
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path, speed: 0), logs: logs)
        #expect(run.error == nil)
        #expect(run.hub.latestFrame == nil)
        #expect(logs.warnings.count == 1 && logs.warnings[0].contains("telemetry before any declare line"), "\(logs.warnings)")
    }

    @Test func appendedSessionsPlayOnWithoutWaitingThroughTheGap() async throws {
        let first = SampleRecording(frames: 5)
        var second = SampleRecording(frames: 5)
        second.interval = 0.05
        // The second session starts three hours later; its frames carry later times.
        let later = second.lines.map { line in
            line.replacingOccurrences(of: "\"time\":1700000000.", with: "\"time\":1700010800.")
        }
        let file = try TemporaryFile(first.text + later.joined(separator: "\n") + "\n")
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path))
        #expect(run.frames.count == 10)
        let total = try #require(run.frames.last?.time)
        #expect(total < 1, "the replay waited through the gap between sessions (\(total) s)")
    }
}
