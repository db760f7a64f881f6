import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import StdoutSink
import Testing

/// What the sink writes when it records to a `path`: `declare` lines before telemetry, `time` on every
/// line (`RecordingFormatTests` checks the lines themselves round-trip).
@Suite struct StdoutRecordingTests {
    static let speed = VariableCatalogue.all.first { $0.name == "Speed" }
    static let gear = VariableCatalogue.all.first { $0.name == "Gear" }

    /// Records `hub` with `config` while `drive` publishes; returns the lines as text.
    func record(_ config: StdoutConfig, hub: SourceHub, registry: VariableRegistry, drive: () async throws -> Void) async throws -> [String] {
        let sink = StdoutSink(id: "out", config: config, context: PluginContext(logger: Logger(label: "t"), registry: registry))
        let task = Task { try await sink.run(input: SinkInput(sinkID: "out", sources: [hub], rate: 1000)) }
        try await drive()
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        try await task.value
        return try String(contentsOfFile: try #require(config.path), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
    }

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("header-\(UUID().uuidString).ndjson").path
    }

    @Test func eachSourceIsDeclaredBeforeItsFirstTelemetry() async throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = VariableRegistry()
        let hub = SourceHub(id: "car", typeName: "test", registry: registry)
        let layout = hub.declare([try #require(Self.speed), try #require(Self.gear)].map { VariableDeclaration($0) })
        // RPM is known to the registry but not provided: it is written as null, and not declared.
        let lines = try await record(StdoutConfig(variables: .names(["Gear", "Speed", "RPM"]), path: path), hub: hub, registry: registry) {
            hub.setConnected(true)
            for i in 0..<3 {
                var row = FrameRow(layout: layout)
                row.set(0, Double(i) * 10)
                row.set(1, 3)
                hub.publish(row)
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let types = try lines.map { try object($0)["type"] as? String }
        let firstTelemetry = try #require(types.firstIndex(of: "telemetry"))
        #expect(types.filter { $0 == "declare" }.count == 1, "\(types)")
        #expect(types[firstTelemetry - 1] == "declare", "the declare line does not precede the first telemetry")
        let declare = try object(lines[firstTelemetry - 1]), telemetry = try object(lines[firstTelemetry])
        #expect(declare["source"] as? String == "car")
        #expect(declare["time"] as? Double == telemetry["time"] as? Double)
        let variables = try #require(declare["variables"] as? [[String: Any]])
        #expect(variables.map { $0["name"] as? String } == ["Gear", "Speed"])
        let speed = try #require(Self.speed)
        #expect(variables[1]["type"] as? String == "float" && variables[1]["count"] as? Int == 1)
        #expect(variables[1]["unit"] as? String == speed.unit && variables[1]["desc"] as? String == speed.description)
        #expect(variables[1]["size"] == nil)
        #expect(Array(lines[firstTelemetry].utf8).count > 0 && lines[firstTelemetry].contains("\"data\":{\"Gear\":3,\"Speed\":0.0,\"RPM\":null}"))
        #expect(lines[firstTelemetry - 1].hasPrefix("{\"type\":\"declare\",\"source\":\"car\",\"time\":"))
    }

    @Test func aChangedLayoutIsDeclaredAgainWithItsOwnVariables() async throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = VariableRegistry()
        let hub = SourceHub(id: "sim", typeName: "test", registry: registry)
        let first = hub.declare([VariableDeclaration(try #require(Self.speed))])
        let lines = try await record(StdoutConfig(variables: .all, path: path), hub: hub, registry: registry) {
            hub.publish(FrameRow(layout: first))
            try await Task.sleep(for: .milliseconds(30))
            hub.publish(FrameRow(layout: first))
            try await Task.sleep(for: .milliseconds(30))
            // The sim changes car: a new layout with a variable of its own.
            let custom = VariableInfo(name: "TeamRadioChannel", type: .string, unit: "", description: "Radio channel name")
            var row = FrameRow(layout: hub.declare([VariableDeclaration(try #require(Self.speed)), VariableDeclaration(custom, stringCapacity: 24)]))
            row.setString(1, "Team A")
            hub.publish(row)
            try await Task.sleep(for: .milliseconds(30))
        }
        let declares = try lines.map(object).filter { $0["type"] as? String == "declare" }
        #expect(declares.count == 2)
        let second = try #require(declares.last?["variables"] as? [[String: Any]])
        #expect(second.map { $0["name"] as? String } == ["Speed", "TeamRadioChannel"])
        #expect(second[1]["type"] as? String == "string" && second[1]["size"] as? Int == 24 && second[1]["desc"] as? String == "Radio channel name")
        #expect(lines.last?.contains("\"TeamRadioChannel\":\"Team A\"") == true)
    }

    @Test func standardOutputCarriesNoDeclareLinesAndNoTimes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("header-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.yaml")
        try Data("sources:\n  - type: mock\n    rate: 30\nsinks:\n  - type: stdout\n    rate: 30\n    variables: [Speed, Gear]\n".utf8).write(
            to: config)
        try await withBroker(["--config", config.path]) { broker in
            await waitUntil(timeout: 15) { broker.stdout.components(separatedBy: "\"type\":\"telemetry\"").count >= 4 }
            broker.signal()
            #expect(await broker.wait(timeout: 5) == 0, "\(broker.stderr)")
            let lines = broker.stdout.split(separator: "\n").map(String.init)
            #expect(lines.filter { $0.hasPrefix("{\"type\":\"telemetry\"") }.count >= 3, "\(broker.stderr)")
            #expect(!lines.contains { $0.hasPrefix("{\"type\":\"declare\"") })
            let untimed = try lines.allSatisfy { try object($0)["time"] == nil }
            #expect(untimed)
        }
    }
}
