import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import TLSClient
import Testing

@testable import WebSocketSource

/// `wss://` upstreams: broker C's `websocket` source reading broker A's WebSocket sink with `tls:`
/// on, over real loopback sockets, with certificates made for the test by openssl.
extension UpstreamEndToEndTests {
    /// Broker A: the mock (seed 1) served by a WebSocket sink over TLS with `server`'s files.
    static func tlsUpstreamBroker(port: Int, server: TestCertificates.Pair) -> String {
        upstreamBroker(port: port) + "\n    tls: {cert: \(server.cert), key: \(server.key)}"
    }

    /// Broker C's source on `url`, with the `tls:` keys given (flow style), reconnecting fast.
    static func tlsDownstreamBroker(url: String, tls: String) -> String {
        downstreamBroker(upstream: url + "\n    tls: \(tls)")
    }

    static func detail(_ hub: SourceHub, _ key: String) -> JSONValue? { hub.status.details.first { $0.0 == key }?.1 }

    @Test(
        "over wss:// trusting the test CA, C republishes A's mock with equal values (by address and by name)",
        .enabled(if: TestCertificates.opensslAvailable, "needs openssl"))
    func wssTrusted() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let server = try await certificates.issue("server")
        let port = try freeLoopbackPort()
        let capture = LogCapture()
        try await withRunningBroker(Self.tlsUpstreamBroker(port: port, server: server)) { a in
            let downstream = Self.tlsDownstreamBroker(url: "wss://127.0.0.1:\(port)/", tls: "{ca: \(certificates.ca.cert)}")
            try await withRunningBroker(downstream, logger: capture.logger(level: .info)) { c in
                let hubA = try a.hub("a")
                let hubC = try c.hub("car12")
                #expect(await waitUntil(timeout: 20) { hubC.status.connected && hubC.latestFrame != nil }, "\(hubC.status.details)")
                #expect(Self.detail(hubC, "declarations") == "vars")
                let layoutA = try #require(hubA.layout)
                let layoutC = try #require(hubC.latestFrame?.layout)
                #expect(layoutC.fields.map(\.name) == layoutA.fields.map(\.name))

                let matched = try await Self.framesMatching(hubA, hubC)
                #expect(matched >= 5, "C's frames never matched A's (\(matched) matched)")
                #expect(hubC.sessionInfo?.data == hubA.sessionInfo?.data)
            }
            // By name: the server name `localhost` is sent and checked against the certificate's DNS entry.
            let byName = Self.tlsDownstreamBroker(url: "wss://localhost:\(port)/", tls: "{ca: \(certificates.ca.cert)}")
            try await withRunningBroker(byName, logger: capture.logger(level: .info)) { d in
                let hub = try d.hub("car12")
                #expect(await waitUntil(timeout: 20) { hub.status.connected && hub.latestFrame != nil }, "\(hub.status.details)")
            }
        }
        // (A `connection refused` can come first, when C tries before A listens.)
        #expect(!capture.warnings.contains { $0.contains("TLS") }, "\(capture.warnings)")
    }

    @Test(
        "a certificate from another CA, or for another name: disconnected with the reason, one warning, retried",
        .enabled(if: TestCertificates.opensslAvailable, "needs openssl"))
    func wssRefused() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let stranger = try await TestCertificates(caName: "Some Other CA")
        defer { stranger.remove() }
        let cases = [
            (try await stranger.issue("server"), "the server's certificate is not trusted"),
            (try await certificates.issue("elsewhere", subjectAltName: "DNS:elsewhere.example"), "not valid for this host name or address"),
        ]
        for (server, expected) in cases {
            let port = try freeLoopbackPort()
            let capture = LogCapture()
            try await withRunningBroker(Self.tlsUpstreamBroker(port: port, server: server)) { _ in
                let downstream = Self.tlsDownstreamBroker(url: "wss://127.0.0.1:\(port)/", tls: "{ca: \(certificates.ca.cert)}")
                try await withRunningBroker(downstream, logger: capture.logger(level: .info)) { c in
                    let hub = try c.hub("car12")
                    #expect(await waitUntil(timeout: 20) { (Self.detail(hub, "reconnects")?.intValue ?? 0) >= 3 })
                    #expect(!hub.status.connected)
                    #expect(hub.latestFrame == nil)
                    let reason = Self.detail(hub, "reason")?.stringValue ?? ""
                    #expect(reason.hasPrefix("TLS handshake failed: ") && reason.contains(expected), "\(reason)")
                }
            }
            // One warning for the reason, however many attempts: the plain path's behaviour.
            let lines = capture.warnings.filter { $0.contains("TLS handshake failed") }
            #expect(lines.count == 1, "\(capture.warnings)")
            #expect(lines.first?.contains(expected) == true && lines.first?.contains("retrying with backoff") == true, "\(lines)")
        }
    }

    @Test(
        "insecure_skip_verify connects to a certificate for another name from an unknown CA, and warns at every connect",
        .enabled(if: TestCertificates.opensslAvailable, "needs openssl"))
    func wssInsecure() async throws {
        let stranger = try await TestCertificates(caName: "Some Other CA")
        defer { stranger.remove() }
        let server = try await stranger.issue("elsewhere", subjectAltName: "DNS:elsewhere.example")
        let port = try freeLoopbackPort()
        let capture = LogCapture()
        try await withRunningBroker(Self.tlsUpstreamBroker(port: port, server: server)) { _ in
            let downstream = Self.tlsDownstreamBroker(url: "wss://127.0.0.1:\(port)/", tls: "{insecure_skip_verify: true}")
            try await withRunningBroker(downstream, logger: capture.logger(level: .info)) { c in
                let hub = try c.hub("car12")
                #expect(await waitUntil(timeout: 20) { hub.status.connected && (hub.latestFrame?.seq ?? 0) >= 3 }, "\(hub.status.details)")
            }
        }
        let warnings = capture.warnings.filter { $0.contains("verification is off (insecure_skip_verify)") }
        #expect(warnings.count == 1, "\(capture.warnings)")
        #expect(capture.messages(atLeast: .error).isEmpty, "\(capture.messages(atLeast: .error))")
    }
}

/// `tls:` of the `websocket` source: files checked when the config loads, relative to its folder,
/// each problem at its key; and a file gone by start is one line naming it.
@Suite(.enabled(if: TestCertificates.opensslAvailable, "needs openssl"))
struct UpstreamTLSConfigTests {
    /// Loads a config file written into the certificates' folder; returns the config or the errors.
    func load(_ sourceKeys: String, in certificates: TestCertificates) throws -> (WebSocketUpstreamConfig?, [String]) {
        let path = certificates.path("config.yaml")
        let text = "sources:\n  - type: websocket\n" + sourceKeys.split(separator: "\n").map { "    \($0)\n" }.joined() + "sinks: []\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var loaded: BrokerConfig?
        let errors = configErrors { loaded = try ConfigLoader(catalog: UpstreamEndToEndTests.catalog).load(file: path) }
        return (loaded?.sources.first?.config as? WebSocketUpstreamConfig, errors)
    }

    @Test func relativePathsAreReadFromTheConfigsFolder() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        try await certificates.issue("client")
        let (config, errors) = try load(
            "url: wss://upstream.example/\ntls: {ca: ca.pem, cert: client.pem, key: client.key, insecure_skip_verify: false}", in: certificates)
        #expect(errors.isEmpty, "\(errors)")
        #expect(config?.tls == TLSClientOptions(ca: "ca.pem", cert: "client.pem", key: "client.key"))
        #expect(config?.usesTLS == true)
        let context = PluginContext(logger: LogCapture().logger, registry: VariableRegistry(), configDirectory: certificates.folder.path)
        #expect(try WebSocketUpstreamSource(id: "up", config: try #require(config), context: context).tls != nil)
    }

    @Test func eachProblemIsReportedAtItsKey() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let config = certificates.path("config.yaml")

        var (_, errors) = try load("url: wss://h/\ntls:\n  ca: missing.pem", in: certificates)
        #expect(errors == ["\(config):5:11: TLS CA file \(certificates.path("missing.pem")) does not exist"])

        (_, errors) = try load("url: ws://h/\ntls: {ca: ca.pem}", in: certificates)
        #expect(errors == ["\(config):4:10: tls applies to wss:// urls only (the url is ws://h/)"])

        (_, errors) = try load("url: wss://h/\ntls:\n  cert: ca.pem", in: certificates)
        #expect(errors == ["\(config):5:13: cert needs key (the client certificate's private key file)"])

        (_, errors) = try load("url: https://h/", in: certificates)
        #expect(errors == ["\(config):3:10: url must start with ws:// or wss:// (found 'https://h/')"])
    }

    @Test func aFileGoneByStartIsOneLineNamingIt() {
        let config = WebSocketUpstreamConfig(url: "wss://h/", tls: TLSClientOptions(ca: "/nonexistent/ca.pem"))
        let context = PluginContext(logger: LogCapture().logger, registry: VariableRegistry())
        #expect(throws: PluginError.self) { try WebSocketUpstreamSource(id: "up", config: config, context: context) }
        do {
            _ = try WebSocketUpstreamSource(id: "up", config: config, context: context)
        } catch {
            #expect("\(error)" == "websocket source 'up': TLS CA file /nonexistent/ca.pem does not exist")
        }
    }

    @Test func hostsAndSchemes() {
        #expect(WebSocketUpstreamConfig(url: "wss://127.0.0.1:8765/").hostIsIPAddress)
        #expect(WebSocketUpstreamConfig(url: "wss://[::1]:8765/").host == "::1")
        #expect(WebSocketUpstreamConfig(url: "wss://[::1]/").hostIsIPAddress)
        #expect(WebSocketUpstreamConfig(url: "WSS://car12.local/").host == "car12.local")
        #expect(!WebSocketUpstreamConfig(url: "wss://car12.local:443/").hostIsIPAddress)
        #expect(!WebSocketUpstreamConfig(url: "ws://10.0.0.12:8765/").usesTLS)
    }
}
