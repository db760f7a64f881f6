import BrokerCore
import Foundation
import Synchronization
import Testing

@testable import WebSocketSink

/// How frames reach many clients: subscriptions across sources, per-client rates, one encoding per
/// distinct subscription, and a client that stops reading.
@Suite("WebSocket fan-out")
struct FanoutTests {
    @Test("plain names are served by every source that has them, ID/Name by that source only")
    func subscriptionsAcrossSources() async throws {
        let harness = try await SinkHarness.start(sources: [("a", "mock"), ("b", "insim")])
        let a = FrameDriver(hub: harness.hubs[0], variables: ["Speed", "RPM", "Gear"])
        let b = FrameDriver(hub: harness.hubs[1], variables: ["Speed", "Gear", "CarIdxLap"])
        a.publish(1)
        b.publish(1)
        try await TestClient.connect(harness.url()) { client in
            try await client.send("sub Speed,b/CarIdxLap,a/RPM")
            let first = try await Self.telemetryBySource(client, count: 2)
            #expect(first["a"]?["data"]?.keys == ["RPM", "Speed"])
            #expect(first["b"]?["data"]?.keys == ["CarIdxLap", "Speed"])

            try await client.send("unsub a/Speed")
            _ = try await client.request("ping", reply: "pong")
            a.publish(2)
            b.publish(2)
            let second = try await Self.telemetryBySource(client, count: 2)
            #expect(second["a"]?["data"]?.keys == ["RPM"])
            #expect(second["b"]?["data"]?.keys == ["CarIdxLap", "Speed"])

            let read = try await client.request("read b/Gear", reply: "read")
            #expect(read["source"] == "b")
            #expect(read["data"]?.keys == ["Gear"])
            try await client.send("ping")
            _ = try await client.next(type: "pong")

            let error = try await client.request("sub c/Speed", reply: "error")
            #expect(error["unknown"] == .array(["c/Speed"]))
        }
        try await harness.stop()
    }

    @Test("a source added while clients are connected reaches them: status, `sub all` telemetry, events")
    func sourceAddedWhileRunning() async throws {
        let harness = try await SinkHarness.start(sources: [("a", "mock")])
        let a = FrameDriver(hub: harness.hubs[0], variables: ["Speed"])
        a.publish(1)
        try await TestClient.connect(harness.url()) { client in
            try await client.send("sub Speed")
            try await client.send("events on")
            _ = try await client.request("ping", reply: "pong")

            let team = SourceHubFactory(origin: "team", typeName: "mqtt", registry: harness.registry, directory: harness.directory)
            let relayed = try team.hub(id: "car12/mock")
            relayed.setConnected(true)
            let status = try await client.next { $0["type"] == "status" && $0["sources"]?["car12/mock"] != nil }
            #expect(status["sources"]?["car12/mock"]?["connected"] == .bool(true))
            #expect(status["sources"]?["car12/mock"]?["type"] == "mqtt")

            let driver = FrameDriver(hub: relayed, variables: ["Speed", "Gear"])
            driver.publish(7)
            let telemetry = try await client.next { $0["type"] == "telemetry" && $0["source"] == "car12/mock" }
            #expect(telemetry["data"]?.keys == ["Speed"])
            relayed.emit("pit")
            let event = try await client.next { $0["type"] == "event" }
            #expect(event["source"] == "car12/mock")

            let read = try await client.request("read car12/mock/Gear", reply: "read")
            #expect(read["source"] == "car12/mock")
            #expect(read["data"]?.keys == ["Gear"])
            try await client.send("sub car12/mock/Gear")
            driver.publish(8)
            let both = try await client.next { $0["type"] == "telemetry" && $0["source"] == "car12/mock" && $0["seq"] == 2 }
            #expect(both["data"]?.keys == ["Gear", "Speed"])
        }
        try await harness.stop()
    }

    @Test("a variable a source lacks but the catalogue knows comes out as null")
    func missingVariableIsNull() async throws {
        let harness = try await SinkHarness.start()
        let driver = FrameDriver(hub: harness.hub, variables: ["Speed"])
        driver.publish(4)
        try await TestClient.connect(harness.url()) { client in
            try await client.send("sub Speed,FuelLevel")
            let telemetry = try await client.next(type: "telemetry")
            #expect(telemetry["data"] == .object([("FuelLevel", nil), ("Speed", 2)]))
        }
        try await harness.stop()
    }

    @Test("a client's rate is capped by the sink's rate")
    func rateCappedBySink() async throws {
        let harness = try await SinkHarness.start(rate: 20)
        let driver = FrameDriver(hub: harness.hub, variables: ["Speed"])
        let publishing = driver.start(rate: 60)
        defer { publishing.cancel() }
        try await TestClient.connect(harness.url()) { client in
            #expect(try await client.request("rate 60", reply: "rate")["hz"] == 20)
            try await client.send("sub Speed")
            _ = try await client.next(type: "telemetry")
            try await client.expectRate(hz: 20, sourceHz: 60, seconds: 2)
        }
        try await harness.stop()
    }

    @Test("each distinct subscription is encoded once per frame, whatever the number of clients")
    func encodedOncePerDistinctSubscription() async throws {
        let harness = try await SinkHarness.start()
        let driver = FrameDriver(hub: harness.hub, variables: ["Speed", "RPM", "Gear"])
        driver.publish(1)
        let subscriptions = Array(repeating: "sub Speed,RPM", count: 10) + ["sub RPM,Speed"]
        let received = (0..<4).map { _ in Counter() }
        let results = try await withThrowingTaskGroup(of: JSONValue?.self) { group in
            for (index, command) in subscriptions.enumerated() {
                group.addTask {
                    try await TestClient.connect(harness.url()) { client in
                        try await client.send(command)
                        for seq in 1...4 {
                            let telemetry = try await client.next(type: "telemetry")
                            #expect(telemetry["seq"]?.intValue == Int64(seq))
                            received[seq - 1].increment()
                        }
                        guard index == 0 else { return nil }
                        while received[3].value < subscriptions.count { try await Task.sleep(for: .milliseconds(5)) }
                        return try await client.request("metrics", reply: "metrics")
                    }.value
                }
            }
            for seq in 2...4 {
                while received[seq - 2].value < subscriptions.count { try await Task.sleep(for: .milliseconds(5)) }
                driver.publish(seq)
            }
            return try await group.reduce(into: [JSONValue]()) { if let value = $1 { $0.append(value) } }
        }
        let metrics = try #require(results.first)
        // 4 frames x 2 distinct subscriptions, for 11 clients.
        #expect(metrics["data"]?["encode"]?["time"]?["samples"] == 8)
        #expect((metrics["data"]?["messages_sent"]?.intValue ?? 0) >= 11 * 5)
        try await harness.stop()
    }

    @Test("a client that never reads does not slow 50 others, is closed after the drain timeout, and costs bounded memory")
    func slowClient() async throws {
        let drainTimeout = 4.0
        let harness = try await SinkHarness.start(SinkHarness.config(drainTimeout: drainTimeout), rate: 60)
        let driver = FrameDriver(allVariablesOn: harness.hub)
        let publishing = driver.start(rate: 60)
        defer { publishing.cancel() }
        let rssBefore = residentKilobytes()

        let clients = 50
        let ready = Counter()
        let go = Counter()
        let window = 2.0
        let observations = try await withThrowingTaskGroup(of: WindowObservation.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    try await TestClient.connect(harness.url()) { client in
                        try await client.send("sub Speed,RPM,Gear")
                        _ = try await client.next(type: "telemetry")
                        ready.increment()
                        while go.value == 0 { try await Task.sleep(for: .milliseconds(5)) }
                        return WindowObservation(await client.collect(type: "telemetry", for: window), seconds: window)
                    }.value
                }
            }
            while ready.value < clients { try await Task.sleep(for: .milliseconds(10)) }

            // A watcher polls the sink's metrics until the slow client is closed (the slow one's
            // socket is not touched: reading it would drain it).
            let watching = Counter()
            let watcher = Task {
                try await TestClient.connect(harness.url()) { client in
                    var largestBuffer: Int64 = 0
                    var evictedAt: ContinuousClock.Instant?
                    let deadline = ContinuousClock.now + .seconds(30)
                    _ = try await client.request("ping", reply: "pong")
                    watching.increment()
                    while evictedAt == nil, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(100))
                        let data = try #require(try await client.request("metrics", reply: "metrics")["data"])
                        largestBuffer = max(largestBuffer, data["client_buffer_max_bytes"]?.intValue ?? 0)
                        if data["clients_evicted"] == 1 { evictedAt = ContinuousClock.now }
                    }
                    return (evictedAt, largestBuffer)
                }.value
            }
            while watching.value == 0 { try await Task.sleep(for: .milliseconds(10)) }

            // The slow client: upgrades, subscribes to everything, then never reads again. Its
            // socket fills within a fraction of a second; from then on the sink keeps only the
            // newest message for it, and closes it once it has not drained for the timeout.
            let slow = try RawSocket(port: harness.port, receiveBuffer: 4096)
            try slow.send(RawSocket.upgradeRequest(port: harness.port))
            #expect(RawSocket.status(of: try slow.readHead()) == 101)
            try slow.send(RawSocket.maskedTextFrame("sub all"))
            let subscribedAt = ContinuousClock.now
            try await Task.sleep(for: .milliseconds(500))
            go.increment()

            let (evictedAt, largestBuffer) = try await watcher.value
            let evicted = try #require(evictedAt, "the slow client was not closed")
            #expect(evicted - subscribedAt >= .seconds(drainTimeout), "closed \(evicted - subscribedAt) after it subscribed")
            #expect(slow.peerClosed(timeout: 2), "the slow client's connection should be reset")

            // NIO stops taking writes above its 64 KiB high-water mark; one message may overshoot it.
            let messageBytes = BrokerMessages.telemetry(
                sourceID: "mock", frame: try #require(harness.hub.latestFrame),
                selection: VariableSelection.all.resolve(sourceID: "mock", layout: driver.layout, registry: harness.registry)
            ).count
            #expect(largestBuffer <= Int64(64 * 1024 + messageBytes), "a stalled client held \(largestBuffer) bytes")
            return try await group.reduce(into: [WindowObservation]()) { $0.append($1) }
        }
        // The others kept getting the source's frames while the slow client was stalled. (A design
        // where the stalled socket held anyone up would starve them all; the margin below 100 %
        // is for frames the source publishes faster than a loaded test machine runs the loop,
        // which are coalesced, newest wins.)
        #expect(observations.count == clients)
        let worst = try #require(observations.min { $0.share < $1.share })
        let mean = observations.map(\.share).reduce(0, +) / Double(max(observations.count, 1))
        let summary = "worst of \(clients) clients: \(worst.received) of \(worst.published) frames (\(worst.perSecond)/s); mean share \(mean)"
        #expect(worst.share >= 0.8, "\(summary)")
        #expect(mean >= 0.9, "\(summary)")

        try await TestClient.connect(harness.url()) { client in
            let metrics = try await client.request("metrics", reply: "metrics")
            #expect(metrics["data"]?["clients_evicted"] == 1)
            #expect((metrics["data"]?["messages_replaced"]?.intValue ?? 0) > 0)
        }
        if let before = rssBefore, let after = residentKilobytes() {
            #expect(after - before < 100_000, "resident memory grew by \(after - before) KiB")
        }
        try await harness.stop()
    }

    /// What one client saw in a measuring window: telemetry messages against the frames the source
    /// published meanwhile (from the messages' `seq`), so a loaded machine slowing the source too
    /// does not count against the sink.
    struct WindowObservation: Sendable {
        var received: Int
        var published: Int
        var perSecond: Double
        var share: Double { published == 0 ? 0 : Double(received) / Double(published) }

        init(_ messages: [String], seconds: Double) {
            let seqs = messages.compactMap(telemetrySeq)
            received = seqs.count
            published = seqs.isEmpty ? 0 : Int((seqs.max() ?? 0) - (seqs.min() ?? 0)) + 1
            perSecond = Double(received) / seconds
        }
    }

    /// The next `count` telemetry messages, by source id.
    static func telemetryBySource(_ client: TestClient, count: Int) async throws -> [String: JSONValue] {
        var bySource: [String: JSONValue] = [:]
        while bySource.count < count {
            let telemetry = try await client.next(type: "telemetry")
            if let source = telemetry["source"]?.stringValue { bySource[source] = telemetry }
        }
        return bySource
    }
}
