import BrokerCore
import BrokerTestSupport
import Foundation
import ReplaySource
import Testing

/// A replay without `id` is named after the recorded source it plays, decided when the config
/// loads (so sinks' `sources:` lists can name it), and then plays exactly that source.
@Suite struct ReplayDefaultIDTests {
    static let loader = ConfigLoader(catalog: PluginCatalog(sources: [SourcePlugin(ReplaySource.self)], sinks: []))

    /// A folder with `race.ndjson` (sources `car` then `pit`, interleaved) and a config whose
    /// `sources:` are `entries`; the recording's path in it is relative to the config.
    func withConfig(_ entries: String, recording: String? = nil, _ body: (TemporaryConfig) throws -> Void) throws {
        let config = try TemporaryConfig("sources:\n\(entries)\nsinks: []\n", prefix: "replay-id")
        defer { config.remove() }
        let car = SampleRecording(source: "car", frames: 3).lines, pit = SampleRecording(source: "pit", frames: 3).lines
        let text = recording ?? zip(car, pit).flatMap { [$0, $1] }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: config.directory.appendingPathComponent("race.ndjson"))
        try body(config)
    }

    @Test func withoutAnIDItTakesTheFirstRecordedSourcesIDAndPlaysThatSource() throws {
        try withConfig("  - type: replay\n    path: race.ndjson") { file in
            let entry = try #require(try Self.loader.load(file: file.path).sources.first)
            #expect(entry.id == "car")
            #expect((entry.config as? ReplayConfig)?.source == "car")
        }
    }

    @Test func withSourceItTakesThatSourcesID() throws {
        try withConfig("  - type: replay\n    path: race.ndjson\n    source: pit") { file in
            let ids = try Self.loader.load(file: file.path).sources.map(\.id)
            #expect(ids == ["pit"])
        }
    }

    @Test func anExplicitIDWinsAndTheFileIsNotReadWhileLoading() throws {
        try withConfig("  - type: replay\n    id: rerun\n    path: race.ndjson") { file in
            let entry = try #require(try Self.loader.load(file: file.path).sources.first)
            #expect(entry.id == "rerun")
            #expect((entry.config as? ReplayConfig)?.source == nil, "the source to play is chosen when the replay starts")
        }
    }

    @Test func aRecordingThatNamesItsSourceOnlyInStatusLinesTakesTheFirstOfThem() throws {
        let status = RecordingLines.status(time: 1, [("lfs", .object([("connected", false)])), ("acc", .object([("connected", false)]))])
        try withConfig("  - type: replay\n    path: race.ndjson", recording: status + "\n") { file in
            let ids = try Self.loader.load(file: file.path).sources.map(\.id)
            #expect(ids == ["lfs"])
        }
    }

    @Test func aMissingUnreadableOrForeignFileLeavesTheTypeName() throws {
        try withConfig("  - type: replay\n    path: elsewhere.ndjson") { file in
            let ids = try Self.loader.load(file: file.path).sources.map(\.id)
            #expect(ids == ["replay"])
        }
        try withConfig("  - type: replay\n    path: race.ndjson", recording: "not a recording\n") { file in
            let ids = try Self.loader.load(file: file.path).sources.map(\.id)
            #expect(ids == ["replay"])
        }
        // A recorded id that is not a valid id (a hand-edited file) is not taken either.
        try withConfig("  - type: replay\n    path: race.ndjson", recording: SampleRecording(source: "my car!", frames: 2).text) { file in
            let ids = try Self.loader.load(file: file.path).sources.map(\.id)
            #expect(ids == ["replay"])
        }
    }

    @Test func twoReplaysOfOneSourceWithoutIDsAreTold() throws {
        try withConfig("  - type: replay\n    path: race.ndjson\n  - type: replay\n    path: race.ndjson") { file in
            let error = try #require(throws: ConfigErrors.self) { try Self.loader.load(file: file.path) }
            #expect(
                error.errors.map(\.message) == [
                    "duplicate source id 'car' (first used at line 2); this replay has no 'id' and is named after what it plays: give it an id"
                ])
        }
    }

    /// The real binary: a sink may name the replay by its recorded id, and what it writes is
    /// labelled with that id, as the original was.
    @Test func theBrokerPublishesTheReplayUnderTheRecordedID() async throws {
        let entries = "  - type: replay\n    path: race.ndjson"
        let sink = "sinks:\n  - type: stdout\n    sources: [pit]\n    path: replayed.ndjson\n    variables: all\n    rate: 1000\n"
        let config = try TemporaryConfig("sources:\n\(entries)\n\(sink)", prefix: "replay-id")
        defer { config.remove() }
        try Data(SampleRecording(source: "pit", frames: 5).text.utf8).write(to: config.directory.appendingPathComponent("race.ndjson"))
        let validation = try await BrokerProcess.run(["validate", "--config", config.path])
        #expect(validation.status == 0, "\(validation.stderr)")

        let output = config.directory.appendingPathComponent("replayed.ndjson").path
        func written() -> String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }
        try await withBroker(["--config", config.path]) { broker in
            let ended = await waitUntil(timeout: 20) { written().contains("\"reason\":\"end of recording\"") }
            broker.signal()
            #expect(await broker.wait(timeout: 5) == 0, "\(broker.stderr)")
            #expect(ended, "the replay did not reach its end: \(broker.stderr)")
        }
        let telemetry = written().split(separator: "\n").filter { $0.hasPrefix("{\"type\":\"telemetry\"") }
        #expect(!telemetry.isEmpty)
        #expect(telemetry.allSatisfy { $0.hasPrefix("{\"type\":\"telemetry\",\"source\":\"pit\",") })
        #expect(written().contains("\"sources\":{\"pit\":{\"connected\":false,\"type\":\"replay\""), "\(written())")
    }
}
