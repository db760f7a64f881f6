import BrokerCore
import BrokerTestSupport
import MQTTClient
import MockSource
import TLSClient
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
        return configErrors { try load(sinkKeys, environment: environment) }
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
        #expect(config.reconnect == ReconnectDelay(minS: 1, maxS: 30))
        #expect(rate == 10, "the sink's own default rate applies when the entry sets none")
    }

    @Test func everyKeyAndAPasswordFromTheEnvironment() throws {
        let (config, rate) = try load(
            """
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
        #expect(config.maxInFlight == 4 && config.reconnect == ReconnectDelay(minS: 0.5, maxS: 8))
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
        ("url: mqtt://host\nreconnect: {min_s: 5, max_s: 1}", "max_s (1.0) must not be less than min_s (5.0)"),
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
        // A relayed source's id spans levels; wildcards and empty levels are still refused.
        #expect(MQTTTopics.sourceIDProblem("car12/mock") == nil)
        #expect(MQTTTopics.sourceIDProblem("a+b") != nil)
        #expect(MQTTTopics.sourceIDProblem("car12/") != nil)
        #expect(MQTTTopics.sourceIDProblem("/mock") != nil)
        #expect(MQTTTopics.sourceIDProblem("a//b") != nil)
        #expect(MQTTTopics.sourceIDProblem("") != nil)
    }
}

/// `tls:` files are checked when the config loads, relative to the config's folder, and each
/// problem is reported at its key.
@Suite(.enabled(if: TestCertificates.opensslAvailable, "needs openssl"))
struct MQTTTLSConfigTests {
    /// Loads a config file written into the certificates' folder; returns the config or the errors.
    func load(_ sinkKeys: String, in certificates: TestCertificates) throws -> (MQTTConfig?, [String]) {
        let path = certificates.path("config.yaml")
        let text = "sources:\n  - type: mock\nsinks:\n  - type: mqtt\n" + sinkKeys.split(separator: "\n").map { "    \($0)\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var loaded: BrokerConfig?
        let errors = configErrors { loaded = try ConfigLoader(catalog: MQTTConfigTests.catalog).load(file: path) }
        return (loaded?.sinks.first?.config as? MQTTConfig, errors)
    }

    @Test func relativePathsAreReadFromTheConfigsFolder() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        try await certificates.issue("client")
        let (config, errors) = try load(
            "url: mqtts://127.0.0.1:8883\ntls: {ca: ca.pem, cert: client.pem, key: client.key, insecure_skip_verify: false}", in: certificates)
        #expect(errors.isEmpty, "\(errors)")
        let tls = try #require(config?.tls)
        #expect(tls == TLSClientOptions(ca: "ca.pem", cert: "client.pem", key: "client.key"))
        // At run time the same paths resolve against the context's config folder.
        let context = PluginContext(logger: LogCapture().logger, registry: VariableRegistry(), configDirectory: certificates.folder.path)
        #expect(try MQTTSink(id: "mqtt", config: try #require(config), context: context).tls != nil)
    }

    @Test func everyFileProblemIsReportedAtItsKey() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let client = try await certificates.issue("client")
        let other = try await certificates.issue("other")
        try "not a certificate\n".write(toFile: certificates.path("junk.pem"), atomically: true, encoding: .utf8)
        let config = certificates.path("config.yaml")

        var (_, errors) = try load("url: mqtts://h\ntls:\n  ca: missing.pem", in: certificates)
        #expect(errors == ["\(config):7:11: TLS CA file \(certificates.path("missing.pem")) does not exist"])

        (_, errors) = try load("url: mqtts://h\ntls:\n  ca: junk.pem", in: certificates)
        #expect(errors == ["\(config):7:11: TLS CA file \(certificates.path("junk.pem")) holds no PEM certificate"])

        (_, errors) = try load("url: mqtts://h\ntls:\n  cert: client.pem", in: certificates)
        #expect(errors == ["\(config):7:13: cert needs key (the client certificate's private key file)"])

        (_, errors) = try load("url: mqtts://h\ntls:\n  cert: client.pem\n  key: junk.pem", in: certificates)
        #expect(
            errors.count == 1
                && errors.first?.hasPrefix("\(config):8:12: TLS key file \(certificates.path("junk.pem")) holds no readable PEM private key") == true,
            "\(errors)")

        (_, errors) = try load("url: mqtts://h\ntls:\n  cert: \(client.cert)\n  key: \(other.key)", in: certificates)
        #expect(
            errors.count == 1 && errors.first?.hasPrefix("\(config):8:12: TLS key file \(other.key) does not match the client certificate") == true,
            "\(errors)")

        (_, errors) = try load("url: mqtt://h\ntls: {ca: ca.pem}", in: certificates)
        #expect(errors == ["\(config):6:10: tls applies to mqtts:// urls only (the url is mqtt://h:1883)"])
    }

    @Test func aFileGoneByStartIsOneLineNamingIt() throws {
        let config = MQTTConfig(server: MQTTServerAddress(host: "h", port: 8883, usesTLS: true), tls: TLSClientOptions(ca: "/nonexistent/ca.pem"))
        let context = PluginContext(logger: LogCapture().logger, registry: VariableRegistry())
        #expect(throws: PluginError.self) { try MQTTSink(id: "up", config: config, context: context) }
        do {
            _ = try MQTTSink(id: "up", config: config, context: context)
        } catch {
            #expect("\(error)" == "mqtt sink 'up': TLS CA file /nonexistent/ca.pem does not exist")
        }
    }
}
