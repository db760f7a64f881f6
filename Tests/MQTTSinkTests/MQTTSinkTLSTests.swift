import BrokerCore
import BrokerTestSupport
import Foundation
import MQTTClient
import TLSClient
import Testing

@testable import MQTTSink

/// `mqtts://` against a real Mosquitto with a TLS listener on loopback, using a CA and
/// certificates made for each test with the openssl command; checked through `mosquitto_sub`
/// connected over TLS with the same CA, and through the sink's log lines.
@Suite(
    .serialized,
    .enabled(if: Mosquitto.isAvailable && TestCertificates.opensslAvailable, "needs Debian's \(Mosquitto.packages) and openssl"))
struct MQTTSinkTLSTests {
    /// A CA, a server certificate for 127.0.0.1 and a Mosquitto serving it.
    struct Setup {
        let certificates: TestCertificates
        let mosquitto: Mosquitto
        var url: MQTTServerAddress { MQTTServerAddress(host: "127.0.0.1", port: mosquitto.tlsPort ?? 0, usesTLS: true) }
        var trusting: Mosquitto.TLSClient { Mosquitto.TLSClient(caFile: certificates.ca.cert) }

        init(requireCertificate: Bool = false, serverNames: String = "IP:127.0.0.1,DNS:localhost") async throws {
            certificates = try await TestCertificates()
            let server = try await certificates.issue("server", subjectAltName: serverNames)
            mosquitto = try Mosquitto(
                tls: Mosquitto.TLSListener(
                    caFile: certificates.ca.cert, certFile: server.cert, keyFile: server.key, requireCertificate: requireCertificate))
        }

        func remove() { certificates.remove() }

        /// A sink config for the TLS listener, `tls` filled by `adjust`.
        func config(_ name: String, _ adjust: (inout MQTTConfig) -> Void) -> MQTTConfig {
            testConfig(port: 0, clientID: uniqueClientID(name)) {
                $0.server = url
                adjust(&$0)
            }
        }
    }

    /// Builds the sink's TLS context the way the broker does (paths resolved, files checked).
    func run(_ config: MQTTConfig, hub: DrivenHub, registry: VariableRegistry) throws -> SinkRun {
        try SinkRun(config: config, hubs: [hub.hub], registry: registry)
    }

    @Test func publishesOverTLSToASubscriberTrustingTheSameCA() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        let subscriber = try await setup.mosquitto.subscribe("telemetry/car/#", tls: setup.trusting)
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try run(setup.config("tls") { $0.tls = TLSClientOptions(ca: setup.certificates.ca.cert) }, hub: car, registry: registry)
        car.start()
        let received = try await subscriber.waitUntil(timeout: 10) { $0.filter { $0.topic == "telemetry/car/telemetry" }.count >= 5 }
        #expect(received.filter { $0.topic == "telemetry/car/telemetry" }.count >= 5, "no telemetry over TLS: \(setup.mosquitto.log)")
        #expect(received.contains { $0.topic == "telemetry/car/status" && $0.object?["connected"] as? Bool == true })
        #expect(run.logs.messages(atLeast: .warning).isEmpty, "\(run.logs.messages(atLeast: .warning))")
        #expect(run.logs.messages(exactly: .info).contains { $0.contains("connected to mqtts://127.0.0.1:\(setup.url.port)") })
        car.stop()
        _ = await run.stop()
    }

    @Test func aServerSignedByAnotherCAIsRefusedWithOneClearLineAndRetried() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        let stranger = try await TestCertificates(caName: "Some Other CA")
        defer { stranger.remove() }
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try run(setup.config("wrongca") { $0.tls = TLSClientOptions(ca: stranger.ca.cert) }, hub: car, registry: registry)
        car.start()
        func attempts() -> Int { setup.mosquitto.log.components(separatedBy: "New connection from 127.0.0.1:").count - 1 }
        let retried = await waitUntil(timeout: 10) { attempts() >= 3 }
        #expect(retried, "the sink should keep retrying with backoff (\(attempts()) attempts)")
        let warnings = run.logs.messages(atLeast: .warning)
        #expect(warnings.count == 1, "one line however many attempts: \(warnings)")
        let line = try #require(warnings.first)
        #expect(line.contains("cannot connect to mqtts://127.0.0.1:\(setup.url.port)"), "\(line)")
        #expect(line.contains("TLS handshake failed: the server's certificate is not trusted"), "\(line)")
        #expect(line.contains("CERTIFICATE_VERIFY_FAILED"), "\(line)")
        #expect(!run.stats.connected && run.stats.published == 0)
        car.stop()
        #expect(await run.stop() <= PluginCompliance.stopDeadline)
    }

    @Test func aCertificateForAnotherHostIsRefused() async throws {
        let setup = try await Setup(serverNames: "DNS:mqtt.elsewhere.example")
        defer { setup.remove() }
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try run(setup.config("hostname") { $0.tls = TLSClientOptions(ca: setup.certificates.ca.cert) }, hub: car, registry: registry)
        car.start()
        let warned = await waitUntil(timeout: 10) { !run.logs.messages(atLeast: .warning).isEmpty }
        #expect(warned)
        let line = run.logs.messages(atLeast: .warning).first ?? ""
        #expect(
            line.contains("TLS handshake failed: the server's certificate is not valid for this host name or address"),
            "a certificate signed by the trusted CA but for another name must fail: \(line)")
        #expect(!run.stats.connected)
        car.stop()
        _ = await run.stop()
    }

    @Test func insecureSkipVerifyConnectsAnywayAndWarnsAtEveryConnect() async throws {
        let setup = try await Setup(serverNames: "DNS:mqtt.elsewhere.example")
        defer { setup.remove() }
        let stranger = try await TestCertificates(caName: "Some Other CA")
        defer { stranger.remove() }
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try run(
            setup.config("insecure") { $0.tls = TLSClientOptions(ca: stranger.ca.cert, insecureSkipVerify: true) }, hub: car, registry: registry)
        car.start()
        #expect(try await run.waitForStats { $0.connected && $0.published >= 3 }, "\(run.logs.messages)")
        run.session("car")?.abortConnection()
        #expect(try await run.waitForStats { $0.connected && $0.reconnects == 1 }, "\(run.stats)")
        let warnings = run.logs.messages(exactly: .warning).filter { $0.contains("insecure_skip_verify") }
        #expect(warnings.count == 2, "one warning per connect: \(run.logs.messages(exactly: .warning))")
        car.stop()
        _ = await run.stop()
    }

    @Test func aServerRequiringAClientCertificateAcceptsOneSignedByItsCA() async throws {
        let setup = try await Setup(requireCertificate: true)
        defer { setup.remove() }
        let client = try await setup.certificates.issue("client")
        let subscriber = try await setup.mosquitto.subscribe(
            "telemetry/car/telemetry", tls: Mosquitto.TLSClient(caFile: setup.certificates.ca.cert, certFile: client.cert, keyFile: client.key))
        let registry = VariableRegistry()

        // Without a certificate: refused, one line, retried.
        let anonymousCar = DrivenHub(registry: registry)
        let anonymous = try run(
            setup.config("nocert") { $0.tls = TLSClientOptions(ca: setup.certificates.ca.cert) }, hub: anonymousCar, registry: registry)
        anonymousCar.start()
        let refused = await waitUntil(timeout: 10) { !anonymous.logs.messages(atLeast: .warning).isEmpty }
        #expect(refused)
        let refusals = anonymous.logs.messages(atLeast: .warning)
        #expect(refusals.count == 1, "\(refusals)")
        #expect(refusals.first?.contains("TLS handshake failed: the server refused the connection's certificate") == true, "\(refusals)")
        #expect(!anonymous.stats.connected)
        anonymousCar.stop()
        _ = await anonymous.stop()

        // With one: telemetry flows.
        let car = DrivenHub(registry: registry)
        let run = try run(
            setup.config("cert") { $0.tls = TLSClientOptions(ca: setup.certificates.ca.cert, cert: client.cert, key: client.key) }, hub: car,
            registry: registry)
        car.start()
        let received = try await subscriber.waitUntil(timeout: 10) { $0.count >= 3 }
        #expect(received.count >= 3, "no telemetry with a client certificate: \(setup.mosquitto.log.suffix(2000))")
        #expect(run.logs.messages(atLeast: .warning).isEmpty, "\(run.logs.messages(atLeast: .warning))")
        car.stop()
        _ = await run.stop()
    }

    @Test func aPlainServerOnAnMQTTSURLIsOneClearLine() async throws {
        let mosquitto = try Mosquitto()
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try run(
            testConfig(port: 0, clientID: uniqueClientID("plain")) {
                $0.server = MQTTServerAddress(host: "127.0.0.1", port: mosquitto.port, usesTLS: true)
            },
            hub: car, registry: registry)
        car.start()
        let warned = await waitUntil(timeout: 10) { !run.logs.messages(atLeast: .warning).isEmpty }
        #expect(warned)
        let lines = run.logs.messages(atLeast: .warning)
        #expect(lines.count == 1 && lines.first?.contains("TLS handshake failed") == true, "\(lines)")
        car.stop()
        _ = await run.stop()
    }
}
