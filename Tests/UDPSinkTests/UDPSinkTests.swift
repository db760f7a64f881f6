import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import MockSource
import Testing
import UDPSink
import UDPSupport

/// The sink sending to a real UDP socket on loopback.
@Suite struct UDPSinkTests {
    /// A hub declaring some catalogue variables, as a source would.
    static func hub(_ names: [String], id: String = "car", registry: VariableRegistry) -> (SourceHub, FrameLayout) {
        let hub = SourceHub(id: id, typeName: "test", registry: registry)
        let layout = hub.declare(names.compactMap { name in VariableCatalogue.all.first { $0.name == name }.map { VariableDeclaration($0) } })
        return (hub, layout)
    }

    /// Runs `sink` on `hubs` while `body` runs, then cancels it and checks that it stops promptly.
    /// `body` starts once `receiver` has the sink's first datagram (the status every sink sends at
    /// once), so frames published in it find the sink ready.
    static func running<T>(
        _ sink: UDPSink, hubs: [SourceHub], rate: Double, receiver: LoopbackUDPReceiver, _ body: () async throws -> T
    ) async throws -> T {
        let task = Task { try await sink.run(input: SinkInput(sinkID: "udp", sources: hubs, rate: rate)) }
        let result: T
        do {
            let first = try await receiver.wait(timeout: 30) { !$0.isEmpty }
            try #require(first.first?.text.hasPrefix("{\"type\":\"status\"") == true, "the sink's first datagram is not its status")
            result = try await body()
        } catch {
            task.cancel()
            throw error
        }
        task.cancel()
        let started = LoopbackUDPReceiver.now()
        try await task.value
        #expect(LoopbackUDPReceiver.now() - started < 1, "the sink took too long to stop")
        return result
    }

    /// Publishes `row` and waits until the receiver has the telemetry of that frame: the sink's
    /// feed keeps only the newest frame, so a test that wants every frame waits for each.
    static func publishAndAwait(_ row: FrameRow, on hub: SourceHub, receiver: LoopbackUDPReceiver) async throws {
        hub.publish(row)
        let seq = try #require(hub.latestFrame?.seq)
        let marker = "\"type\":\"telemetry\",\"source\":\"\(hub.id)\",\"seq\":\(seq),"
        let received = try await receiver.wait(timeout: 20) { $0.contains { $0.text.contains(marker) } }
        try #require(received.contains { $0.text.contains(marker) }, "frame \(seq) did not arrive")
    }

    static func config(_ target: String, variables: VariableSelection, limit: Int = 1400) throws -> UDPConfig {
        UDPConfig(target: try UDPTarget(parsing: target), variables: variables, maxDatagramBytes: limit)
    }

    @Test func sendsTheSelectedVariablesOfEachFrame() async throws {
        let receiver = try LoopbackUDPReceiver()
        let registry = VariableRegistry()
        let (hub, layout) = Self.hub(["Speed", "RPM", "Gear"], registry: registry)
        let sink = UDPSink(
            id: "udp", config: try Self.config("127.0.0.1:\(receiver.port)", variables: .names(["Speed", "Gear", "Throttle"])),
            context: PluginContext(logger: Logger(label: "t"), registry: registry))
        let telemetry = try await Self.running(sink, hubs: [hub], rate: 1000, receiver: receiver) {
            hub.setConnected(true)
            for i in 1...5 {
                var row = FrameRow(layout: layout)
                row.set(0, 10.5 * Double(i))
                row.set(1, 4000.0)
                row.set(2, i)
                try await Self.publishAndAwait(row, on: hub, receiver: receiver)
            }
            return receiver.datagrams.filter { $0.text.contains("\"telemetry\"") }
        }
        try #require(telemetry.count == 5, "got \(telemetry.map(\.text))")
        for (index, datagram) in telemetry.enumerated() {
            let object = try #require(datagram.object, "not JSON: \(datagram.text)")
            #expect(object["type"] as? String == "telemetry")
            #expect(object["source"] as? String == "car")
            #expect(object["seq"] as? Int == index + 1)
            #expect(object["part"] == nil && object["parts"] == nil, "an unsplit frame has no part keys")
            let data = try #require(object["data"] as? [String: Any])
            // Throttle is in the catalogue but not provided by this source: null, as on the WebSocket.
            #expect(Set(data.keys) == ["Speed", "Gear", "Throttle"])
            #expect(data["Gear"] as? Int == index + 1)
            #expect((data["Speed"] as? Double).map { abs($0 - 10.5 * Double(index + 1)) < 1e-4 } == true)
            #expect(data["Throttle"] is NSNull)
            #expect(datagram.text.hasPrefix("{\"type\":\"telemetry\",\"source\":\"car\",\"seq\":\(index + 1),\"data\":{\"Speed\":"))
        }
        #expect(sink.counters.current.datagramsSent >= 5)
        #expect(sink.counters.current.sendErrors == 0)
    }

    @Test func statusAndEventsAreDatagramsOfTheirOwn() async throws {
        let receiver = try LoopbackUDPReceiver()
        let registry = VariableRegistry()
        let (hub, layout) = Self.hub(["Speed"], registry: registry)
        let sink = UDPSink(
            id: "udp", config: try Self.config("127.0.0.1:\(receiver.port)", variables: .all),
            context: PluginContext(logger: Logger(label: "t"), registry: registry))
        let objects = try await Self.running(sink, hubs: [hub], rate: 100, receiver: receiver) {
            try await Task.sleep(for: .milliseconds(50))
            hub.setConnected(true, details: [("track", "tsukuba")])
            hub.setSessionInfo(.object([("WeekendInfo", .object([("TrackName", "tsukuba")]))]))
            hub.publish(FrameRow(layout: layout))
            hub.emit("lap", .object([("Lap", 3), ("LapTime", .double(61.25))]))
            let datagrams = try await receiver.wait(timeout: 20) { received in
                received.contains { $0.text.contains("\"event\"") } && received.filter { $0.text.contains("\"status\"") }.count >= 2
            }
            return try datagrams.map { try #require($0.object, "not JSON: \($0.text)") }
        }
        let statuses = objects.filter { $0["type"] as? String == "status" }
        #expect(statuses.first?["connected"] as? Bool == false, "the first status (before the source connected) says so")
        let connected = try #require(statuses.last)
        #expect(connected["connected"] as? Bool == true)
        let source = try #require((connected["sources"] as? [String: Any])?["car"] as? [String: Any])
        #expect(source["connected"] as? Bool == true && source["type"] as? String == "test" && source["track"] as? String == "tsukuba")
        let event = try #require(objects.first { $0["type"] as? String == "event" })
        #expect(event["source"] as? String == "car" && event["name"] as? String == "lap")
        let data = try #require(event["data"] as? [String: Any])
        #expect(data["Lap"] as? Int == 3 && data["LapTime"] as? Double == 61.25)
        #expect(!objects.contains { $0["type"] as? String == "sessionInfo" }, "session info is not sent over UDP")
    }

    /// A `read all` frame of the mock (every catalogue variable, 64-slot arrays) with a small limit
    /// reassembles, byte for byte, to the unsplit message's data.
    @Test func aReadAllFrameSplitsIntoSelfContainedPartsThatReassemble() async throws {
        let receiver = try LoopbackUDPReceiver()
        let registry = VariableRegistry()
        let hub = SourceHub(id: "mock", typeName: "mock", registry: registry)
        let layout = hub.declare(MockSimulation.declarations())
        var simulation = MockSimulation(layout: layout, cars: 20, seed: 7, overrides: [:])
        let limit = 1200
        let metrics = BrokerMetrics()
        let sink = UDPSink(
            id: "udp", config: try Self.config("127.0.0.1:\(receiver.port)", variables: .all, limit: limit),
            context: PluginContext(logger: Logger(label: "t"), registry: registry, metrics: metrics))
        var frames: [Int: Frame] = [:]
        let datagrams = try await Self.running(sink, hubs: [hub], rate: 1000, receiver: receiver) {
            hub.setConnected(true)
            for _ in 0..<3 {
                hub.publish(simulation.step(dt: 1.0 / 60))
                let frame = try #require(hub.latestFrame)
                frames[Int(frame.seq)] = frame
                try await Task.sleep(for: .milliseconds(100))
            }
            return try await receiver.wait(timeout: 20) { received in
                Set(received.compactMap { $0.object }.filter { $0["type"] as? String == "telemetry" }.compactMap { $0["seq"] as? Int }).count >= 3
            }
        }
        let telemetry = datagrams.filter { $0.text.hasPrefix("{\"type\":\"telemetry\"") }
        #expect(telemetry.allSatisfy { $0.bytes.count <= limit }, "a datagram exceeds \(limit) bytes")
        let bySeq = Dictionary(grouping: telemetry) { $0.object?["seq"] as? Int ?? -1 }
        #expect(Set(bySeq.keys) == Set(frames.keys))
        for (seq, parts) in bySeq {
            let frame = try #require(frames[seq])
            let whole = BrokerMessages.telemetry(
                sourceID: "mock", frame: frame, selection: VariableSelection.all.resolve(sourceID: "mock", layout: layout, registry: registry))
            #expect(whole.count > 5 * limit, "the frame is not big enough to test splitting")
            let objects = try parts.map { try #require($0.object, "a part is not valid JSON: \($0.text)") }
            let count = try #require(objects.first?["parts"] as? Int)
            #expect(objects.allSatisfy { $0["type"] as? String == "telemetry" && $0["source"] as? String == "mock" && $0["parts"] as? Int == count })
            let order = objects.compactMap { $0["part"] as? Int }
            #expect(order == Array(1...count), "parts arrive in order, each once")
            let reassembled = parts.map { SplitText.dataInner($0.bytes) }.joined(separator: [UInt8(ascii: ",")])
            #expect(Array(reassembled) == SplitText.dataInner(whole), "the parts' variables differ from the unsplit message for seq \(seq)")
        }
        #expect(sink.counters.current.variablesDropped == 0)
        #expect(sink.counters.current.framesSplit == 3)
        // The same counts in the broker's metrics.
        #expect(metrics.value(#"broker_udp_frames_split_total{sink="udp"}"#) == 3)
        #expect(metrics.value(#"broker_udp_frames_sent_total{sink="udp"}"#) == 3)
        #expect(metrics.value(#"broker_udp_datagrams_sent_total{sink="udp"}"#) == Double(sink.counters.current.datagramsSent))
        #expect(metrics.value(#"broker_udp_variables_dropped_total{sink="udp"}"#) == 0)
    }

    @Test func aVariableTooBigForAnyDatagramIsLeftOutWithOneWarning() async throws {
        let receiver = try LoopbackUDPReceiver()
        let registry = VariableRegistry()
        let (hub, layout) = Self.hub(["Speed", "CarIdxLapDistPct", "Gear"], registry: registry)
        let log = LogCapture()
        let sink = UDPSink(
            id: "udp", config: try Self.config("127.0.0.1:\(receiver.port)", variables: .all, limit: 256),
            context: PluginContext(logger: log.logger, registry: registry))
        let telemetry = try await Self.running(sink, hubs: [hub], rate: 1000, receiver: receiver) {
            hub.setConnected(true)
            for i in 0..<4 {
                var row = FrameRow(layout: layout)
                row.set(0, 33.25)
                for car in 0..<64 { row.set(1, 0.123456 + Double(car) / 100, element: car) }
                row.set(2, i)
                try await Self.publishAndAwait(row, on: hub, receiver: receiver)
            }
            return receiver.datagrams.filter { $0.text.contains("\"telemetry\"") }
        }
        #expect(telemetry.count == 4)
        for datagram in telemetry {
            let object = try #require(datagram.object)
            #expect(datagram.bytes.count <= 256)
            #expect(object["part"] as? Int == 1 && object["parts"] as? Int == 1)
            #expect(Set((object["data"] as? [String: Any] ?? [:]).keys) == ["Speed", "Gear"])
        }
        let warnings = log.lines.filter { $0.level == .warning }
        #expect(warnings.count == 1, "\(warnings.map(\.message))")
        #expect(warnings.first?.message.contains("'CarIdxLapDistPct'") == true && warnings.first?.message.contains("max_datagram_bytes 256") == true)
        #expect(sink.counters.current.variablesDropped == 4)
    }

    /// A 60 Hz source and a 10 Hz sink over about two seconds. The bounds are loose: the machine
    /// may be busy with other tests, and the rate limiter itself is tested exactly in the core.
    @Test func sendsAtTheSinksRateNotTheSources() async throws {
        let receiver = try LoopbackUDPReceiver()
        let registry = VariableRegistry()
        let (hub, layout) = Self.hub(["Speed"], registry: registry)
        let sink = UDPSink(
            id: "udp", config: try Self.config("127.0.0.1:\(receiver.port)", variables: .all),
            context: PluginContext(logger: Logger(label: "t"), registry: registry))
        let duration = 2.0
        let (published, elapsed) = try await Self.running(sink, hubs: [hub], rate: 10, receiver: receiver) {
            hub.setConnected(true)
            let start = ContinuousClock.now
            var count = 0
            while ContinuousClock.now - start < .seconds(duration) {
                var row = FrameRow(layout: layout)
                row.set(0, Double(count))
                hub.publish(row)
                count += 1
                try await Task.sleep(until: start + .seconds(Double(count) / 60), clock: .continuous)
            }
            try await Task.sleep(for: .milliseconds(50))
            let elapsed = ContinuousClock.now - start
            return (count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let telemetry = receiver.datagrams.filter { $0.text.contains("\"telemetry\"") }
        #expect(published >= 90, "the test's own 60 Hz source published only \(published) frames")
        // At most one frame per 100 ms (plus the first at once); at least most of them, unless the
        // machine is starved.
        let most = Int(elapsed * 10) + 2
        #expect(
            (most * 6 / 10)...most ~= telemetry.count,
            "expected about \(Int(elapsed * 10)) datagrams at 10 Hz over \(elapsed) s, got \(telemetry.count)")
        let seqs = telemetry.compactMap { $0.object?["seq"] as? Int }
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
        if let first = seqs.first, let last = seqs.last, seqs.count > 1 {
            #expect(last - first >= 3 * (seqs.count - 1), "a 10 Hz sink takes about every sixth frame of a 60 Hz source: \(seqs)")
        }
    }

    @Test func sendsToAnIPv6LoopbackTarget() async throws {
        let receiver = try LoopbackUDPReceiver(ipv6: true)
        let registry = VariableRegistry()
        let (hub, layout) = Self.hub(["RPM"], registry: registry)
        let sink = UDPSink(
            id: "udp", config: try Self.config("[::1]:\(receiver.port)", variables: .names(["RPM"])),
            context: PluginContext(logger: Logger(label: "t"), registry: registry))
        let received = try await Self.running(sink, hubs: [hub], rate: 100, receiver: receiver) {
            hub.setConnected(true)
            var row = FrameRow(layout: layout)
            row.set(0, 6500.0)
            hub.publish(row)
            return try await receiver.wait(timeout: 20) { $0.contains { $0.text.contains("\"telemetry\"") } }
        }
        let telemetry = try #require(received.first { $0.text.contains("\"telemetry\"") }?.object)
        #expect((telemetry["data"] as? [String: Any])?["RPM"] as? Double == 6500)
    }

    @Test func anUnresolvableTargetIsOneClearError() async throws {
        let registry = VariableRegistry()
        let sink = UDPSink(
            id: "lan", config: try Self.config("no-such-host.invalid:9999", variables: .all),
            context: PluginContext(logger: Logger(label: "t"), registry: registry))
        let started = LoopbackUDPReceiver.now()
        let error = await #expect(throws: PluginError.self) {
            try await sink.run(input: SinkInput(sinkID: "lan", sources: [], rate: 10))
        }
        #expect(
            error?.description.hasPrefix("udp sink 'lan': cannot resolve target host 'no-such-host.invalid'") == true, "\(String(describing: error))")
        #expect(LoopbackUDPReceiver.now() - started < 30, "resolving took too long")
    }

    @Test func theBrokerReportsAnUnresolvableTargetInOneLine() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("udp-unresolvable-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        let config = """
            sources:
              - type: mock
            sinks:
              - type: udp
                id: lan
                target: no-such-host.invalid:9999
                variables: [Speed]
            """
        try config.write(to: file, atomically: true, encoding: .utf8)
        let result = try await BrokerProcess.run(["--config", file.path, "--log-level", "error"], timeout: 20)
        let stderr = result.stderr
        #expect(result.status == 1, "\(stderr)")
        let lines = stderr.split(separator: "\n").filter { $0.contains("no-such-host.invalid") }
        #expect(lines.count == 1 && lines.first?.contains("udp sink 'lan': cannot resolve target host 'no-such-host.invalid'") == true, "\(stderr)")
    }

    @Test func stopsPromptlyWhileIdle() async throws {
        let receiver = try LoopbackUDPReceiver()
        let registry = VariableRegistry()
        let (hub, _) = Self.hub(["Speed"], registry: registry)
        let sink = UDPSink(
            id: "udp", config: try Self.config("127.0.0.1:\(receiver.port)", variables: .all),
            context: PluginContext(logger: Logger(label: "t"), registry: registry))
        try await Self.running(sink, hubs: [hub], rate: 10, receiver: receiver) { try await Task.sleep(for: .milliseconds(200)) }
        #expect(receiver.datagrams.count == 1, "only the first status: \(receiver.datagrams.map(\.text))")
    }
}

/// Picks apart the telemetry text the sink sends.
enum SplitText {
    /// The text between `"data":{` and the closing `}}`: the variables as `"Name":value,...`.
    static func dataInner(_ message: [UInt8]) -> [UInt8] {
        let marker = Array(",\"data\":{".utf8)
        guard let start = firstIndex(of: marker, in: message), message.count >= start + marker.count + 2 else { return [] }
        return Array(message[(start + marker.count)..<(message.count - 2)])
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
