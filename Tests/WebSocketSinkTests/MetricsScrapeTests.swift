import BrokerCore
import BrokerTestSupport
import Foundation
import Testing

/// `GET /metrics` of a running `broker` read by a real Prometheus text parser (python
/// `prometheus_client`, interop/scrape_metrics.py) while a WebSocket client is connected: the
/// families of the core (frames, drops by reason), a processor's timing, the WebSocket sink's
/// clients and the UDP sink's datagrams all come out of the one registry the binary bootstraps.
@Suite("GET /metrics parsed by prometheus_client")
struct MetricsScrapeTests {
    static let script = TestData.packageRoot.appendingPathComponent("Tests/WebSocketSinkTests/interop/scrape_metrics.py").path

    /// python3 with `websockets` and `prometheus_client`; under CI (`CI=true`) the test always
    /// runs, so a missing package fails instead of skipping.
    static func pythonAvailable() async -> Bool {
        if Fixture.isCI { return true }
        return (try? await ChildProcess.run(["python3", "-c", "import websockets, prometheus_client"], timeout: 20).status) == 0
    }

    /// One parsed family: its type, help and samples (sample name, labels, value).
    struct Family {
        var type: String
        var help: String
        var samples: [(name: String, labels: [String: String], value: Double)]

        func value(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
        }
    }

    @Test(
        "frames, drops by reason, a processor's run time, WebSocket clients and UDP datagrams parse as Prometheus families",
        .enabled("needs python3 with websockets and prometheus-client (pip install websockets prometheus-client)") { await pythonAvailable() })
    func scrapeParsesWithPrometheusClient() async throws {
        let webSocketPort = try freeLoopbackPort()
        let forzaPort = try freeLoopbackPort(udp: true)
        let receiver = try LoopbackUDPReceiver()
        defer { receiver.stop() }
        let config = try TemporaryConfig(
            """
            sources:
              - type: mock
                id: mock
              - type: forza
                id: fm
                listen: 127.0.0.1:\(forzaPort)
            processors:
              - type: race
                id: race
                sources: [mock]
            sinks:
              - type: websocket
                id: ws
                host: 127.0.0.1
                port: \(webSocketPort)
                mdns:
                  enabled: false
              - type: udp
                id: udp
                target: 127.0.0.1:\(receiver.port)
                sources: [mock]
                variables: [Speed, RPM]
                rate: 20
            """, prefix: "metrics-scrape")
        defer { config.remove() }
        try await withBroker(["--config", config.path]) { broker in
            #expect(await waitUntil { (try? AccessAndLimitsTests.get("/healthz", port: webSocketPort).status) == 200 }, "\(broker.stderr)")
            // Three datagrams no Forza game sends: each is dropped as "unknown length".
            let sender = try LoopbackUDPSender(port: forzaPort)
            for _ in 0..<3 { sender.send(Array(repeating: 7, count: 10)) }
            #expect(await waitUntil { !receiver.datagrams.isEmpty })

            var families: [String: Family] = [:]
            var contentType = ""
            for _ in 0..<50 {
                (contentType, families) = try await Self.scrape(port: webSocketPort)
                if families["broker_source_dropped"]?.value("broker_source_dropped_total", ["source": "fm", "reason": "unknown length"]) == 3 {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }

            #expect(contentType.hasPrefix("text/plain; version=0.0.4"))
            let frames = try #require(families["broker_source_frames"], "families: \(families.keys.sorted())")
            #expect(frames.type == "counter")
            #expect(frames.help == "Frames the source published.")
            #expect((frames.value("broker_source_frames_total", ["source": "mock"]) ?? 0) > 0)
            #expect(families["broker_source_connected"]?.value("broker_source_connected", ["source": "mock"]) == 1)

            let dropped = try #require(families["broker_source_dropped"])
            #expect(dropped.type == "counter")
            #expect(dropped.value("broker_source_dropped_total", ["source": "fm", "reason": "unknown length"]) == 3)
            #expect(families["broker_source_datagrams"]?.value("broker_source_datagrams_total", ["source": "fm"]) == 3)

            let runTime = try #require(families["broker_processor_run_seconds"])
            #expect(runTime.type == "histogram")
            let labels = ["source": "mock", "processor": "race"]
            let runs = try #require(runTime.value("broker_processor_run_seconds_count", labels))
            #expect(runs > 0)
            #expect(runTime.value("broker_processor_run_seconds_bucket", labels.merging(["le": "+Inf"]) { $1 }) == runs)
            #expect((runTime.value("broker_processor_run_seconds_sum", labels) ?? -1) >= 0)
            let bounds = runTime.samples.filter { $0.name == "broker_processor_run_seconds_bucket" }.compactMap {
                $0.labels["le"].flatMap(Double.init)
            }
            #expect(bounds.count == BrokerMetrics.durationBuckets.count + 1)
            #expect(bounds.min() == 1e-7 && bounds.contains(10) && bounds.max() == .infinity)

            let clients = try #require(families["broker_websocket_clients"])
            #expect(clients.type == "gauge")
            #expect(clients.value("broker_websocket_clients", ["sink": "ws"]) == 1)
            #expect(families["broker_websocket_client_info"]?.samples.map(\.labels["token"]) == [""])
            #expect((families["broker_websocket_messages_sent"]?.value("broker_websocket_messages_sent_total", ["sink": "ws"]) ?? 0) > 0)
            #expect(families["broker_websocket_encode_time_seconds"]?.type == "histogram")

            let datagrams = try #require(families["broker_udp_datagrams_sent"])
            #expect((datagrams.value("broker_udp_datagrams_sent_total", ["sink": "udp"]) ?? 0) > 0)
            #expect(families.filter { $0.value.help.isEmpty }.keys.sorted() == [], "every family has a # HELP line")

            broker.signal(SIGTERM)
            #expect(await broker.wait(timeout: 5) == 0, "\(broker.stderr)")
        }
    }

    /// Runs the Python scraper once; returns the response's content type and the parsed families.
    static func scrape(port: Int) async throws -> (String, [String: Family]) {
        let result = try await ChildProcess.run(["python3", script, "127.0.0.1:\(port)"], timeout: 30)
        #expect(result.status == 0, "scrape_metrics.py: \(result.errors)")
        let report = try parseJSON(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        var families: [String: Family] = [:]
        for (name, family) in report["families"]?.objectValue ?? [] {
            let samples = (family["samples"]?.arrayValue ?? []).compactMap { sample -> (String, [String: String], Double)? in
                guard let items = sample.arrayValue, items.count == 3, let name = items[0].stringValue,
                    let value = items[2].doubleValue
                else { return nil }
                let labels = (items[1].objectValue ?? []).reduce(into: [String: String]()) { $0[$1.0] = $1.1.stringValue }
                return (name, labels, value)
            }
            families[name] = Family(type: family["type"]?.stringValue ?? "", help: family["help"]?.stringValue ?? "", samples: samples)
        }
        return (report["content_type"]?.stringValue ?? "", families)
    }
}
