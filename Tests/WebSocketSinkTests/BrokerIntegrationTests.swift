import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import MockSource
import Testing

@testable import WebSocketSink

/// The sink inside a real `Broker` (config loader, runtime) fed by the mock source.
@Suite("WebSocket sink with the mock source")
struct BrokerIntegrationTests {
    @Test("read all returns every variable the mock provides; telemetry, session info and shutdown work end to end")
    func mockThroughTheBroker() async throws {
        let port = try freeLoopbackPort()
        let text = """
            sources:
              - type: mock
                seed: 7
            sinks:
              - type: websocket
                host: 127.0.0.1
                port: \(port)
                rate: 30
                mdns:
                  enabled: false
            """
        let catalog = PluginCatalog(sources: [SourcePlugin(MockSource.self)], sinks: [SinkPlugin(WebSocketSink.self)])
        let config = try ConfigLoader(catalog: catalog).load(text: text, file: "integration.yaml")
        var logger = Logger(label: "integration")
        logger.logLevel = .warning
        let broker = try Broker(config: config, logger: logger)
        let running = Task { try await broker.run(handleSignals: false) }

        #expect(await waitUntil(timeout: 5) { (try? AccessAndLimitsTests.get("/healthz", port: port).status) == 200 })
        let result = try await TestClient.connect("ws://127.0.0.1:\(port)/") { client in
            let status = try await client.next(type: "status")
            #expect(status["sources"]?["mock"]?["type"] == "mock")

            let provided = broker.registry.entries().filter { $0.providers.contains("mock") }.map(\.info.name).sorted()
            #expect(provided.count > 300)
            let read = try await client.request("read all", reply: "read")
            #expect(read["data"]?.keys == provided)

            try await client.send("sub Speed,RPM,Gear")
            let telemetry = try await client.next(type: "telemetry")
            #expect(telemetry["data"]?.keys == ["Gear", "RPM", "Speed"])
            try await client.expectRate(hz: 30, sourceHz: 60, seconds: 1)

            let session = try await client.request("sessioninfo", reply: "sessionInfo")
            #expect(session["data"]?["WeekendInfo"] != nil)

            running.cancel()
            _ = try? await client.next(timeout: 5) { _ in false }
            return ContinuousClock.now
        }
        let cancelledAt = result.value
        #expect(result.close?.closeCode == .goingAway)
        try await running.value
        #expect(ContinuousClock.now - cancelledAt < .seconds(2))
    }
}
