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
        #expect(
            lines == [
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
        #expect(speed["min"] as? Double == 0 && speed["max"] as? Double == 100)
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
        let config = try temporaryFile(
            """
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
        try await withBroker(["--config", config]) { broker in
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
            #expect(
                Double(telemetry.count) <= ran * 10 + 2 && Double(telemetry.count) >= ran * 10 - 6,
                "\(telemetry.count) telemetry lines in \(ran) s at 10 Hz")
            for message in telemetry {
                #expect(message["source"] as? String == "sim")
                #expect(Set((message["data"] as? [String: Any] ?? [:]).keys) == ["Speed", "RPM", "Gear"])
            }
            #expect(objects.contains { $0["type"] as? String == "status" })
        }
    }

    /// `--test` swaps the configured sources for the mock and clears sinks' source filters;
    /// `--rate` sets every sink's rate.
    @Test func testModeAndRateOverride() async throws {
        let config = try temporaryFile(
            """
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
        try await withBroker(["--config", config, "--test", "--rate", "5"]) { broker in
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
}

/// The iRacing source replaying a real .ibt through the stdout sink, end to end.
@Suite(.enabled(if: TestData.isAvailable, "needs ../shared/data"))
struct IBTReplayEndToEndTests {
    func config(speed: Double) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ibt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("config.yaml").path
        let text = """
            sources:
              - type: iracing
                id: ir
                ibt: \(TestData.path("iracing/formulavee_tsukuba.ibt"))
                speed: \(speed)
            sinks:
              - type: stdout
                rate: 1000
                variables: [SessionTick, Speed, RPM, Gear, Lap]
                status: false
                events: false
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func telemetry(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["type"] as? String == "telemetry" }
    }

    /// At speed 1 the file's 60 rows/s come out at 60 lines/s, in SessionTick order.
    @Test func replaysAtTheFilesTickRate() async throws {
        try await withBroker(["--config", try config(speed: 1)]) { broker in
            let started = Date()
            try await Task.sleep(for: .seconds(3))
            let ran = Date().timeIntervalSince(started)
            broker.signal(SIGTERM)
            #expect(await broker.wait(timeout: 5) == 0, "\(broker.stderr)")
            let lines = telemetry(broker.stdout)
            let ticks = lines.compactMap { ($0["data"] as? [String: Any])?["SessionTick"] as? Int }
            #expect(ticks.count == lines.count && ticks == ticks.sorted())
            let rate = Double(lines.count) / ran
            #expect(rate > 45 && rate <= 61, "\(lines.count) rows in \(ran) s = \(rate)/s")
            if let first = ticks.first, let last = ticks.last {
                // Rows are not skipped: the tick span matches the lines written (one 2-tick gap is in the file).
                #expect(last - first + 1 - lines.count <= 2)
            }
        }
    }

    /// At speed 0 the whole file (3429 rows) replays as fast as it can, far under its real 57 s. The
    /// sink keeps the newest frame, so it writes fewer lines; the last one is the file's last row.
    @Test func replaysAsFastAsItCanAtSpeedZero() async throws {
        try await withBroker(["--config", try config(speed: 0)]) { broker in
            let started = Date()
            var lastSeq = 0
            await waitUntil(timeout: 20) {
                lastSeq = telemetry(broker.stdout).last?["seq"] as? Int ?? 0
                return lastSeq >= 3429
            }
            let elapsed = Date().timeIntervalSince(started)
            broker.signal(SIGTERM)
            #expect(await broker.wait(timeout: 5) == 0)
            #expect(lastSeq == 3429, "the last frame written is seq \(lastSeq)")
            #expect(elapsed < 10, "took \(elapsed) s")
        }
    }
}

/// The shipped `config.yaml` and the built-in default config both work.
@Suite struct DefaultConfigTests {
    @Test func shippedConfigValidates() async throws {
        let path = TestData.packageRoot.appendingPathComponent("config.yaml").path
        let result = try await BrokerProcess.run(["validate", "--config", path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// With no --config and no ./config.yaml, the broker serves the mock over WebSocket.
    @Test func builtInDefaultServesTheMockOverHTTP() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("default-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let port = try freeLoopbackPort()
        try await withBroker(["--port", String(port)], directory: empty) { broker in
            var health: String?
            await waitUntil(timeout: 10) {
                health = httpGet(port: port, path: "/healthz")
                return health != nil
            }
            let vars = httpGet(port: port, path: "/vars")
            broker.signal(SIGTERM)
            #expect(await broker.wait(timeout: 5) == 0, "\(broker.stderr)")
            #expect(health != nil, "no /healthz answer on port \(port): \(broker.stderr)")
            #expect(vars?.contains("\"Speed\"") == true)
            #expect(broker.stderr.contains("built-in default config"))
        }
    }

    /// A port already taken is one clear line and exit code 1.
    @Test func portInUseIsOneClearLine() async throws {
        let port = try freeLoopbackPort()
        try await withBroker(["--port", String(port)], directory: FileManager.default.temporaryDirectory) { first in
            defer { first.signal(SIGTERM) }
            await waitUntil(timeout: 10) { httpGet(port: port, path: "/healthz") != nil }
            let second = try await BrokerProcess.run(["--port", String(port)], timeout: 15, directory: FileManager.default.temporaryDirectory)
            #expect(second.status == 1)
            let errorLines = second.stderr.split(separator: "\n").filter { !$0.contains(" info ") && !$0.contains(" notice ") }
            #expect(
                errorLines.count == 1 && errorLines.first?.contains("port \(port)") == true && errorLines.first?.contains("already in use") == true,
                "\(second.stderr)")
        }
    }
}

/// A plain HTTP/1.0 GET on 127.0.0.1 over a raw socket: the body, or nil on any failure.
func httpGet(port: Int, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else { return nil }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    guard send(fd, request, request.count, 0) == request.count else { return nil }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 { break }
        response.append(contentsOf: buffer[..<count])
    }
    let text = String(decoding: response, as: UTF8.self)
    guard text.hasPrefix("HTTP/1.") && text.contains(" 200 "), let split = text.range(of: "\r\n\r\n") else { return nil }
    return String(text[split.upperBound...])
}
