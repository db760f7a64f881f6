import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import StdoutSink
import Testing

@Suite struct StdoutSinkTests {
    /// Runs the sink into a temporary file while `drive` publishes; returns the lines written.
    func record(config: (String) -> StdoutConfig, drive: (SourceHub, FrameLayout) async throws -> Void) async throws -> [[String: Any]] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stdout-\(UUID().uuidString).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = VariableRegistry()
        let hub = SourceHub(id: "car", typeName: "test", registry: registry)
        let layout = hub.declare(["Speed", "Gear", "RPM"].map { name in VariableDeclaration(VariableCatalogue.all.first { $0.name == name }!) })
        let sink = StdoutSink(id: "out", config: config(path), context: PluginContext(logger: Logger(label: "t"), registry: registry))
        let task = Task { try await sink.run(input: SinkInput(sinkID: "out", sources: [hub], rate: 1000)) }
        try await drive(hub, layout)
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        try await task.value
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"), "the last line is not complete")
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
    }

    @Test func recordsTelemetryStatusEventsAndSessionInfoWithTimes() async throws {
        let lines = try await record(config: { StdoutConfig(variables: .names(["Speed", "Gear"]), path: $0) }) { hub, layout in
            hub.setConnected(true)
            hub.setSessionInfo(.object([("WeekendInfo", .object([("TrackName", "x")]))]))
            for i in 0..<5 {
                var row = FrameRow(layout: layout)
                row.set(0, Double(i))
                row.set(1, 3)
                hub.publish(row)
                try await Task.sleep(for: .milliseconds(20))
            }
            hub.emit("lap", .object([("Lap", 1)]))
        }
        let types = lines.map { $0["type"] as? String ?? "?" }
        #expect(types.contains("status") && types.contains("sessionInfo") && types.contains("event"))
        let telemetry = lines.filter { $0["type"] as? String == "telemetry" }
        #expect(telemetry.count >= 3)
        #expect(lines.allSatisfy { $0["time"] is Double }, "every recorded line needs a time")
        let data = try #require(telemetry.last?["data"] as? [String: Any])
        #expect(Set(data.keys) == ["Speed", "Gear"])
        #expect(data["Gear"] as? Int == 3)
        let seqs = telemetry.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
    }

    @Test func eventsAndStatusCanBeTurnedOff() async throws {
        let lines = try await record(config: { StdoutConfig(events: false, status: false, path: $0) }) { hub, layout in
            hub.setConnected(true)
            hub.publish(FrameRow(layout: layout))
            hub.emit("lap")
            try await Task.sleep(for: .milliseconds(50))
        }
        // A recording still declares its variables (for the replay source) before the telemetry.
        #expect(lines.map { $0["type"] as? String } == ["declare", "telemetry"])
    }

    @Test func appendsToAnExistingRecording() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("append-\(UUID().uuidString).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{\"type\":\"earlier\"}\n".utf8).write(to: URL(fileURLWithPath: path))
        let registry = VariableRegistry()
        let hub = SourceHub(id: "car", typeName: "test", registry: registry)
        let sink = StdoutSink(id: "out", config: StdoutConfig(path: path), context: PluginContext(logger: Logger(label: "t"), registry: registry))
        let task = Task { try await sink.run(input: SinkInput(sinkID: "out", sources: [hub], rate: 10)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        try await task.value
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "{\"type\":\"earlier\"}")
        #expect(lines.count >= 2)
    }

    @Test func unwritablePathIsOneClearError() async throws {
        let registry = VariableRegistry()
        let sink = StdoutSink(
            id: "out", config: StdoutConfig(path: "/nonexistent-dir/x.ndjson"), context: PluginContext(logger: Logger(label: "t"), registry: registry)
        )
        await #expect(throws: PluginError.self) { try await sink.run(input: SinkInput(sinkID: "out", sources: [], rate: 10)) }
    }
}
