import BrokerCore
import BrokerTestSupport
import MQTTClient
import Testing

@testable import MQTTSource

/// The source's keys, defaults and errors, through the real config loader.
@Suite struct MQTTSourceConfigTests {
    static let catalog = PluginCatalog(sources: [SourcePlugin(MQTTSource.self)], sinks: [])

    func load(_ keys: String, environment: [String: String] = [:]) throws -> MQTTSourceConfig {
        let text = "sources:\n  - type: mqtt\n" + keys.split(separator: "\n").map { "    \($0)\n" }.joined() + "sinks: []\n"
        let loaded = try ConfigLoader(catalog: Self.catalog, environment: environment).load(text: text, file: "test.yaml")
        return try #require(loaded.sources.first?.config as? MQTTSourceConfig)
    }

    func errors(_ keys: String) -> [String] {
        return configErrors { try load(keys) }
    }

    @Test func defaults() throws {
        let config = try load("url: mqtt://mqtt.example.org")
        #expect(config.server == MQTTServerAddress(host: "mqtt.example.org", port: 1883))
        #expect(config.clientID == nil, "broker-<host name>-<entry id> at run time")
        #expect(config.username == nil && config.password == nil && config.tls == nil)
        #expect(config.topicPrefix == "telemetry" && config.sources == ["+"] && config.idPrefix == "")
        #expect(config.qos == .atMostOnce && config.reconnect == ReconnectDelay())
        #expect(config.maxSources == 64 && config.keepAliveSeconds == 30 && config.silenceSeconds == 10)
        #expect(config.topicFilters == ["telemetry/#"], "every source, whatever the levels of its id")
        let context = PluginContext(logger: LogCapture().logger, registry: VariableRegistry())
        #expect(try MQTTSource(id: "team", config: config, context: context).clientID == MQTTConnectionOptions.hostClientID + "-team")
    }

    @Test func everyKey() throws {
        let config = try load(
            """
            url: mqtt://[::1]:1884
            client_id: engineer
            username: engineer
            password: ${MQTT_PASSWORD}
            topic_prefix: league/race1
            sources: [alpha, car12/beta]
            id_prefix: "car12/"
            qos: 1
            reconnect: {min_s: 0.5, max_s: 8}
            max_sources: 8
            keepalive_s: 5
            silence_s: 2.5
            """, environment: ["MQTT_PASSWORD": "s3cret"])
        #expect(config.server == MQTTServerAddress(host: "::1", port: 1884))
        #expect(config.clientID == "engineer" && config.username == "engineer" && config.password == "s3cret")
        #expect(config.topicPrefix == "league/race1" && config.sources == ["alpha", "car12/beta"] && config.idPrefix == "car12/")
        #expect(config.qos == .atLeastOnce && config.reconnect == ReconnectDelay(minS: 0.5, maxS: 8))
        #expect(config.maxSources == 8 && config.keepAliveSeconds == 5 && config.silenceSeconds == 2.5)
        #expect(config.topicFilters.count == 10)
        #expect(config.topicFilters.contains("league/race1/car12/beta/telemetry"))
    }

    @Test(arguments: [
        ("url: mqtt://", "has no host"),
        ("url: ws://host", "MQTT over WebSocket is not supported"),
        ("url: mqtt://host\nsources: []", "sources must name at least one"),
        ("url: mqtt://host\nsources: [a+b]", "cannot be a remote source id"),
        ("url: mqtt://host\nsources: [a/]", "cannot be a remote source id"),
        ("url: mqtt://host\nid_prefix: '+'", "id_prefix must not contain"),
        ("url: mqtt://host\nqos: 2", "qos must be 0 or 1"),
        ("url: mqtt://host\nmax_sources: 0", "max_sources must be between 1 and 10000"),
        ("url: mqtt://host\nsilence_s: 0", "silence_s must be between 0.5 and 3600"),
        ("url: mqtt://host\ntopic_prefix: a/#", "wildcards"),
        ("url: mqtt://host\npassword: x", "password needs a username"),
        ("url: mqtt://host\ntls: {insecure_skip_verify: true}", "tls applies to mqtts:// urls only"),
        ("url: mqtt://host\nreconnect: {min_s: 5, max_s: 1}", "max_s (1.0) must not be less than min_s (5.0)"),
        ("url: mqtt://host\nid_prefx: a", "unknown key 'id_prefx'"),
        ("topic_prefix: x", "url"),
    ])
    func badValuesAreReportedWithTheirPosition(keys: String, expected: String) {
        let found = errors(keys)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains(expected) == true, "\(found)")
        #expect(found.first?.hasPrefix("test.yaml:") == true, "\(found)")
    }

    @Test func aSinkMayNameTheEntryForEveryHubItAdds() throws {
        let catalog = PluginCatalog(sources: [SourcePlugin(MQTTSource.self)], sinks: [SinkPlugin(StdoutSinkStandIn.self)])
        let text = """
            sources:
              - type: mqtt
                id: team
                url: mqtt://127.0.0.1
            sinks:
              - type: stand-in
                sources: [team]
            """
        let loaded = try ConfigLoader(catalog: catalog).load(text: text, file: "test.yaml")
        #expect(loaded.sinks.first?.sourceIDs == ["team"])
    }
}

/// A sink that does nothing, to load a config with a `sources:` list.
struct StdoutSinkStandIn: Sink {
    struct Config: PluginConfig {}
    static let typeName = "stand-in"
    static let summary = "nothing"
    static let sampleConfig = ""
    init(id: String, config: Config, context: PluginContext) {}
    func run(input: SinkInput) async throws {}
}
