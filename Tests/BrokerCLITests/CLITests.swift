import BrokerTestSupport
import Foundation
import Testing

@Suite struct CLITests {
    func temporaryFile(_ text: String, name: String = "config.yaml") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func versionPrints() async throws {
        let result = try await BrokerProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test func validateExitCodesAndEveryErrorWithItsPlace() async throws {
        let good = try temporaryFile("sources:\n  - type: mock\nsinks:\n  - type: stdout\n")
        let ok = try await BrokerProcess.run(["validate", "--config", good])
        #expect(ok.status == 0, "\(ok.stderr)")

        let bad = try temporaryFile("sources:\n  - type: mock\n    rate: fast\n    seeed: 1\nsinks:\n  - type: stdot\n")
        let failed = try await BrokerProcess.run(["validate", "--config", bad])
        #expect(failed.status == 1)
        let lines = failed.stderr.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(bad):3:11: expected a number, found 'fast'",
            "\(bad):4:5: unknown key 'seeed' for source type 'mock' (did you mean 'seed'?)",
            "\(bad):6:11: unknown sink type 'stdot' (did you mean 'stdout'?); known types: \(lines.last?.components(separatedBy: "known types: ").last ?? "")",
        ])
    }

    @Test func pluginsListsTypesAndEverySampleValidates() async throws {
        let list = try await BrokerProcess.run(["plugins"])
        #expect(list.status == 0)
        let types = list.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") }.compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(types.contains("mock") && types.contains("stdout"))
        for type in types {
            let sample = try await BrokerProcess.run(["plugins", type])
            #expect(sample.status == 0)
            let path = try temporaryFile(sample.stdout)
            let validation = try await BrokerProcess.run(["validate", "--config", path])
            #expect(validation.status == 0, "sample of \(type) does not validate: \(validation.stderr)")
        }
        let unknown = try await BrokerProcess.run(["plugins", "mokc"])
        #expect(unknown.status == 1 && unknown.stderr.contains("did you mean 'mock'"))
    }

    @Test func varsJSONListsTheCatalogueWithSourceTypes() async throws {
        let result = try await BrokerProcess.run(["vars", "--json"])
        #expect(result.status == 0)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count >= 250)
        let speed = try #require(entries.first { $0["name"] as? String == "Speed" })
        #expect(speed["type"] as? String == "float" && speed["unit"] as? String == "m/s" && speed["count"] as? Int == 1)
        #expect((speed["desc"] as? String)?.isEmpty == false)
        #expect((speed["sources"] as? [String])?.contains("mock") == true)
        let table = try await BrokerProcess.run(["vars"])
        #expect(table.stdout.split(separator: "\n").count == entries.count)
    }

    @Test func badInvocationsFailWithOneClearLine() async throws {
        let badFlag = try await BrokerProcess.run(["--rate", "abc"])
        #expect(badFlag.status != 0 && !badFlag.stderr.isEmpty)
        let missing = try await BrokerProcess.run(["--config", "/nonexistent/broker.yaml"])
        #expect(missing.status == 1)
        #expect(missing.stderr.trimmingCharacters(in: .newlines) == "/nonexistent/broker.yaml: config file does not exist")
    }

    /// mock -> stdout at 10 Hz for 2 s: parseable NDJSON with the selected variables at the rate;
    /// SIGTERM exits 0 within 2 s.
    @Test func runsMockIntoStdoutAndStopsOnSIGTERM() async throws {
        let config = try temporaryFile("""
            sources:
              - type: mock
                id: sim
                seed: 3
            sinks:
              - type: stdout
                rate: 10
                sources: [sim]
                variables: [Speed, RPM, Gear]
            """)
        let broker = try BrokerProcess(["--config", config])
        let started = Date()
        try await Task.sleep(for: .seconds(2))
        let stopRequested = Date()
        let ran = stopRequested.timeIntervalSince(started)
        broker.signal(SIGTERM)
        let status = await broker.wait(timeout: 5)
        let stopTime = Date().timeIntervalSince(stopRequested)
        #expect(status == 0, "\(broker.stderr)")
        #expect(stopTime < 2, "took \(stopTime) s to stop")
        let lines = broker.stdout.split(separator: "\n")
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "bad line \($0)") }
        let telemetry = objects.filter { $0["type"] as? String == "telemetry" }
        // At 10 Hz over the time it ran (start-up included), give or take start-up and scheduling.
        #expect(Double(telemetry.count) <= ran * 10 + 2 && Double(telemetry.count) >= ran * 10 - 6, "\(telemetry.count) telemetry lines in \(ran) s at 10 Hz")
        for message in telemetry {
            #expect(message["source"] as? String == "sim")
            #expect(Set((message["data"] as? [String: Any] ?? [:]).keys) == ["Speed", "RPM", "Gear"])
        }
        #expect(objects.contains { $0["type"] as? String == "status" })
    }

    /// `--test` swaps the configured sources for the mock and clears sinks' source filters;
    /// `--rate` sets every sink's rate.
    @Test func testModeAndRateOverride() async throws {
        let config = try temporaryFile("""
            sources:
              - type: mock
                id: practice
                cars: 2
            sinks:
              - type: stdout
                sources: [practice]
                rate: 60
                variables: [Speed]
                status: false
            """)
        let broker = try BrokerProcess(["--config", config, "--test", "--rate", "5"])
        let started = Date()
        try await Task.sleep(for: .seconds(1.5))
        let ran = Date().timeIntervalSince(started)
        broker.signal(SIGINT)
        #expect(await broker.wait(timeout: 5) == 0)
        let telemetry = broker.stdout.split(separator: "\n").filter { $0.contains("\"telemetry\"") }
        #expect(telemetry.allSatisfy { $0.contains("\"source\":\"mock\"") })
        #expect(!telemetry.isEmpty && Double(telemetry.count) <= ran * 5 + 2, "\(telemetry.count) lines in \(ran) s at 5 Hz")
    }
}
