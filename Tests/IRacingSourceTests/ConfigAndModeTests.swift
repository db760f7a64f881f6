import BrokerCore
import BrokerTestSupport
import Foundation
import Testing

@testable import IRacingSource

/// A sink that does nothing, registered as `stdout` so the source's sample config (which pairs the
/// source with a stdout sink) can be loaded without the real sink.
struct NullSink: Sink {
    struct Config: PluginConfig {
        init(from decoder: any Decoder) throws {}
    }
    static let typeName = "stdout"
    static let summary = "test sink"
    static let sampleConfig = ""
    init(id: String, config: Config, context: PluginContext) throws {}
    func run(input: SinkInput) async throws {}
}

/// Cancellation is measured in wall time while the other suites run in parallel on the same cores,
/// so the bounds are looser than the 0.5 s contract; they still catch a wait that ignores cancellation.
@Suite("iracing config keys and live mode")
struct ConfigAndModeTests {
    let loader = ConfigLoader(catalog: PluginCatalog(sources: [SourcePlugin(IRacingSource.self)], sinks: [SinkPlugin(NullSink.self)]))

    func load(_ sourceLines: String) throws -> IRacingConfig {
        let text = "sources:\n  - type: iracing\n\(sourceLines)sinks:\n  - type: stdout\n"
        let config = try loader.load(text: text, file: "test.yaml")
        return try #require(config.sources.first?.config as? IRacingConfig)
    }

    /// The errors loading `sourceLines` gives, as `FILE:LINE:COLUMN: message` lines.
    func errors(_ sourceLines: String) -> [String] {
        let text = "sources:\n  - type: iracing\n\(sourceLines)sinks:\n  - type: stdout\n"
        return configErrors { try loader.load(text: text, file: "test.yaml") }
    }

    @Test("defaults and every key")
    func keys() throws {
        let defaults = try load("")
        #expect(defaults.ibt == nil && defaults.memoryFile == nil && defaults.speed == 1 && defaults.loop == false)
        let replay = try load("    ibt: laps/a.ibt\n    speed: 0\n    loop: true\n")
        #expect(replay.ibt == "laps/a.ibt" && replay.speed == 0 && replay.loop)
        let memory = try load("    memory_file: /dev/shm/irsdk\n")
        #expect(memory.memoryFile == "/dev/shm/irsdk")
        #expect(defaults.shmPath == "/dev/shm/IRSDKMemMapFileName" && defaults.teleport == nil)
        #expect(try load("    shm_path: /tmp/map\n").shmPath == "/tmp/map")
        let teleport = try #require(try load("    teleport: {}\n").teleport)
        #expect(teleport.listen.description == "0.0.0.0:5000" && teleport.group == "239.255.0.1")
        let unicast = try #require(try load("    teleport:\n      listen: 127.0.0.1:5001\n      group: \"\"\n").teleport)
        #expect(unicast.listen.description == "127.0.0.1:5001" && unicast.group == nil)
        #expect(try load("    teleport: {}\n").listeningPorts == [ListeningPort(.udp, 5000, key: "teleport")])
    }

    @Test("bad values and combinations are errors at their line")
    func badValues() {
        #expect(
            errors("    ibt: a.ibt\n    memory_file: b.bin\n") == [
                "test.yaml:4:18: 'ibt' and 'memory_file' cannot be used together: 'ibt' replays a disk telemetry file, 'memory_file' follows a copy of the live memory; keep one"
            ])
        #expect(
            errors("    teleport:\n      group: 10.0.0.1\n") == [
                "test.yaml:4:14: group must be an IPv4 multicast address (224.0.0.0 to 239.255.255.255) or \"\" for unicast only, found '10.0.0.1'"
            ])
        #expect(errors("    teleport:\n      listen: nowhere\n").count == 1)
        #expect(
            errors("    memory_file: b.bin\n    teleport: {}\n") == [
                "test.yaml:4:15: 'teleport' cannot be used with 'memory_file': it receives the sim's map over the network; keep one input"
            ])
        #expect(
            errors("    teleport: {}\n    shm_path: /tmp/x\n") == [
                "test.yaml:4:15: 'shm_path' applies only to live mode (no 'ibt', 'memory_file' or 'teleport'), but 'teleport' is set"
            ])
        #expect(errors("    ibt: a.ibt\n    speed: -1\n") == ["test.yaml:4:12: speed must be 0 (as fast as possible) or more, found -1.0"])
        #expect(errors("    ibt: a.ibt\n    speed: fast\n").first?.contains("test.yaml:4:12") == true)
        #expect(errors("    ibt: a.ibt\n    loop: maybe\n").first?.contains("true or false") == true)
        #expect(
            errors("    memory_file: b.bin\n    loop: true\n") == [
                "test.yaml:4:11: 'loop' applies only to 'ibt' replays; add 'ibt: FILE' or remove it"
            ])
        #expect(errors("    speed: 2\n") == ["test.yaml:3:12: 'speed' applies only to 'ibt' replays; add 'ibt: FILE' or remove it"])
        #expect(errors("    ibt: \"\"\n") == ["test.yaml:3:10: ibt must name a disk telemetry file (.ibt)"])
        #expect(errors("    ibt_file: a.ibt\n").first?.hasPrefix("test.yaml:3:5: unknown key 'ibt_file'") == true)
        #expect(errors("    ibt_file: a.ibt\n").first?.contains("memory_file") == true, "the known keys are listed")
    }

    @Test("the sample config is a complete, valid config file")
    func sampleConfig() throws {
        let config = try loader.load(text: IRacingSource.sampleConfig, file: "sample.yaml")
        #expect(config.sources.map(\.id) == ["iracing"])
        #expect(IRacingSource.typeName == "iracing")
        if case .catalogue = IRacingSource.providedVariables {} else { Issue.record("provides the catalogue") }
        // Every key the plugin reads is shown in the sample.
        for key in ["ibt:", "speed:", "loop:", "memory_file:", "shm_path:", "teleport:", "listen:", "group:"] {
            #expect(IRacingSource.sampleConfig.contains(key))
        }
    }

    #if !os(Windows)
    @Test("live mode off Windows waits quietly for the bridge's file, saying what it waits for")
    func liveModeWaitsForTheBridge() async throws {
        let path = temporaryPath("IRSDKMemMapFileName")
        let harness = SourceHarness(clock: ScriptedClock(end: 600))
        let source = try harness.source(IRacingConfig(shmPath: path))
        try await source.run(output: harness.hub)
        let status = harness.hub.status
        #expect(!status.connected)
        let details = JSONValue.object(status.details)
        #expect(details["mode"] == .string("live"))
        let reason = details["reason"]?.stringValue ?? ""
        #expect(reason.hasPrefix("waiting for \(path)"), "\(reason)")
        #expect(reason.contains("wineshm") && reason.contains("'teleport:'"))
        #expect(harness.log.count(at: .warning) == 1, "said once in 600 s of waiting")
        #expect(harness.hub.latestFrame == nil)
    }

    @Test("live mode returns promptly when cancelled")
    func liveModeCancellation() async throws {
        let harness = SourceHarness(clock: SystemClock())
        let source = try harness.source(IRacingConfig(shmPath: temporaryPath("absent")))
        let task = Task { try await source.run(output: harness.hub) }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        task.cancel()
        try await task.value
        #expect(ContinuousClock.now - start < .milliseconds(900), "well under the 1 s retry and 1 h waits")
    }
    #endif

    @Test("a memory_file follower returns promptly when cancelled")
    func memoryFileCancellation() async throws {
        let harness = SourceHarness(clock: SystemClock())
        let source = try harness.source(IRacingConfig(memoryFile: temporaryPath("never-created.bin")))
        let task = Task { try await source.run(output: harness.hub) }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        task.cancel()
        try await task.value
        #expect(ContinuousClock.now - start < .milliseconds(900), "well under the 1 s retry")
        #expect(!harness.hub.status.connected)
    }
}
