import BrokerCore
import MockSource
import MQTTClient
import Testing

@testable import MQTTSink

/// The sink's keys, defaults and errors, through the real config loader.
@Suite struct MQTTConfigTests {
    static let catalog = PluginCatalog(sources: [SourcePlugin(MockSource.self)], sinks: [SinkPlugin(MQTTSink.self)])

    func load(_ sinkKeys: String, environment: [String: String] = [:]) throws -> (config: MQTTConfig, rate: Double) {
        let text = "sources:\n  - type: mock\nsinks:\n  - type: mqtt\n" + sinkKeys.split(separator: "\n").map { "    \($0)\n" }.joined()
        let loaded = try ConfigLoader(catalog: Self.catalog, environment: environment).load(text: text, file: "test.yaml")
        let sink = try #require(loaded.sinks.first)
        return (try #require(sink.config as? MQTTConfig), sink.rate)
    }

    func errors(_ sinkKeys: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try load(sinkKeys, environment: environment)
            return []
        } catch let errors as ConfigErrors {
            return errors.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func defaults() throws {
        let (config, rate) = try load("url: mqtt://mqtt.example.org")
        #expect(config.server == MQTTServerAddress(host: "mqtt.example.org", port: 1883))
        #expect(config.clientID == MQTTConfig.defaultClientID && config.clientID.hasPrefix("broker-"))
        #expect(config.username == nil && config.password == nil)
        #expect(config.topicPrefix == "telemetry")
        #expect(config.qos == .atMostOnce)
        #expect(config.variables == .all)
        #expect(config.keepAliveSeconds == 30)
        #expect(config.retainStatus && !config.perVariable)
        #expect(config.maxInFlight == 20)
        #expect(config.reconnect == MQTTReconnectPolicy(minimumSeconds: 1, maximumSeconds: 30))
        #expect(rate == 10, "the sink's own default rate applies when the entry sets none")
    }

    @Test func everyKeyAndAPasswordFromTheEnvironment() throws {
        let (config, rate) = try load("""
            url: mqtt://[::1]:1884/
            client_id: pit-wall
            username: league
            password: ${MQTT_PASSWORD}
            topic_prefix: league/race1
            qos: 1
            variables: [Speed, RPM]
            rate: 30
            keepalive_s: 5
            retain_status: false
            per_variable: true
            max_inflight: 4
            reconnect: {min_s: 0.5, max_s: 8}
            """, environment: ["MQTT_PASSWORD": "s3cret"])
        #expect(config.server == MQTTServerAddress(host: "::1", port: 1884))
        #expect(config.server.description == "mqtt://[::1]:1884")
        #expect(config.clientID == "pit-wall" && config.username == "league" && config.password == "s3cret")
        #expect(config.topicPrefix == "league/race1" && config.qos == .atLeastOnce)
        #expect(config.variables == .names(["Speed", "RPM"]))
        #expect(rate == 30 && config.keepAliveSeconds == 5 && !config.retainStatus && config.perVariable)
        #expect(config.maxInFlight == 4 && config.reconnect == MQTTReconnectPolicy(minimumSeconds: 0.5, maximumSeconds: 8))
    }

    @Test func mqttsSelectsTLSOnPort8883ByDefault() throws {
        let (config, _) = try load("url: mqtts://mqtt.example.org")
        #expect(config.server == MQTTServerAddress(host: "mqtt.example.org", port: 8883, usesTLS: true))
        #expect(config.server.description == "mqtts://mqtt.example.org:8883")
        #expect(config.tls == nil, "no tls key: the system's trust roots, verification on")
    }

    @Test(arguments: [
        ("url: mqtt://", "has no host"),
        ("url: mqtt://host:0", "port in url must be a number from 1 to 65535"),
        ("url: mqtt://host:http", "port in url must be a number"),
        ("url: host:1883", "url must look like mqtt://host:1883"),
        ("url: ws://host/mqtt", "MQTT over WebSocket is not supported"),
        ("url: mqtt://host/path", "no path"),
        ("url: mqtt://user:pw@host", "put credentials in username and password"),
        ("url: mqtt://host\nqos: 2", "qos 2 is not supported"),
        ("url: mqtt://host\nqos: 7", "qos must be 0 or 1"),
        ("url: mqtt://host\npassword: x", "password needs a username"),
        ("url: mqtt://host\ntopic_prefix: a/+/b", "wildcards"),
        ("url: mqtt://host\ntopic_prefix: /abs", "must not start or end with '/'"),
        ("url: mqtt://host\ntopic_prefix: $SYS", "reserved for the server"),
        ("url: mqtt://host\nclient_id: ''", "client_id must be 1 to 65535 bytes"),
        ("url: mqtt://host\nkeepalive_s: 70000", "keepalive_s must be between 0 and 65535"),
        ("url: mqtt://host\nreconnect: {min_s: 5, max_s: 1}", "max_s must not be below min_s"),
        ("url: mqtt://host\nper_variabel: true", "unknown key 'per_variabel'"),
        ("url: mqtt://host\npassword: ${NOT_SET_ANYWHERE}\nusername: u", "environment variable 'NOT_SET_ANYWHERE' is not set"),
        ("topic_prefix: x", "url"),
    ])
    func badValuesAreReportedWithTheirPosition(keys: String, expected: String) {
        let found = errors(keys)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains(expected) == true, "\(found)")
        #expect(found.first?.hasPrefix("test.yaml:") == true, "\(found)")
    }

    @Test func sourceIDsThatCannotBeTopicLevelsAreRefused() {
        #expect(MQTTTopics.levelProblem("iracing") == nil)
        #expect(MQTTTopics.levelProblem("a+b") != nil)
        #expect(MQTTTopics.levelProblem("a/b") != nil)
        #expect(MQTTTopics.levelProblem("#") != nil)
        #expect(MQTTTopics.levelProblem("") != nil)
    }
}
