import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import Testing

@testable import WebSocketSink

/// `tls`: the port serves wss:// and https:// only, to a real TLS client (Python's `websockets`)
/// trusting a CA made for the test; certificate problems at start are one line naming the file;
/// a reload (SIGHUP) swaps the certificate for new connections while old ones keep streaming.
@Suite("WebSocket sink over TLS")
struct TLSTests {
    static let script = TestData.packageRoot.appendingPathComponent("Tests/WebSocketSinkTests/interop/tls_client.py").path

    static func toolsAvailable() async -> Bool { await InteropTests.pythonAvailable() && TestCertificates.opensslAvailable }

    /// Runs `body` with a sink on a free loopback port serving `pair` over TLS, telemetry flowing at 60 Hz.
    static func withTLSSink<Value>(
        _ pair: TestCertificates.Pair, logger: Logger? = nil, _ body: (SinkHarness) async throws -> Value
    ) async throws -> Value {
        var config = SinkHarness.config()
        config.tls = .init(cert: pair.cert, key: pair.key)
        return try await withSinkHarness(config, logger: logger) { harness in
            let publishing = FrameDriver(hub: harness.hub, variables: ProtocolTests.basicVariables).start(rate: 60)
            defer { publishing.cancel() }
            return try await body(harness)
        }
    }

    /// Runs the Python client to its end and returns its JSON report.
    static func client(port: Int, trusting ca: String, seconds: Double = 1) async throws -> JSONValue {
        let result = try await ChildProcess.run(["python3", script, "wss://127.0.0.1:\(port)/", ca, "\(seconds)"], timeout: seconds + 20)
        return try parseJSON(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(
        "a wss:// client trusting the CA subscribes and reads; one trusting another CA fails the handshake",
        .enabled("needs python3 with websockets, and openssl") { await toolsAvailable() })
    func tlsClient() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let server = try await certificates.issue("server")
        try await Self.withTLSSink(server) { harness in

            let trusted = try await Self.client(port: harness.port, trusting: certificates.ca.cert)
            #expect(trusted["ok"] == true, "\(trusted)")
            #expect(trusted["fingerprint"]?.stringValue == (try await certificates.fingerprint(server)))
            #expect((trusted["messages"]?.doubleValue ?? 0) >= 20, "\(trusted)")

            let stranger = try await TestCertificates(caName: "Some Other CA")
            defer { stranger.remove() }
            let untrusted = try await Self.client(port: harness.port, trusting: stranger.ca.cert)
            #expect(untrusted["ok"] == false)
            #expect(untrusted["failure"]?.stringValue?.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(untrusted)")
        }
    }

    @Test(
        "a plain http:// or ws:// request on a TLS port gets a clear 400, not garbage",
        .enabled("needs python3 with websockets, and openssl") { await toolsAvailable() })
    func plainRefused() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let capture = LogCapture()
        try await Self.withTLSSink(try await certificates.issue("server"), logger: capture.logger(level: .info)) { harness in

            let page = try await AccessControlTests.get("/", port: harness.port)
            #expect(page.status == 400, "\(page.head)")
            #expect(page.body == "this port speaks TLS only: use https:// for pages and wss:// for WebSocket\n")
            let (upgrade, head) = try await AccessControlTests.upgrade(port: harness.port)
            #expect(RawSocket.status(of: head) == 400)
            #expect(try await offThePool { upgrade.peerClosed(timeout: 2) })

            let result = try await ChildProcess.run(["python3", InteropTests.script, "ws://127.0.0.1:\(harness.port)/", "1"], timeout: 20)
            #expect(result.status == 1)
            #expect(result.output.contains("400"), "\(result.output)")
        }
        // Counted in plain_requests_refused, not logged: nothing at error level (the HTTP upgrader
        // used to log one error per refused request when the connection closed under it).
        #expect(!(await waitUntil(timeout: 1) { !capture.messages(atLeast: .error).isEmpty }), "\(capture.messages(atLeast: .error))")
    }

    @Test("a TLS connection that stays silent, or stalls in the handshake, is closed after the request deadline")
    func silentClosed() async throws {
        guard TestCertificates.opensslAvailable else { try Fixture.unavailable("needs openssl (apt-get install -y openssl)") }
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let server = try await certificates.issue("server")
        var config = SinkHarness.config(requestHeadTimeout: 0.5)
        config.tls = .init(cert: server.cert, key: server.key)
        let capture = LogCapture()
        try await withSinkHarness(config, logger: capture.logger(level: .info)) { harness in
            let closed = try await offThePool {
                let silent = try RawSocket(port: harness.port, timeout: 10)
                let stalled = try RawSocket(port: harness.port, timeout: 10)
                try stalled.send([0x16, 0x03, 0x01])  // the start of a TLS record, and nothing more
                return (silent.peerClosed(timeout: 8), stalled.peerClosed(timeout: 8))
            }
            #expect(closed.0 && closed.1)
            #expect(!(await waitUntil(timeout: 1) { !capture.messages(atLeast: .error).isEmpty }), "\(capture.messages(atLeast: .error))")
        }
    }

    @Test(
        "a reload serves the new certificate to new clients while old ones keep streaming; a bad one keeps the old",
        .enabled("needs python3 with websockets, and openssl") { await toolsAvailable() })
    func reload() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let first = try await certificates.issue("server")
        let capture = LogCapture()
        try await Self.withTLSSink(first, logger: capture.logger(level: .info)) { harness in
            let identity = try #require(harness.sink.tlsIdentity)

            // A client streaming for 4 s across the reload.
            let long = ChildProcess(
                ["python3", Self.script, "wss://127.0.0.1:\(harness.port)/", certificates.ca.cert, "4"], output: certificates.path("long.out"),
                errors: certificates.path("long.err"))
            let longErrors = { ChildProcess.read(certificates.path("long.err")) }
            #expect(await waitUntil(timeout: 15) { longErrors().contains("\"connected\": true") }, "\(longErrors())")

            let second = try await certificates.issue("renewed")
            try Self.replace(first, with: second)
            #expect(identity.reload())
            let fresh = try await Self.client(port: harness.port, trusting: certificates.ca.cert)
            #expect(fresh["ok"] == true, "\(fresh)")
            #expect(fresh["fingerprint"]?.stringValue == (try await certificates.fingerprint(second)))

            #expect(await long.wait(timeout: 20) == 0)
            let old = try parseJSON(ChildProcess.read(certificates.path("long.out")).trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(old["ok"] == true, "\(old)")
            #expect(old["fingerprint"]?.stringValue == (try await certificates.fingerprint(first)))
            #expect((old["late_messages"]?.doubleValue ?? 0) >= 20, "the old client stopped streaming: \(old)")

            // A key that does not match: the reload fails, says why, and the renewed one stays.
            let other = try await certificates.issue("other")
            try FileManager.default.removeItem(atPath: first.key)
            try FileManager.default.copyItem(atPath: other.key, toPath: first.key)
            #expect(!identity.reload())
            #expect(capture.messages(atLeast: .error).contains { $0.contains("TLS reload failed") && $0.contains("does not match") })
            let after = try await Self.client(port: harness.port, trusting: certificates.ca.cert)
            #expect(after["ok"] == true, "\(after)")
            #expect(after["fingerprint"]?.stringValue == (try await certificates.fingerprint(second)))
        }
    }

    @Test("missing files, a key not matching, an expired certificate: one line naming the file; expiring soon: a warning")
    func startErrors() async throws {
        guard TestCertificates.opensslAvailable else { try Fixture.unavailable("needs openssl (apt-get install -y openssl)") }
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let good = try await certificates.issue("server")
        let other = try await certificates.issue("other")
        let expired = try await certificates.issue("expired", days: -1)
        let capture = LogCapture()
        func failure(_ cert: String, _ key: String) -> String {
            do {
                _ = try TLSIdentity(certPath: cert, keyPath: key, logger: capture.logger)
                return "no error"
            } catch {
                return error.message
            }
        }
        let missing = certificates.path("nope.pem")
        #expect(failure(missing, good.key) == "TLS certificate file \(missing) does not exist")
        #expect(failure(good.cert, missing) == "TLS key file \(missing) does not exist")
        #expect(failure(good.cert, other.key).hasPrefix("TLS key file \(other.key) does not match the certificate in \(good.cert)"))
        #expect(failure(expired.cert, expired.key).hasPrefix("TLS certificate file \(expired.cert) expired on "))
        #expect(failure(good.key, good.key).hasPrefix("TLS certificate file \(good.key) holds no"))
        #expect(capture.warnings.isEmpty)

        let soon = try await certificates.issue("soon", days: 5)
        _ = try TLSIdentity(certPath: soon.cert, keyPath: soon.key, logger: capture.logger)
        #expect(capture.warnings.count == 1)
        #expect(capture.warnings.first?.contains("TLS certificate \(soon.cert) expires on ") == true, "\(capture.warnings)")
    }

    @Test(
        "the broker: a bad certificate stops it with one line and exit 1; SIGHUP reloads",
        .enabled("needs python3 with websockets, and openssl") { await toolsAvailable() })
    func brokerProcess() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let port = try freeLoopbackPort()
        let configPath = certificates.path("config.yaml")
        func writeConfig(cert: String) throws {
            try """
            sources:
              - type: mock
            sinks:
              - type: websocket
                host: 127.0.0.1
                port: \(port)
                mdns:
                  enabled: false
                tls:
                  cert: \(cert)
                  key: server.key
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        }
        // Relative paths are taken from the config's folder, whatever the working directory.
        let first = try await certificates.issue("server")
        try writeConfig(cert: "missing.pem")
        let refused = try await BrokerProcess.run(["run", "--config", configPath], timeout: 30)
        #expect(refused.status == 1)
        let lines = refused.stderr.split(separator: "\n").filter { !$0.contains("starting from") }
        #expect(lines == ["websocket sink 'websocket': TLS certificate file \(certificates.path("missing.pem")) does not exist"], "\(refused.stderr)")

        try writeConfig(cert: "server.pem")
        try await withBroker(["run", "--config", configPath, "--log-level", "info"]) { broker in
            #expect(await waitUntil(timeout: 20) { (try? RawSocket(port: port, timeout: 1)) != nil })
            let before = try await Self.client(port: port, trusting: certificates.ca.cert)
            #expect(before["ok"] == true, "\(before) \(broker.stderr)")
            #expect(before["fingerprint"]?.stringValue == (try await certificates.fingerprint(first)))

            let second = try await certificates.issue("renewed")
            try Self.replace(first, with: second)
            broker.signal(SIGHUP)
            #expect(await waitUntil(timeout: 10) { broker.stderr.contains("TLS certificate reloaded") }, "\(broker.stderr)")
            let after = try await Self.client(port: port, trusting: certificates.ca.cert)
            #expect(after["ok"] == true, "\(after)")
            #expect(after["fingerprint"]?.stringValue == (try await certificates.fingerprint(second)))
            broker.signal(SIGTERM)
            #expect(await broker.wait(timeout: 10) == 0)
        }
    }

    @Test(
        "Chromium loads the dashboard over https with protect_http and its token, and shows live values over wss",
        .enabled(if: HeadlessChromium.isAvailable && TestCertificates.opensslAvailable, "needs Chromium and openssl"))
    func dashboardOverHTTPS() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let server = try await certificates.issue("server")
        var config = SinkHarness.config(token: "s3cret")
        config.tls = .init(cert: server.cert, key: server.key)
        config.protectHTTP = true
        try await withSinkHarness(config) { harness in
            let publishing = FrameDriver(hub: harness.hub, variables: ProtocolTests.basicVariables).start(rate: 60)
            defer { publishing.cancel() }
            let spki = try await certificates.spkiHash(server)
            try await HeadlessChromium.withPage(extraArguments: ["--ignore-certificate-errors-spki-list=\(spki)"]) { page in
                try await page.navigate("https://127.0.0.1:\(harness.port)/?token=s3cret&vars=Speed")
                let live = try await page.waitFor("live tiles over wss", expression: DashboardProbe.state) { state in
                    state["conn"] == "live" && DashboardProbe.updates(state, "Speed") >= 2
                }
                #expect(DashboardProbe.names(live) == ["Speed"])
                let scheme = try await page.evaluate("location.protocol")
                #expect(scheme == "https:")
                #expect(page.scriptErrors.isEmpty, "\(page.scriptErrors)")
            }
        }
    }

    /// Overwrites `old`'s files with `new`'s, as a renewal does.
    static func replace(_ old: TestCertificates.Pair, with new: TestCertificates.Pair) throws {
        for (from, to) in [(new.cert, old.cert), (new.key, old.key)] {
            try FileManager.default.removeItem(atPath: to)
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }
    }
}
