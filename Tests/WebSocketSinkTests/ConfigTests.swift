import BrokerCore
import BrokerTestSupport
import MockSource
import Testing

@testable import WebSocketSink

/// The `websocket` keys of the plugin's README through the real config loader: defaults, every key, and the
/// errors a user gets (with line and column).
@Suite("WebSocket sink config")
struct ConfigTests {
    static let catalog = PluginCatalog(sources: [SourcePlugin(MockSource.self)], sinks: [SinkPlugin(WebSocketSink.self)])

    static func load(_ sinkLines: String) throws -> WebSocketSinkConfig {
        let text = "sources:\n  - type: mock\nsinks:\n  - type: websocket\n" + sinkLines
        let config = try ConfigLoader(catalog: catalog, environment: ["WS_TOKEN": "from-env"]).load(text: text, file: "test.yaml")
        return try #require(config.sinks.first?.config as? WebSocketSinkConfig)
    }

    static func errors(_ sinkLines: String) -> [String] {
        return configErrors { try load(sinkLines) }
    }

    @Test("every key has its documented default")
    func defaults() throws {
        let config = try Self.load("")
        #expect(config.host == "0.0.0.0")
        #expect(config.port == 8765)
        #expect(config.path == "/")
        #expect(config.maxClients == 256)
        #expect(config.maxMessageBytes == 4096)
        #expect(config.token == nil)
        #expect(config.mdns == .init(enabled: true, type: "_iracingws._tcp", name: nil))
        #expect(config.dashboard == true)
        #expect(config.maxCommandsPerSecond == 50)
        #expect(config.maxSubscriptions == 1000)
        #expect(config.maxConnectsPerSecond == 20)
        #expect(config.drainTimeout == 10)
        #expect(config.listeningPorts == [ListeningPort(.tcp, 8765)])
    }

    @Test("every key can be set; a token may come from the environment")
    func everyKey() throws {
        let config = try Self.load(
            """
                host: 127.0.0.1
                port: 9000
                path: /telemetry
                max_clients: 3
                max_message_bytes: 1024
                token: ${WS_TOKEN}
                mdns:
                  enabled: false
                  type: _telemetry._tcp
                  name: pit-wall
                dashboard: false
                max_commands_per_s: 10
                max_subscriptions: 40
                max_connects_per_s: 5

            """)
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 9000)
        #expect(config.path == "/telemetry")
        #expect(config.maxClients == 3)
        #expect(config.maxMessageBytes == 1024)
        #expect(config.token == "from-env")
        #expect(config.mdns == .init(enabled: false, type: "_telemetry._tcp", name: "pit-wall"))
        #expect(config.dashboard == false)
        #expect(config.maxCommandsPerSecond == 10)
        #expect(config.maxSubscriptions == 40)
        #expect(config.maxConnectsPerSecond == 5)
        #expect(config.listeningPorts == [ListeningPort(.tcp, 9000)])
    }

    @Test(
        "bad values are reported with their position",
        arguments: [
            ("    port: 70000\n", "test.yaml:5:11: port must be between 1 and 65535, found 70000"),
            ("    path: telemetry\n", "test.yaml:5:11: path must start with '/'"),
            ("    max_clients: 0\n", "test.yaml:5:18: max_clients must be between 1 and 100000, found 0"),
            ("    max_message_bytes: 10\n", "test.yaml:5:24: max_message_bytes must be between 64 and 1048576, found 10"),
            ("    token: \"\"\n", "test.yaml:5:12: token must not be empty"),
            ("    mdns:\n      type: iracingws\n", "test.yaml:6:13: type must look like '_name._tcp'"),
            ("    mdns:\n      enabled: maybe\n", "test.yaml:6:16: expected true or false"),
            ("    dashbord: true\n", "test.yaml:5:5: unknown key 'dashbord'"),
            ("    max_commands_per_s: 0\n", "test.yaml:5:25: max_commands_per_s must be between 1 and 100000, found 0"),
            ("    max_subscriptions: -1\n", "test.yaml:5:24: max_subscriptions must be between 1 and 1000000, found -1"),
            ("    max_connects_per_s: 1.5\n", "test.yaml:5:25: "),
        ])
    func badValues(lines: String, expected: String) {
        let errors = Self.errors(lines)
        #expect(errors.contains { $0.hasPrefix(expected) }, "\(errors)")
    }

    @Test("two WebSocket sinks on one port are a config error")
    func portClash() {
        let text = """
            sources:
              - type: mock
            sinks:
              - type: websocket
                id: a
              - type: websocket
                id: b
            """
        #expect(throws: ConfigErrors.self) { try ConfigLoader(catalog: Self.catalog).load(text: text, file: "clash.yaml") }
    }

    @Test("the sample config is a valid config file using the sink")
    func sampleConfig() throws {
        let config = try ConfigLoader(catalog: Self.catalog).load(text: WebSocketSink.sampleConfig, file: "sample.yaml")
        #expect(config.sinks.map(\.plugin.typeName) == ["websocket"])
        let sink = try #require(config.sinks.first?.config as? WebSocketSinkConfig)
        #expect(sink == WebSocketSinkConfig())
    }
}
