import BrokerCore
import BrokerTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Testing

@testable import WebSocketSink

/// Who may connect (token, max_clients, path), what closes a connection (oversize messages,
/// shutdown), the HTTP endpoints on the same port, and a port already in use.
@Suite("WebSocket access, limits and HTTP endpoints")
struct AccessAndLimitsTests {
    static let token = "s3cret token/+"

    @Test("a missing or wrong token is refused at the upgrade with HTTP 401")
    func tokenRefused() async throws {
        try await withSinkHarness(SinkHarness.config(token: Self.token)) { harness in
            for extra in [[], ["Authorization: Bearer wrong"], ["Authorization: Basic czNjcmV0"]] {
                let socket = try RawSocket(port: harness.port)
                try socket.send(RawSocket.upgradeRequest(port: harness.port, extraHeaders: extra))
                let head = try socket.readHead()
                #expect(RawSocket.status(of: head) == 401, "\(extra): \(head)")
                #expect(head.lowercased().contains("www-authenticate: bearer"))
                #expect(socket.peerClosed(timeout: 2))
            }
            let wrongQuery = try RawSocket(port: harness.port)
            try wrongQuery.send(RawSocket.upgradeRequest(port: harness.port, path: "/?token=s3cret"))
            #expect(RawSocket.status(of: try wrongQuery.readHead()) == 401)
            // The WebSocket client library sees the refusal as a failed upgrade.
            await #expect(throws: WebSocketClientError.webSocketUpgradeFailed) {
                try await TestClient.connect(harness.url()) { _ in }
            }
        }
    }

    @Test("the right token is accepted as ?token= and as Authorization: Bearer")
    func tokenAccepted() async throws {
        try await withSinkHarness(SinkHarness.config(token: Self.token)) { harness in
            let encoded = try #require(Self.token.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            try await TestClient.connect(harness.url(query: "token=\(encoded)")) { client in
                let greeting = try await client.next()
                #expect(greeting["type"] == "status")
            }
            try await TestClient.connect(harness.url(), headers: [.authorization: "Bearer \(Self.token)"]) { client in
                let greeting = try await client.next()
                #expect(greeting["type"] == "status")
            }
            let raw = try RawSocket(port: harness.port)
            try raw.send(RawSocket.upgradeRequest(port: harness.port, extraHeaders: ["Authorization: bearer \(Self.token)"]))
            #expect(RawSocket.status(of: try raw.readHead()) == 101)
        }
    }

    @Test("clients beyond max_clients are refused with HTTP 503 until one leaves")
    func maxClients() async throws {
        try await withSinkHarness(SinkHarness.config(maxClients: 2)) { harness in
            let first = try RawSocket(port: harness.port)
            try first.send(RawSocket.upgradeRequest(port: harness.port))
            #expect(RawSocket.status(of: try first.readHead()) == 101)
            var second: RawSocket? = try RawSocket(port: harness.port)
            try second?.send(RawSocket.upgradeRequest(port: harness.port))
            #expect(RawSocket.status(of: try second?.readHead() ?? "") == 101)

            let third = try RawSocket(port: harness.port)
            try third.send(RawSocket.upgradeRequest(port: harness.port))
            let refused = try third.readHead()
            #expect(RawSocket.status(of: refused) == 503, "\(refused)")
            #expect(refused.lowercased().contains("retry-after"))

            second = nil  // closes its socket
            let admitted = await waitUntil(timeout: 1) {
                guard let retry = try? RawSocket(port: harness.port), (try? retry.send(RawSocket.upgradeRequest(port: harness.port))) != nil else {
                    return false
                }
                return RawSocket.status(of: (try? retry.readHead()) ?? "") == 101
            }
            #expect(admitted, "a slot should free up when a client leaves")
        }
    }

    @Test("an upgrade on another path is refused with 404; the configured path works")
    func path() async throws {
        try await withSinkHarness(SinkHarness.config(path: "/telemetry")) { harness in
            let wrong = try RawSocket(port: harness.port)
            try wrong.send(RawSocket.upgradeRequest(port: harness.port, path: "/"))
            #expect(RawSocket.status(of: try wrong.readHead()) == 404)
            try await TestClient.connect(harness.url(path: "/telemetry")) { client in
                let greeting = try await client.next()
                #expect(greeting["type"] == "status")
            }
            let plain = try Self.get("/telemetry", port: harness.port)
            #expect(plain.status == 426)
        }
    }

    @Test("a message over max_message_bytes closes the connection with 1009")
    func oversizeMessage() async throws {
        try await withSinkHarness(SinkHarness.config(maxMessageBytes: 4096)) { harness in
            let single = try await TestClient.connect(harness.url()) { client in
                _ = try await client.next(type: "status")
                try await client.send("sub " + String(repeating: "Speed,", count: 1000))
                _ = try? await client.next(timeout: 3) { _ in false }
            }
            #expect(single.close?.closeCode == .messageTooLarge)

            // The same limit holds for a message split into small frames.
            let fragmented = try await TestClient.connect(harness.url()) { client in
                _ = try await client.next(type: "status")
                try await client.outbound.withTextMessageWriter { write in
                    for _ in 0..<3 { try await write("sub " + String(repeating: "Speed,", count: 300)) }
                }
                _ = try? await client.next(timeout: 3) { _ in false }
            }
            #expect(fragmented.close?.closeCode == .messageTooLarge)

            // Just under the limit is fine.
            try await TestClient.connect(harness.url()) { client in
                try await client.send("ping" + String(repeating: " ", count: 4000))
                _ = try await client.next(type: "pong")
            }
        }
    }

    @Test("on shutdown every client gets a close frame 1001 and run returns within a second")
    func shutdown() async throws {
        try await withSinkHarness { harness in
            let ready = Counter()
            let (closes, took) = try await withThrowingTaskGroup(of: WebSocketCloseFrame?.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await TestClient.connect(harness.url()) { client in
                            _ = try await client.next(type: "status")
                            ready.increment()
                            _ = try? await client.next(timeout: 10) { _ in false }
                        }.close
                    }
                }
                await waitUntil { ready.value >= 3 }
                let took = try await harness.stop()
                return (try await group.reduce(into: []) { $0.append($1) }, took)
            }
            #expect(closes.map { $0?.closeCode } == Array(repeating: .goingAway, count: 3))
            #expect(took < .milliseconds(1200), "run took \(took) to return")
        }
    }

    @Test("a port in use is one clear error line")
    func portInUse() async throws {
        try await withSinkHarness { first in
            var config = SinkHarness.config()
            config.port = first.port
            let error = await #expect(throws: PluginError.self) {
                _ = try await SinkHarness.start(config, id: "ws2")
            }
            #expect(error?.description == "websocket sink 'ws2': port \(first.port) on 127.0.0.1 is already in use")
        }
    }

    @Test("GET /healthz, /vars, /metrics and the dashboard page share the port")
    func httpEndpoints() async throws {
        try await withSinkHarness { harness in
            let driver = FrameDriver(hub: harness.hub, variables: ProtocolTests.basicVariables)
            driver.publish(1)

            let health = try Self.get("/healthz", port: harness.port)
            #expect(health.status == 200)
            #expect(health.body == "ok\n")

            let vars = try Self.get("/vars", port: harness.port)
            #expect(vars.status == 200)
            #expect(vars.head.lowercased().contains("content-type: application/json"))
            let catalogue = try parseJSON(vars.body)
            let speed = try #require(catalogue.arrayValue?.first { $0["name"] == "Speed" })
            #expect(speed["sources"] == .array(["mock"]))
            #expect(catalogue.arrayValue?.count == harness.registry.count)

            try await TestClient.connect(harness.url()) { client in
                try await client.send("sub Speed")
                _ = try await client.next(type: "telemetry")
                let metrics = try Self.get("/metrics", port: harness.port)
                #expect(metrics.status == 200)
                #expect(metrics.body.contains("# TYPE broker_websocket_clients gauge"))
                #expect(metrics.body.contains("broker_websocket_clients{sink=\"ws\"} 1.0\n"))
                #expect(metrics.body.contains("broker_websocket_messages_sent_total{sink=\"ws\"}"))
                #expect(metrics.body.contains("# TYPE broker_websocket_loop_time_seconds histogram"))
                #expect(metrics.body.contains("broker_websocket_loop_time_seconds_bucket{sink=\"ws\",le=\"0.001\"}"))
                #expect(metrics.body.contains("broker_websocket_clients_evicted_total{sink=\"ws\"} 0\n"))
            }

            let page = try Self.get("/", port: harness.port)
            #expect(page.status == 200)
            #expect(page.head.lowercased().contains("content-type: text/html"))
            #expect(page.head.lowercased().contains("cache-control: no-cache"))
            #expect(page.body.contains("<body data-ws-path=\"/\" data-auth=\"none\" data-max-message=\"4096\""))
            #expect(page.body.contains("new WebSocket("))
            try await harness.stop()

            try await withSinkHarness(SinkHarness.config(dashboard: false)) { noDashboard in
                let page = try Self.get("/", port: noDashboard.port)
                #expect(page.status == 426)
            }
        }
    }

    /// A plain HTTP GET over a raw socket.
    static func get(_ path: String, port: Int) throws -> (status: Int?, head: String, body: String) {
        let socket = try RawSocket(port: port)
        try socket.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let response = socket.readAll()
        let parts = response.components(separatedBy: "\r\n\r\n")
        return (RawSocket.status(of: parts[0]), parts[0], parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
