import BrokerCore
import BrokerTestSupport
import Foundation
import Testing

@testable import WebSocketSink

/// Named tokens (the name logged and listed, never the token), `protect_http` and
/// `max_clients_per_address`, over real sockets.
@Suite("WebSocket named tokens, protect_http, max_clients_per_address")
struct AccessControlTests {
    static let ipad = "ipad-Secret-7f3a"
    static let engineer = "eng-Secret-91c2"

    static func config(protectHTTP: Bool = false) -> WebSocketSinkConfig {
        var config = SinkHarness.config()
        config.tokens = ["ipad": ipad, "engineer": engineer]
        config.protectHTTP = protectHTTP
        return config
    }

    @Test("each named token is accepted; the name, never the token, is in the connect log and /metrics")
    func namedTokens() async throws {
        let capture = LogCapture()
        try await withSinkHarness(Self.config(), logger: capture.logger(level: .debug)) { harness in
            try await TestClient.connect(harness.url(query: "token=\(Self.ipad)")) { client in
                #expect(try await client.next()["type"] == "status")
                try await TestClient.connect(harness.url(), headers: [.authorization: "Bearer \(Self.engineer)"]) { client in
                    #expect(try await client.next()["type"] == "status")
                    let metrics = try await Self.get("/metrics", port: harness.port)
                    #expect(metrics.body.contains("client=\"1\",address=\"127.0.0.1\",token=\"ipad\"} 1\n"), "\(metrics.body)")
                    #expect(metrics.body.contains("client=\"2\",address=\"127.0.0.1\",token=\"engineer\"} 1\n"))
                    #expect(!metrics.body.contains(Self.ipad) && !metrics.body.contains(Self.engineer))
                }
            }
            let connects = capture.messages.filter { $0.contains("connected from") }
            #expect(connects.count == 2)
            #expect(connects.first?.hasSuffix("with token 'ipad'") == true, "\(connects)")
            #expect(connects.last?.hasSuffix("with token 'engineer'") == true, "\(connects)")
            #expect(!capture.lines.contains { $0.text.contains(Self.ipad) || $0.text.contains(Self.engineer) })

            for query in ["", "token=ipad", "token=\(Self.ipad)x", "token=\(Self.ipad.dropLast())"] {
                let (_, head) = try await Self.upgrade(port: harness.port, path: query.isEmpty ? "/" : "/?\(query)")
                #expect(RawSocket.status(of: head) == 401, "\(query)")
            }
        }
    }

    /// How long a test waits for a response: generous, as the whole suite runs in parallel on two
    /// cores and the sink's HTTP handlers share the cooperative pool with every other test.
    static let responseTimeout = 20

    /// A plain HTTP GET (`Authorization` from `bearer`), off the cooperative pool (see `offThePool`).
    static func get(_ path: String, port: Int, bearer: String? = nil) async throws -> (status: Int?, head: String, body: String) {
        try await offThePool {
            let socket = try RawSocket(port: port, timeout: responseTimeout)
            let authorization = bearer.map { "Authorization: Bearer \($0)\r\n" } ?? ""
            try socket.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(authorization)Connection: close\r\n\r\n")
            let parts = socket.readAll().components(separatedBy: "\r\n\r\n")
            return (RawSocket.status(of: parts[0]), parts[0], parts.dropFirst().joined(separator: "\r\n\r\n"))
        }
    }

    /// A raw WebSocket upgrade request and its response head, off the cooperative pool; the socket
    /// stays open for as long as the caller holds it.
    static func upgrade(port: Int, path: String = "/") async throws -> (socket: RawSocket, head: String) {
        try await offThePool {
            let socket = try RawSocket(port: port, timeout: responseTimeout)
            try socket.send(RawSocket.upgradeRequest(port: port, path: path))
            return (socket, try socket.readHead())
        }
    }

    @Test("tokens, protect_http, max_clients_per_address and tls from YAML; bad values with their position")
    func configKeys() throws {
        let defaults = try ConfigTests.load("")
        #expect(defaults.tokens.isEmpty && defaults.tls == nil && !defaults.protectHTTP && defaults.maxClientsPerAddress == 64)
        let config = try ConfigTests.load(
            """
                tokens:
                  ipad: ${WS_TOKEN}
                  engineer: abc
                protect_http: true
                max_clients_per_address: 3
                tls:
                  cert: certs/fullchain.pem
                  key: certs/privkey.pem

            """)
        #expect(config.tokens == ["ipad": "from-env", "engineer": "abc"])
        #expect(config.namedTokens.map(\.name) == ["engineer", "ipad"])
        #expect(config.protectHTTP && config.maxClientsPerAddress == 3)
        #expect(config.tls == .init(cert: "certs/fullchain.pem", key: "certs/privkey.pem"))
        #expect(!config.description.contains("from-env") && !config.description.contains("abc"))
        for (lines, expected) in [
            ("    protect_http: true\n", "test.yaml:5:19: protect_http needs a token"),
            ("    max_clients_per_address: 0\n", "test.yaml:5:30: max_clients_per_address must be between 1 and 100000, found 0"),
            ("    tls:\n      cert: a.pem\n", "test.yaml:6:7: key must name the PEM private key file"),
            ("    tokens:\n      ipad: \"\"\n", "test.yaml:6:7: tokens: 'ipad' needs a non-empty name and token"),
            ("    token: x\n    tokens: {default: y}\n", "test.yaml:6:13: tokens: 'default' is the name of the single token"),
        ] {
            let errors = ConfigTests.errors(lines)
            #expect(errors.contains { $0.hasPrefix(expected) }, "\(lines): \(errors)")
        }
    }

    @Test("AccessTokens names the matching token and nothing for a near miss")
    func tokenMatching() {
        let tokens = AccessTokens(Self.config().namedTokens)
        #expect(tokens.name(uri: "/?token=\(Self.engineer)", authorization: []) == "engineer")
        #expect(tokens.name(uri: "/", authorization: ["Bearer \(Self.ipad)"]) == "ipad")
        #expect(tokens.name(uri: "/?token=nope", authorization: ["Bearer \(Self.ipad)"]) == "ipad")
        #expect(tokens.name(uri: "/?token=\(Self.ipad)!", authorization: []) == nil)
        #expect(!AccessTokens([]).required)
        var single = SinkHarness.config(token: "one")
        single.tokens = ["two": "2"]
        #expect(AccessTokens(single.namedTokens).name(uri: "/?token=one", authorization: []) == "default")
    }

    @Test("protect_http: /, /vars and /metrics need the token; /healthz stays open")
    func protectHTTP() async throws {
        try await withSinkHarness(Self.config(protectHTTP: true)) { harness in
            for path in ["/", "/vars", "/metrics"] {
                let refused = try await Self.get(path, port: harness.port)
                #expect(refused.status == 401, "\(path): \(refused.head)")
                #expect(refused.head.lowercased().contains("www-authenticate: bearer"))
                #expect(try await Self.get("\(path)?token=wrong", port: harness.port).status == 401)
                #expect(try await Self.get("\(path)?token=\(Self.ipad)", port: harness.port).status == 200, "\(path)")
            }
            #expect(try await Self.get("/vars", port: harness.port, bearer: Self.engineer).status == 200)
            #expect(try await Self.get("/healthz", port: harness.port).status == 200)
            let metrics = try await Self.get("/metrics?token=\(Self.ipad)", port: harness.port)
            #expect(metrics.body.contains("broker_websocket_http_unauthorized_total{sink=\"ws\"} 6\n"), "\(metrics.body)")
            try await harness.stop()

            try await withSinkHarness(Self.config()) { open in
                let metrics = try await Self.get("/metrics", port: open.port)
                #expect(metrics.status == 200)
            }
        }
    }

    @Test("clients beyond max_clients_per_address get HTTP 429 at the upgrade, counted, until one leaves")
    func perAddressLimit() async throws {
        var config = SinkHarness.config()
        config.maxClientsPerAddress = 2
        try await withSinkHarness(config) { harness in
            let first = try await Self.upgrade(port: harness.port)
            #expect(RawSocket.status(of: first.head) == 101)
            var second: RawSocket? = try await Self.upgrade(port: harness.port).socket
            #expect(second != nil)

            let refused = try await offThePool {
                let third = try RawSocket(port: harness.port, timeout: Self.responseTimeout)
                try third.send(RawSocket.upgradeRequest(port: harness.port))
                return third.readAll()
            }
            #expect(RawSocket.status(of: refused) == 429, "\(refused)")
            #expect(refused.contains("too many clients from 127.0.0.1 (max_clients_per_address is 2)"))
            // Other requests from the address are not limited.
            #expect(try await Self.get("/healthz", port: harness.port).status == 200)
            let metrics = try await Self.get("/metrics", port: harness.port)
            #expect(metrics.body.contains("broker_websocket_upgrades_over_address_limit_total{sink=\"ws\"} 1\n"))

            second = nil  // closes its socket
            let admitted = await waitUntil(timeout: 1) {
                guard let retry = try? RawSocket(port: harness.port, timeout: Self.responseTimeout),
                    (try? retry.send(RawSocket.upgradeRequest(port: harness.port))) != nil
                else { return false }
                return RawSocket.status(of: (try? retry.readHead()) ?? "") == 101
            }
            #expect(admitted, "a slot should free up when a client from the address leaves")
            _ = first
        }
    }
}
