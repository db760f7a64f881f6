import BrokerCore
import NIOCore
import NIOHTTP1
import Testing

@testable import WebSocketSink

/// The sink's pieces on their own: command parsing, subscription bookkeeping, token checks,
/// the metrics windows.
@Suite("WebSocket sink building blocks")
struct BuildingBlockTests {
    @Test("commands: the word is lower-cased, arguments split on commas and trimmed")
    func commandParsing() {
        func parsed(_ text: String) -> [String]? {
            ClientCommand(parsing: text).map { [$0.word] + $0.arguments }
        }
        #expect(parsed("  SUB Speed , RPM,,Gear ") == ["sub", "Speed", "RPM", "Gear"])
        #expect(parsed("ping") == ["ping"])
        #expect(parsed("rate\t30") == ["rate", "30"])
        #expect(parsed("read lfs/Speed") == ["read", "lfs/Speed"])
        #expect(ClientCommand(parsing: " \n ") == nil)
    }

    @Test("a subscription keeps the order asked for and slices per source")
    func subscriptionSlices() {
        let sources = ["sim", "lfs"]
        var request = SubscriptionRequest()
        for name in ["Speed", "lfs/Gear", "RPM", "Speed", "sim/RPM"] { request.subscribe(name, sourceIDs: sources) }
        #expect(request.key(for: "sim") == .names(["Speed", "RPM"]))
        #expect(request.key(for: "lfs") == .names(["Speed", "Gear", "RPM"]))
        #expect(request.key(for: "other") == .names(["Speed", "RPM"]))

        request.unsubscribe("sim/Speed", sourceIDs: sources)
        #expect(request.key(for: "sim") == .names(["RPM"]))
        #expect(request.key(for: "lfs") == .names(["Speed", "Gear", "RPM"]))
        request.unsubscribe("RPM", sourceIDs: sources)
        #expect(request.key(for: "sim") == nil)
        #expect(request.key(for: "lfs") == .names(["Speed", "Gear"]))
        request.unsubscribeAll()
        #expect(request.isEmpty)
        #expect(request.key(for: "lfs") == nil)
    }

    @Test("after sub all, unsub excludes and sub includes again")
    func subscribeAllWithExclusions() {
        let sources = ["sim", "lfs"]
        var request = SubscriptionRequest()
        request.subscribeAll()
        #expect(request.key(for: "sim") == .all(excluding: []))
        request.unsubscribe("CarIdxLap", sourceIDs: sources)
        request.unsubscribe("lfs/Speed", sourceIDs: sources)
        #expect(request.key(for: "sim") == .all(excluding: ["CarIdxLap"]))
        #expect(request.key(for: "lfs") == .all(excluding: ["CarIdxLap", "Speed"]))
        request.subscribe("sim/CarIdxLap", sourceIDs: sources)
        #expect(request.key(for: "sim") == .all(excluding: []))
        #expect(request.key(for: "lfs") == .all(excluding: ["CarIdxLap", "Speed"]))
        request.subscribe("Speed", sourceIDs: sources)
        #expect(request.key(for: "lfs") == .all(excluding: ["CarIdxLap"]))
    }

    @Test("equal slices share one subscription; it is released with its last user")
    func subscriptionTable() {
        let registry = VariableRegistry()
        let table = SubscriptionTable(sourceID: "sim", registry: registry)
        let first = table.acquire(.names(["Speed", "RPM"]))
        let second = table.acquire(.names(["Speed", "RPM"]))
        let other = table.acquire(.names(["RPM", "Speed"]))
        #expect(first === second)
        #expect(first !== other)
        #expect(table.distinctCount == 2)
        table.release(first)
        #expect(table.distinctCount == 2)
        table.release(second)
        table.release(other)
        #expect(table.distinctCount == 0)
    }

    @Test("a shared subscription encodes a frame once and re-resolves on a new layout")
    func sharedEncoding() throws {
        let registry = VariableRegistry()
        let hub = SourceHub(id: "sim", typeName: "mock", registry: registry)
        let driver = FrameDriver(hub: hub, variables: ["Speed", "RPM"])
        let subscription = SharedSubscription(key: .names(["RPM", "Gear"]), sourceID: "sim", registry: registry)
        let metrics = SinkMetrics(sinkID: "ws", metrics: BrokerMetrics())
        driver.publish(10)
        let frame = try #require(hub.latestFrame)
        let first = try #require(subscription.message(for: frame, metrics: metrics))
        let again = try #require(subscription.message(for: frame, metrics: metrics))
        #expect(first == TextFrame.encode(Array(#"{"type":"telemetry","source":"sim","seq":1,"data":{"RPM":1010.0,"Gear":null}}"#.utf8)))
        #expect(first == again)
        #expect(metrics.encodeSamples == 1)

        let wider = FrameDriver(hub: hub, variables: ["Speed", "RPM", "Gear"])
        wider.publish(11)
        let newer = try #require(hub.latestFrame)
        let next = try #require(subscription.message(for: newer, metrics: metrics))
        #expect(next == TextFrame.encode(Array(#"{"type":"telemetry","source":"sim","seq":2,"data":{"RPM":1011.0,"Gear":3}}"#.utf8)))
    }

    @Test("messages are encoded as whole text frames, with the length in 7, 16 or 64 bits")
    func textFrames() {
        for (length, header) in [
            (0, [0x81, 0]), (125, [0x81, 125]), (126, [0x81, 126, 0, 126]), (65535, [0x81, 126, 0xFF, 0xFF]),
            (65536, [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]),
        ] as [(Int, [UInt8])] {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
            let frame = TextFrame.encode(payload)
            #expect(frame.getBytes(at: 0, length: header.count) == header, "length \(length)")
            #expect(frame.getBytes(at: header.count, length: frame.readableBytes - header.count) == payload, "length \(length)")
        }
    }

    @Test("tokens: ?token= (percent-decoded) and Bearer, compared in full")
    func tokens() {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer  abc def ")
        let presented = AdmissionPolicy.presentedTokens(query: "x=1&token=a%2Fb+c&token=", headers: headers)
        #expect(presented.map { String(decoding: $0, as: UTF8.self) } == ["a/b c", "", "abc def"])
        let secret = Array("s3cret".utf8)
        #expect(AdmissionPolicy.constantTimeEqual(Array("s3cret".utf8), secret))
        #expect(!AdmissionPolicy.constantTimeEqual(Array("s3cres".utf8), secret))
        #expect(!AdmissionPolicy.constantTimeEqual(Array("s3cre".utf8), secret))
        #expect(!AdmissionPolicy.constantTimeEqual(Array("s3cret!".utf8), secret))
        #expect(!AdmissionPolicy.constantTimeEqual([], secret))
        #expect(AdmissionPolicy.splitURI("/ws?token=x") == ("/ws", "token=x"))
    }

    @Test("duration windows report nearest-rank percentiles over the newest samples")
    func durationWindow() {
        var window = DurationWindow(capacity: 100)
        #expect(window.summary.samples == 0)
        for value in 1...200 { window.add(milliseconds: Double(value)) }
        let summary = window.summary
        #expect(summary.samples == 100)
        #expect(summary.min == 101)
        #expect(summary.max == 200)
        #expect(summary.mean == 150.5)
        #expect(summary.p50 == 150)
        #expect(summary.p90 == 190)
        #expect(summary.p95 == 195)
    }

    @Test("schedule counters: gets, skips, longest run of gets")
    func scheduleCounters() {
        var counters = ScheduleCounters()
        #expect(counters.getShare == 0)
        for _ in 0..<3 { counters.recordGet() }
        counters.recordSkip()
        counters.recordGet()
        #expect(counters.gets == 4)
        #expect(counters.skips == 1)
        #expect(counters.maxStreak == 3)
        #expect(counters.getShare == 0.8)
    }

    @Test("mDNS service types are '_name._tcp'")
    func serviceTypes() {
        #expect(WebSocketSinkConfig.MDNS.isValidServiceType("_iracingws._tcp"))
        #expect(WebSocketSinkConfig.MDNS.isValidServiceType("_x-y._udp"))
        #expect(!WebSocketSinkConfig.MDNS.isValidServiceType("iracingws._tcp"))
        #expect(!WebSocketSinkConfig.MDNS.isValidServiceType("_iracingws"))
        #expect(!WebSocketSinkConfig.MDNS.isValidServiceType("_a_very_long_service_name._tcp"))
    }

    @Test("the token never shows in the config's description")
    func tokenRedacted() {
        let config = WebSocketSinkConfig(token: "hunter2")
        #expect(!"\(config)".contains("hunter2"))
        #expect(!String(reflecting: config).contains("hunter2"))
    }
}

extension SinkMetrics {
    var encodeSamples: Int { reply(session: ScheduleCounters(), clients: 0, clientRate: 0, largestClientBuffer: 0).encodeSampleCount }
}

extension [UInt8] {
    fileprivate var encodeSampleCount: Int {
        (try? parseJSON(String(decoding: self, as: UTF8.self)))?["data"]?["encode"]?["time"]?["samples"]?.intValue.map(Int.init) ?? -1
    }
}
