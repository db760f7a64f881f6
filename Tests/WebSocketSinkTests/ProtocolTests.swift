import BrokerCore
import Foundation
import Testing

@testable import WebSocketSink

/// Every command of docs/PROTOCOL.md over a real socket, with the reply shapes the Python bridge's clients
/// expect, and every error case (which must leave the connection open).
@Suite("WebSocket protocol")
struct ProtocolTests {
    static let basicVariables = ["Speed", "RPM", "Gear", "Throttle", "CarIdxLap", "LapDistPct"]

    @Test("status is pushed on connect and again when a source connects or drops")
    func statusPushedOnConnectAndOnChange() async throws {
        try await withSinkHarness { harness in
            let driver = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            _ = driver
            try await TestClient.connect(harness.url()) { client in
                let first = try await client.next()
                #expect(first["type"] == "status")
                #expect(first["connected"] == true)
                #expect(first["sources"]?["mock"]?["connected"] == true)
                #expect(first["sources"]?["mock"]?["type"] == "mock")
                harness.hub.setConnected(false)
                let dropped = try await client.next(type: "status")
                #expect(dropped["connected"] == false)
                #expect(dropped["sources"]?["mock"]?["connected"] == false)
                harness.hub.setConnected(true)
                let back = try await client.next(type: "status")
                #expect(back["connected"] == true)
            }
        }
    }

    @Test("status answers with every source of the sink; connected means any source is")
    func statusCommand() async throws {
        try await withSinkHarness(sources: [("sim", "iracing"), ("lfs", "insim")]) { harness in
            harness.hubs[1].setConnected(true)
            try await TestClient.connect(harness.url()) { client in
                _ = try await client.next(type: "status")
                let status = try await client.request("status", reply: "status")
                #expect(status.keys == ["connected", "sources", "type"])
                #expect(status["connected"] == true)
                #expect(status["sources"]?["sim"] == .object([("connected", false), ("type", "iracing")]))
                #expect(status["sources"]?["lfs"] == .object([("connected", true), ("type", "insim")]))
            }
        }
    }

    @Test("sub sends a telemetry message at once, then one per new frame")
    func subscribeSendsAtOnceThenPerFrame() async throws {
        try await withSinkHarness { harness in
            let driver = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            driver.publish(84)
            try await TestClient.connect(harness.url()) { client in
                try await client.send("sub Speed,RPM,Gear")
                let first = try await client.next(type: "telemetry", timeout: 2)
                #expect(first.keys == ["data", "seq", "source", "type"])
                #expect(first["source"] == "mock")
                #expect(first["seq"] == 1)
                #expect(first["data"]?.keys == ["Gear", "RPM", "Speed"])
                #expect(first["data"]?["Speed"]?.doubleValue == 42)
                #expect(first["data"]?["RPM"]?.doubleValue == 1084)
                #expect(first["data"]?["Gear"] == -1)
                driver.publish(85)
                let second = try await client.next(type: "telemetry")
                #expect(second["seq"] == 2)
                #expect(second["data"]?["Speed"]?.doubleValue == 42.5)
            }
        }
    }

    @Test("sub all sends every variable the source declares; sub adds to what is subscribed")
    func subscribeAllAndAdd() async throws {
        try await withSinkHarness { harness in
            let driver = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            driver.publish(1)
            try await TestClient.connect(harness.url()) { client in
                try await client.send("sub Speed")
                #expect(try await client.next(type: "telemetry")["data"]?.keys == ["Speed"])
                try await client.send("sub Gear")
                #expect(try await client.next(type: "telemetry")["data"]?.keys == ["Gear", "Speed"])
                try await client.send("sub all")
                let all = try await client.next(type: "telemetry")
                #expect(all["data"]?.keys == Self.basicVariables.sorted())
                #expect(all["data"]?["CarIdxLap"]?.arrayValue?.count == 64)
            }
        }
    }

    @Test("unsub drops names, unsub all stops telemetry, unsub after sub all excludes")
    func unsubscribe() async throws {
        try await withSinkHarness { harness in
            let driver = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            driver.publish(1)
            try await TestClient.connect(harness.url()) { client in
                try await client.send("sub Speed,RPM,Gear")
                _ = try await client.next(type: "telemetry")
                try await client.send("unsub RPM")
                try await client.send("ping")
                _ = try await client.next(type: "pong")
                driver.publish(2)
                #expect(try await client.next(type: "telemetry")["data"]?.keys == ["Gear", "Speed"])

                try await client.send("unsub all")
                try await client.send("ping")
                _ = try await client.next(type: "pong")
                driver.publish(3)
                #expect(await client.collect(type: "telemetry", for: 0.3).isEmpty)

                try await client.send("sub all")
                _ = try await client.next(type: "telemetry")
                try await client.send("unsub CarIdxLap,Throttle")
                try await client.send("ping")
                _ = try await client.next(type: "pong")
                driver.publish(4)
                #expect(try await client.next(type: "telemetry")["data"]?.keys == ["Gear", "LapDistPct", "RPM", "Speed"])
            }
        }
    }

    @Test("read answers once with the values, without subscribing")
    func read() async throws {
        try await withSinkHarness { harness in
            let driver = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            driver.publish(10, overrides: ["Throttle": 0.87])
            try await TestClient.connect(harness.url()) { client in
                let reply = try await client.request("read Throttle,Gear", reply: "read")
                #expect(reply.keys == ["data", "source", "type"])
                #expect(reply["source"] == "mock")
                #expect(reply["data"]?.keys == ["Gear", "Throttle"])
                #expect(reply["data"]?["Throttle"]?.doubleValue == Double(Float(0.87)).rounded(toPlaces: 2))
                #expect(reply["data"]?["Gear"] == 2)
                driver.publish(11)
                #expect(await client.collect(type: "telemetry", for: 0.3).isEmpty)
            }
        }
    }

    @Test("read all returns every variable the source provides")
    func readAll() async throws {
        try await withSinkHarness { harness in
            let driver = FrameDriver(allVariablesOn: harness.hub)
            driver.publish(3)
            try await TestClient.connect(harness.url()) { client in
                let reply = try await client.request("read all", reply: "read")
                let expected = driver.layout.fields.map(\.name).sorted()
                #expect(expected.count == VariableCatalogue.all.count)
                #expect(reply["data"]?.keys == expected)
                #expect(reply["data"]?["RPM"]?.doubleValue == 1003)
            }
        }
    }

    @Test("read before any frame: the names come back null")
    func readBeforeAnyFrame() async throws {
        try await withSinkHarness { harness in
            _ = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            try await TestClient.connect(harness.url()) { client in
                let reply = try await client.request("read Speed,RPM", reply: "read")
                #expect(reply["data"] == .object([("RPM", nil), ("Speed", nil)]))
            }
        }
    }

    @Test("sessioninfo answers one message per source, {} until the source has session info")
    func sessionInfo() async throws {
        try await withSinkHarness(sources: [("sim", "iracing"), ("lfs", "insim")]) { harness in
            let weekend: JSONValue = .object([("TrackName", "tsukuba"), ("TrackLength", "2.04 km")])
            let drivers: JSONValue = .object([("DriverCarIdx", 0)])
            harness.hubs[0].setSessionInfo(.object([("WeekendInfo", weekend), ("DriverInfo", drivers)]))
            try await TestClient.connect(harness.url()) { client in
                try await client.send("sessioninfo")
                let first = try await client.next(type: "sessionInfo")
                let second = try await client.next(type: "sessionInfo")
                #expect(first["source"] == "sim")
                #expect(first["data"]?["WeekendInfo"]?["TrackName"] == "tsukuba")
                #expect(first["data"]?["DriverInfo"]?["DriverCarIdx"] == 0)
                #expect(second["source"] == "lfs")
                #expect(second["data"] == .object([]))
            }
        }
    }

    @Test("metrics carries the Python bridge's keys and our own, with this session's counts")
    func metrics() async throws {
        try await withSinkHarness { harness in
            let driver = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            driver.publish(1)
            try await TestClient.connect(harness.url()) { client in
                try await client.send("sub Speed")
                _ = try await client.next(type: "telemetry")
                for n in 2...6 {
                    driver.publish(n)
                    _ = try await client.next(type: "telemetry")
                    try await Task.sleep(for: .milliseconds(20))
                }
                let reply = try await client.request("metrics", reply: "metrics")
                let data = try #require(reply["data"])
                let timeKeys = ["max_ms", "mean_ms", "min_ms", "p50_ms", "p90_ms", "p95_ms", "samples"]
                #expect(data["loop"]?["time"]?.keys == timeKeys)
                #expect(data["var_get"]?["time"]?.keys == timeKeys)
                #expect(data["encode"]?["time"]?.keys == timeKeys)
                #expect(data["loop"]?["get_count"] == 5)
                #expect(data["loop"]?["skip_count"] == 0)
                #expect(data["loop"]?["get_vs_skip"]?.doubleValue == 1)
                #expect(data["loop"]?["max_get_streak"] == 5)
                #expect((data["loop"]?["time"]?["samples"]?.intValue ?? 0) >= 5)
                #expect(data["clients"] == 1)
                #expect((data["messages_sent"]?.intValue ?? 0) >= 7)
                #expect(data["messages_replaced"] == 0)
                #expect(data["clients_evicted"] == 0)
                #expect(data["rate_hz"]?.doubleValue == 60)
            }
        }
    }

    @Test("ping answers pong; vars lists the catalogue with the providing sources")
    func pingAndVars() async throws {
        try await withSinkHarness { harness in
            _ = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            try await TestClient.connect(harness.url()) { client in
                #expect(try await client.request("ping", reply: "pong") == .object([("type", "pong")]))
                let vars = try await client.request("vars", reply: "vars")
                let entries = try #require(vars["data"]?.arrayValue)
                #expect(entries.count == harness.registry.count)
                let speed = try #require(entries.first { $0["name"] == "Speed" })
                #expect(speed.keys == ["count", "desc", "max", "min", "name", "sources", "type", "unit"])
                #expect(speed["min"]?.doubleValue == 0 && speed["max"]?.doubleValue == 100)
                #expect(speed["sources"] == .array(["mock"]))
                #expect(speed["unit"] == "m/s")
                let unprovided = try #require(entries.first { $0["name"] == "AirTemp" })
                #expect(unprovided["sources"] == .array([]))
            }
        }
    }

    @Test("rate sets this client's rate, capped by the sink's")
    func rate() async throws {
        try await withSinkHarness(rate: 60) { harness in
            let driver = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            let publishing = driver.start(rate: 60)
            defer { publishing.cancel() }
            try await TestClient.connect(harness.url()) { client in
                #expect(try await client.request("rate 10", reply: "rate") == .object([("hz", 10), ("type", "rate")]))
                try await client.send("sub Speed")
                _ = try await client.next(type: "telemetry")
                try await client.expectRate(hz: 10, sourceHz: 60, seconds: 2)
                #expect(try await client.request("rate 500", reply: "rate")["hz"] == 60)
                #expect(try await client.request("rate 2.5", reply: "rate")["hz"]?.doubleValue == 2.5)
            }
        }
    }

    @Test("events on sends the source's events, events off stops them")
    func events() async throws {
        try await withSinkHarness { harness in
            try await TestClient.connect(harness.url()) { client in
                harness.hub.emit("lap", .object([("lap", 1)]))
                try await client.send("events on")
                try await client.send("ping")
                _ = try await client.next(type: "pong")
                harness.hub.emit("lap", .object([("lap", 2)]))
                let event = try await client.next(type: "event")
                #expect(event == .object([("data", .object([("lap", 2)])), ("name", "lap"), ("source", "mock"), ("type", "event")]))
                try await client.send("events off")
                try await client.send("ping")
                _ = try await client.next(type: "pong")
                harness.hub.emit("lap", .object([("lap", 3)]))
                #expect(await client.collect(type: "event", for: 0.3).isEmpty)
            }
        }
    }

    @Test("command words are case-insensitive; arguments are trimmed")
    func caseAndWhitespace() async throws {
        try await withSinkHarness { harness in
            let driver = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            driver.publish(1)
            try await TestClient.connect(harness.url()) { client in
                _ = try await client.request("PiNg", reply: "pong")
                try await client.send("  SUB  Speed ,  Gear ,, ")
                #expect(try await client.next(type: "telemetry")["data"]?.keys == ["Gear", "Speed"])
            }
        }
    }

    // MARK: - Errors

    @Test("an unknown command is an error reply and the connection stays open")
    func unknownCommand() async throws {
        try await withSinkHarness { harness in
            try await TestClient.connect(harness.url()) { client in
                let error = try await client.request("stauts", reply: "error")
                #expect(error["command"] == "stauts")
                #expect(error["message"]?.stringValue?.contains("unknown command 'stauts'") == true)
                #expect(error["message"]?.stringValue?.contains("did you mean 'status'") == true)
                _ = try await client.request("ping", reply: "pong")
            }
        }
    }

    @Test("an unknown variable is reported while the known ones still apply")
    func unknownVariable() async throws {
        try await withSinkHarness { harness in
            let driver = FrameDriver(hub: harness.hub, variables: Self.basicVariables)
            driver.publish(1)
            try await TestClient.connect(harness.url()) { client in
                try await client.send("sub Speed,Bogus,nosuch/RPM")
                let error = try await client.next(type: "error")
                #expect(error["command"] == "sub")
                #expect(error["unknown"] == .array(["Bogus", "nosuch/RPM"]))
                #expect(try await client.next(type: "telemetry")["data"]?.keys == ["Speed"])

                let readError = try await client.request("read Gear,Nope", reply: "error")
                #expect(readError["command"] == "read")
                #expect(readError["unknown"] == .array(["Nope"]))
                #expect(try await client.next(type: "read")["data"]?.keys == ["Gear"])

                let unsubError = try await client.request("unsub Nope", reply: "error")
                #expect(unsubError["command"] == "unsub")
                _ = try await client.request("ping", reply: "pong")
            }
        }
    }

    @Test("a missing argument is an error reply", arguments: ["sub", "unsub", "read", "rate", "events"])
    func missingArgument(command: String) async throws {
        try await withSinkHarness { harness in
            try await TestClient.connect(harness.url()) { client in
                let error = try await client.request(command, reply: "error")
                #expect(error["command"]?.stringValue == command)
                #expect(error["message"]?.stringValue?.contains("needs an argument") == true)
                _ = try await client.request("ping", reply: "pong")
            }
        }
    }

    @Test("bad rate and events arguments are error replies")
    func badArguments() async throws {
        try await withSinkHarness { harness in
            try await TestClient.connect(harness.url()) { client in
                for command in ["rate fast", "rate 0", "rate -5", "events maybe"] {
                    let error = try await client.request(command, reply: "error")
                    #expect(error["command"]?.stringValue == String(command.split(separator: " ")[0]), "\(command)")
                }
                _ = try await client.request("ping", reply: "pong")
            }
        }
    }

    @Test("a binary frame is an error reply and the connection stays open")
    func binaryFrame() async throws {
        try await withSinkHarness { harness in
            try await TestClient.connect(harness.url()) { client in
                try await client.outbound.write(.binary(.init(bytes: [1, 2, 3])))
                let error = try await client.next(type: "error")
                #expect(error["message"]?.stringValue?.contains("binary frames are not supported") == true)
                _ = try await client.request("ping", reply: "pong")
            }
        }
    }

    @Test("an empty message is an error reply")
    func emptyMessage() async throws {
        try await withSinkHarness { harness in
            try await TestClient.connect(harness.url()) { client in
                let error = try await client.request("   ", reply: "error")
                #expect(error["message"]?.stringValue?.contains("empty command") == true)
            }
        }
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
