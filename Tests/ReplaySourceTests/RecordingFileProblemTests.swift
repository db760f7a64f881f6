import BrokerCore
import BrokerTestSupport
import Foundation
import ReplaySource
import Synchronization
import Testing

/// Files that are missing, empty, not recordings, or damaged: a clear error or a wait, never a
/// crash or a spin.
@Suite struct RecordingFileProblemTests {
    /// What a user might point `path` at by mistake, and what the error must say.
    static let notRecordings: [(name: String, bytes: [UInt8], suffix: String, expected: String)] = [
        ("text", Array("hello\nthis is a text file\n".utf8), ".txt", "none of its first 2 lines is a recording line; line 1 is not JSON"),
        ("JSON document", Array("{\n  \"sources\": [1, 2, 3]\n}\n".utf8), ".json", "line 1 is not JSON"),
        (
            "JSON lines of another kind", Array("{\"id\":1,\"name\":\"a\"}\n{\"id\":2,\"name\":\"b\"}\n".utf8), ".ndjson",
            "none of its first 2 lines is a recording line; line 1 has no type"
        ),
        ("binary .ibt", (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }, ".ibt", "type: iracing"),
        (
            "standard output capture", Array("{\"type\":\"telemetry\",\"source\":\"mock\",\"seq\":1,\"data\":{\"Speed\":1}}\n".utf8), ".ndjson",
            "captured from standard output"
        ),
    ]

    @Test(arguments: notRecordings.indices)
    func aFileThatIsNotARecordingIsAClearError(index: Int) async throws {
        let bad = Self.notRecordings[index]
        let file = try TemporaryFile(bytes: bad.bytes, suffix: bad.suffix)
        let logs = LogCapture()
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path), logs: logs)
        let error = try #require(run.error as? PluginError, "\(bad.name): no error")
        #expect(error.description.contains("\(file.path) is not a recording"), "\(bad.name): \(error)")
        #expect(error.description.contains(bad.expected), "\(bad.name): \(error)")
        #expect(!run.hub.status.connected)
        #expect(JSONValue.object(run.hub.status.details)["reason"]?.stringValue?.contains("is not a recording") == true)
        #expect(run.clock.now() == 0, "\(bad.name): retried a file that cannot become a recording")
    }

    @Test func aMissingFileIsWaitedForWithTheReasonInTheStatus() async throws {
        let file = TemporaryFile(missingWithSuffix: ".ndjson")
        let sample = SampleRecording(frames: 5)
        let seen = Mutex<[SourceStatus]>([])
        let logs = LogCapture()
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path), logs: logs) { _, hub in
            let count = seen.withLock { list in
                list.append(hub.status)
                return list.count
            }
            // The recording turns up after the third attempt.
            if count == 3 { try? Data(sample.text.utf8).write(to: URL(fileURLWithPath: file.path)) }
        }
        #expect(run.error == nil)
        let waiting = try #require(seen.withLock { $0.first })
        #expect(!waiting.connected)
        let reason = JSONValue.object(waiting.details)["reason"]?.stringValue ?? ""
        #expect(reason.contains("cannot open \(file.path): No such file or directory"), "\(reason)")
        #expect(JSONValue.object(waiting.details)["replay"] == true)
        #expect(run.frames.count == 5, "the replay did not start once the file appeared")
        #expect(run.frames.first.map { abs($0.time - 3 * ReplaySource.retryInterval) < 1e-6 } == true)
        #expect(logs.warnings.count == 1, "the wait was logged more than once: \(logs.warnings)")
    }

    @Test func anEmptyFileIsWaitedForToo() async throws {
        let file = try TemporaryFile("")
        let reasons = Mutex<[String]>([])
        let run = await ManualReplayRun.run(ReplayConfig(path: file.path), stopAtClock: 10) { _, hub in
            reasons.withLock { $0.append(JSONValue.object(hub.status.details)["reason"]?.stringValue ?? "") }
        }
        #expect(run.error == nil)
        #expect(reasons.withLock { $0 }.first == "recording \(file.path) is empty")
        #expect(run.frames.isEmpty)
    }

    @Test func aDirectoryIsNotReadAsARecording() async throws {
        let run = await ManualReplayRun.run(ReplayConfig(path: FileManager.default.temporaryDirectory.path), stopAtClock: 3)
        #expect(JSONValue.object(run.hub.status.details)["reason"]?.stringValue?.contains("it is a directory") == true)
    }

    /// Random damage to a good recording: every run ends (with or without an error) and whatever
    /// frames come out are well formed.
    @Test func damagedRecordingsNeverCrashOrHang() async throws {
        let good = Array(SampleRecording(frames: 12).text.utf8)
        var random = SystemRandomNumberGenerator()
        for round in 0..<100 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...400, using: &random)))
                case 2: bytes.insert(contentsOf: repeatElement(UInt8(ascii: "["), count: 5000), at: at)
                case 3:
                    bytes.insert(
                        contentsOf: Array(#"{"type":"declare","source":"car","time":1,"variables":[{"name":"X","type":"int","count":65536}]}"#.utf8)
                            + [0x0A], at: at)
                default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 300)], at: min(bytes.count, at + 300))
                }
                if bytes.isEmpty { bytes = [0x0A] }
            }
            let file = try TemporaryFile(bytes: bytes, suffix: ".ndjson")
            let run = await ManualReplayRun.run(ReplayConfig(path: file.path, speed: 0), logs: LogCapture(), stopAtClock: 5)
            if let error = run.error { #expect(error is PluginError, "round \(round): \(error)") }
            if let frame = run.hub.latestFrame {
                let message = BrokerMessages.telemetry(
                    sourceID: "car", frame: frame,
                    selection: VariableSelection.all.resolve(sourceID: "car", layout: frame.layout, registry: run.registry))
                #expect((try? JSONSerialization.jsonObject(with: Data(message))) != nil, "round \(round): a frame does not encode")
            }
        }
    }
}
