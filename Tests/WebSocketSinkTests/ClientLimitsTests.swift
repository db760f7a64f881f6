import BrokerCore
import BrokerTestSupport
import Foundation
import NIOCore
import Testing

@testable import WebSocketSink

/// The limits that keep one client (or one machine) from wearing the sink down over a long
/// weekend: commands per second, subscriptions per client, connection attempts per address,
/// malformed frames, connections that never send a proper request, and a token that never reaches
/// the log. Each over a real socket on loopback; time comes from a manual clock where the limit is
/// a rate, so the counts are exact.
@Suite("WebSocket client limits")
struct ClientLimitsTests {
    @Test("commands beyond max_commands_per_s get an error reply; the connection stays and the budget refills")
    func commandRate() async throws {
        let clock = ManualClock(start: 100)
        try await withSinkHarness(SinkHarness.config(maxCommandsPerSecond: 5), clock: clock) { harness in
            try await TestClient.connect(harness.url()) { client in
                _ = try await client.next(type: "status")
                for _ in 0..<8 { try await client.send("ping") }
                var replies: [JSONValue] = []
                for _ in 0..<8 { replies.append(try await client.next()) }
                #expect(replies.prefix(5).allSatisfy { $0["type"] == "pong" }, "\(replies)")
                for reply in replies.dropFirst(5) {
                    #expect(reply["type"] == "error")
                    #expect(reply["command"] == "ping")
                    let message = reply["message"]?.stringValue ?? ""
                    #expect(message.hasPrefix("too many commands: at most 5 per second per client (max_commands_per_s)"), "\(message)")
                }

                // Still no token: any message is refused alike. A long word is not echoed in full;
                // a binary frame has no command word.
                try await client.send(String(repeating: "x", count: 100) + " a,b")
                let long = try await client.next()
                #expect(long["type"] == "error")
                #expect(long["command"] == .string(String(repeating: "x", count: 32) + "..."))
                try await client.outbound.write(.binary(ByteBuffer(bytes: [0, 0xFF, 0x10])))
                let binary = try await client.next()
                #expect(binary["type"] == "error")
                #expect(binary["command"] == nil)
                #expect(binary["message"]?.stringValue?.hasPrefix("too many commands") == true)

                // Half a second refills 2.5 tokens: two commands pass, the third does not.
                clock.advance(to: 100.5)
                for _ in 0..<3 { try await client.send("ping") }
                var later: [String?] = []
                for _ in 0..<3 { later.append(try await client.next()["type"]?.stringValue) }
                #expect(later == ["pong", "pong", "error"])

                clock.advance(to: 102)
                let metrics = try await client.request("metrics", reply: "metrics")
                #expect(metrics["data"]?["commands_refused"] == 6)
            }
            let prometheus = try AccessAndLimitsTests.get("/metrics", port: harness.port)
            #expect(prometheus.body.contains("broker_websocket_commands_refused_total{sink=\"ws\"} 6\n"))
        }
    }

    @Test("names beyond max_subscriptions are refused and listed; the others apply, after sub all too")
    func subscriptionLimit() async throws {
        try await withSinkHarness(SinkHarness.config(maxSubscriptions: 3)) { harness in
            let driver = FrameDriver(hub: harness.hub, variables: ProtocolTests.basicVariables)
            driver.publish(1)
            try await TestClient.connect(harness.url()) { client in
                _ = try await client.next(type: "status")
                try await client.send("sub Speed,RPM")
                #expect(try await client.next(type: "telemetry")["data"]?.keys == ["RPM", "Speed"])

                try await client.send("sub Gear,Throttle,CarIdxLap")
                let error = try await client.next()
                #expect(error["type"] == "error")
                #expect(error["command"] == "sub")
                #expect(error["refused"] == .array(["Throttle", "CarIdxLap"]))
                let message = error["message"]?.stringValue ?? ""
                #expect(
                    message == "too many subscriptions: at most 3 variable names per client (max_subscriptions); "
                        + "not subscribed: Throttle, CarIdxLap (the others were applied)", "\(message)")
                #expect(try await client.next(type: "telemetry")["data"]?.keys == ["Gear", "RPM", "Speed"])

                // Room again after an unsub; names already subscribed cost nothing.
                try await client.send("unsub RPM")
                try await client.send("sub CarIdxLap,Speed")
                let next = try await client.next()
                #expect(next["type"] == "telemetry", "\(next)")
                #expect(next["data"]?.keys == ["CarIdxLap", "Gear", "Speed"])

                // After `sub all` the list holds the names excluded; it has the same bound.
                try await client.send("sub all")
                _ = try await client.next(type: "telemetry")
                try await client.send("unsub Speed,RPM,Gear,Throttle")
                let unsubError = try await client.next()
                #expect(unsubError["command"] == "unsub")
                #expect(unsubError["refused"] == .array(["Throttle"]))
                #expect(unsubError["message"]?.stringValue?.contains("not unsubscribed: Throttle") == true)
                driver.publish(2)
                #expect(try await client.next(type: "telemetry")["data"]?.keys == ["CarIdxLap", "LapDistPct", "Throttle"])

                let metrics = try await client.request("metrics", reply: "metrics")
                #expect(metrics["data"]?["subscriptions_refused"] == 3)
            }
        }
    }

    @Test("upgrades beyond max_connects_per_s from one address get HTTP 429 and are counted; other addresses are not held up")
    func connectRate() async throws {
        let clock = ManualClock(start: 100)
        try await withSinkHarness(SinkHarness.config(maxConnectsPerSecond: 3), clock: clock) { harness in
            var connected: [RawSocket] = []
            for _ in 0..<3 {
                let socket = try RawSocket(port: harness.port, from: "127.0.0.2")
                try socket.send(RawSocket.upgradeRequest(port: harness.port))
                #expect(RawSocket.status(of: try socket.readHead()) == 101)
                connected.append(socket)
            }
            let refused = try RawSocket(port: harness.port, from: "127.0.0.2")
            try refused.send(RawSocket.upgradeRequest(port: harness.port))
            let head = try refused.readHead()
            #expect(RawSocket.status(of: head) == 429, "\(head)")
            #expect(head.lowercased().contains("retry-after: 1"), "\(head)")
            #expect(refused.peerClosed(timeout: 2))

            let other = try RawSocket(port: harness.port, from: "127.0.0.3")
            try other.send(RawSocket.upgradeRequest(port: harness.port))
            #expect(RawSocket.status(of: try other.readHead()) == 101, "another address has its own allowance")

            // 0.4 s later the address has earned 1.2 attempts: one passes, the next is refused.
            clock.advance(to: 100.4)
            var statuses: [Int?] = []
            for _ in 0..<2 {
                let socket = try RawSocket(port: harness.port, from: "127.0.0.2")
                try socket.send(RawSocket.upgradeRequest(port: harness.port))
                statuses.append(RawSocket.status(of: try socket.readHead()))
                connected.append(socket)
            }
            #expect(statuses == [101, 429])

            let metrics = try AccessAndLimitsTests.get("/metrics", port: harness.port)
            #expect(metrics.body.contains("broker_websocket_upgrades_throttled_total{sink=\"ws\"} 2\n"), "\(metrics.body)")
            #expect(metrics.body.contains("broker_websocket_upgrades_refused_total{sink=\"ws\"} 2\n"))
            #expect(metrics.body.contains("broker_websocket_clients{sink=\"ws\"} 5.0\n"))
        }
    }

    @Test("attempts are counted before the token is checked, so guessing it is slowed down too")
    func connectRateBeforeToken() async throws {
        let clock = ManualClock(start: 100)
        let token = "right-token"
        try await withSinkHarness(SinkHarness.config(token: token, maxConnectsPerSecond: 2), clock: clock) { harness in
            func attempt(_ presented: String) throws -> Int? {
                let socket = try RawSocket(port: harness.port, from: "127.0.0.4")
                try socket.send(RawSocket.upgradeRequest(port: harness.port, path: "/?token=\(presented)"))
                return RawSocket.status(of: try socket.readHead())
            }
            let statuses = try [attempt("guess1"), attempt("guess2"), attempt("guess3"), attempt(token)]
            #expect(statuses == [401, 401, 429, 429])
            clock.advance(to: 101)
            let afterTheWindow = try attempt(token)
            #expect(afterTheWindow == 101)
        }
    }

    @Test("the throttle forgets addresses once their allowance has refilled")
    func throttleForgets() {
        let throttle = ConnectionThrottle(rate: 5)
        for index in 0..<1000 {
            #expect(throttle.admit(address: "10.0.\(index / 256).\(index % 256)", now: 0) == nil)
        }
        #expect(throttle.trackedAddresses == 1000)
        // A second later every one of them is full again; the next sweep drops them.
        for index in 0..<30 { _ = throttle.admit(address: "10.9.0.\(index)", now: 2) }
        #expect(throttle.trackedAddresses < 60, "\(throttle.trackedAddresses) addresses kept")
        // One address: 4 at once, then one per 0.25 s (times exact in binary).
        let one = ConnectionThrottle(rate: 4)
        #expect((0..<5).map { _ in one.admit(address: "a", now: 10) == nil } == [true, true, true, true, false])
        #expect(one.admit(address: "a", now: 10.125) == 0.125)
        #expect(one.admit(address: "a", now: 10.25) == nil)
        #expect(one.admit(address: "b", now: 10.25) == nil)
    }

    /// A client frame: FIN, `opcode`, and `payload`, or only a header claiming `claimedLength`;
    /// masked as clients must, unless `masked` is false.
    static func clientFrame(opcode: UInt8, payload: [UInt8], claimedLength: UInt64? = nil, masked: Bool = true) -> [UInt8] {
        let mask: [UInt8] = masked ? [0x21, 0x43, 0x65, 0x87] : []
        let maskBit: UInt8 = masked ? 0x80 : 0
        var frame: [UInt8] = [0x80 | opcode]
        let length = claimedLength ?? UInt64(payload.count)
        if length < 126 {
            frame.append(maskBit | UInt8(length))
        } else {
            frame.append(maskBit | 127)
            frame += withUnsafeBytes(of: length.bigEndian, Array.init)
        }
        return frame + mask + (masked ? payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } : payload)
    }

    @Test(
        "a malformed frame closes the connection with the code for what is wrong",
        arguments: [
            ("a header claiming 1 TiB", clientFrame(opcode: 0x1, payload: [1, 2, 3, 4], claimedLength: 1 << 40), 1009),
            ("invalid UTF-8 in a text frame", clientFrame(opcode: 0x1, payload: Array("sub ".utf8) + [0xFF, 0xFE, 0xC3, 0x28]), 1007),
            ("a reserved opcode", clientFrame(opcode: 0x3, payload: Array("ping".utf8)), 1002),
            ("an unmasked frame (RFC 6455 5.1: a server must close)", clientFrame(opcode: 0x1, payload: Array("ping".utf8), masked: false), 1002),
        ] as [(String, [UInt8], UInt16)])
    func malformedFrame(name: String, frame: [UInt8], code: UInt16) async throws {
        try await withSinkHarness { harness in
            let client = try await WireClient(port: harness.port)
            client.send(frame)
            await client.expectClosed(code: code, name)
            // The sink serves on. (Checked without blocking a thread: the cases run side by side, and
            // the sink under test needs the same few threads.)
            await (try WireClient(port: harness.port)).expectServing(name)
        }
    }

    @Test("a connection without a request head in time gets 408, one that is not HTTP gets 400; both are closed")
    func connectionsBeforeARequest() async throws {
        let capture = LogCapture()
        try await withSinkHarness(SinkHarness.config(requestHeadTimeout: 0.5), logger: capture.logger(level: .info)) { harness in
            let cases: [(name: String, bytes: [UInt8], status: Int)] = [
                ("silent", [], 408),
                ("half a request head", Array("GET / HTTP/1.1\r\nHost: 127".utf8), 408),
                ("an unknown method", Array("BREW /pot HTTP/9.9\r\n\r\n".utf8), 400),
                ("binary garbage", (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) } + [13, 10, 13, 10], 400),
                ("a 100 kB header", Array("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n".utf8), 400),
            ]
            for (name, bytes, status) in cases {
                let socket = try RawSocket(port: harness.port)
                if !bytes.isEmpty { try? socket.send(bytes) }
                let started = ContinuousClock.now
                let head = try socket.readHead()
                #expect(RawSocket.status(of: head) == status, "\(name): \(head)")
                #expect(socket.peerClosed(timeout: 2), "\(name): the connection should be closed")
                #expect(ContinuousClock.now - started < .seconds(3), "\(name)")
            }

            // The deadline ends with the first request head: an upgraded client and a kept-alive plain
            // HTTP connection both outlive it.
            try await TestClient.connect(harness.url()) { client in
                _ = try await client.next(type: "status")
                try await Task.sleep(for: .seconds(1))
                _ = try await client.request("ping", reply: "pong")
            }
            let keptAlive = try RawSocket(port: harness.port)
            try keptAlive.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(RawSocket.status(of: try keptAlive.readHead()) == 200)
            try await Task.sleep(for: .seconds(1))
            try keptAlive.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(keptAlive.readAll().contains("HTTP/1.1 200"))

            let metrics = try AccessAndLimitsTests.get("/metrics", port: harness.port)
            #expect(metrics.body.contains("broker_websocket_bad_requests_total{sink=\"ws\"} 5\n"), "\(metrics.body)")
            try await harness.stop()
            let loud = capture.lines.filter { $0.level >= .error }
            #expect(loud.isEmpty, "\(loud.map(\.text))")
        }
    }

    @Test("the token never reaches the log, whether presented right, wrong, in the URL or in a header")
    func tokenNotLogged() async throws {
        let token = "s3cret-Token_9f8e7d"
        let guess = "wrong-Guess_1a2b3c"
        let capture = LogCapture()
        try await withSinkHarness(SinkHarness.config(token: token), logger: capture.logger(level: .trace)) { harness in
            for request in [
                RawSocket.upgradeRequest(port: harness.port, path: "/?token=\(guess)"),
                RawSocket.upgradeRequest(port: harness.port, extraHeaders: ["Authorization: Bearer \(guess)"]),
                RawSocket.upgradeRequest(port: harness.port, path: "/elsewhere?token=\(token)"),
            ] {
                let socket = try RawSocket(port: harness.port)
                try socket.send(request)
                #expect([401, 404].contains(RawSocket.status(of: try socket.readHead())))
            }
            try await TestClient.connect(harness.url(query: "token=\(token)")) { client in
                _ = try await client.next(type: "status")
                _ = try await client.request("sub Bogus", reply: "error")
            }
            try await TestClient.connect(harness.url(), headers: [.authorization: "Bearer \(token)"]) { client in
                _ = try await client.request("ping", reply: "pong")
            }
            #expect(try AccessAndLimitsTests.get("/healthz?token=\(token)", port: harness.port).status == 200)
            try await harness.stop()

            let lines = capture.lines
            // The capture does see the sink's log: the refusals are there, at debug level.
            #expect(lines.contains { $0.level == .debug && $0.text.contains("refused WebSocket upgrade") && $0.text.contains("401") })
            for line in lines {
                #expect(!line.text.contains(token), "the token was logged: \(line.text)")
                #expect(!line.text.contains(guess), "a presented token was logged: \(line.text)")
            }
        }
    }
}
