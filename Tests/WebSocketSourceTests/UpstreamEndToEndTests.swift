import BrokerCore
import BrokerTestSupport
import Foundation
import HummingbirdWebSocket
import Logging
import MockSource
import Synchronization
import Testing
import WebSocketSink
import WebSocketSource

/// Real brokers over real loopback sockets: broker C's `websocket` source reading broker A's
/// WebSocket sink, and reading a stand-in for the Python bridge.
@Suite(.serialized) struct UpstreamEndToEndTests {
    static let catalog = PluginCatalog(
        sources: [SourcePlugin(MockSource.self), SourcePlugin(WebSocketUpstreamSource.self)], sinks: [SinkPlugin(WebSocketSink.self)])

    /// A broker built from config text, running until `stop`.
    struct RunningBroker {
        let broker: Broker
        let task: Task<Void, any Error>

        /// Logs at `TEST_LOG_LEVEL` (default error) unless given `logger`.
        static func start(_ text: String, logger: Logger? = nil) throws -> RunningBroker {
            let config = try ConfigLoader(catalog: catalog).load(text: text, file: "federation-test.yaml")
            var defaultLogger = Logger(label: "federation-test")
            defaultLogger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
            let logger = logger ?? defaultLogger
            let broker = try Broker(config: config, logger: logger)
            return RunningBroker(broker: broker, task: Task { try await broker.run(handleSignals: false) })
        }

        func hub(_ id: String) throws -> SourceHub { try #require(broker.hubs.first { $0.id == id }) }

        func stop() async throws {
            task.cancel()
            try await task.value
        }
    }

    /// Runs a broker built from `text` for `body`, and stops it on every way out of `body`.
    func withRunningBroker<Value>(_ text: String, logger: Logger? = nil, _ body: (RunningBroker) async throws -> Value) async throws -> Value {
        try await using(try RunningBroker.start(text, logger: logger), stop: { try await $0.stop() }, body)
    }

    static func upstreamBroker(port: Int, rate: Double = 10) -> String {
        """
        sources:
          - type: mock
            id: a
            seed: 1
            rate: \(rate)
        sinks:
          - type: websocket
            host: 127.0.0.1
            port: \(port)
            rate: 1000
            mdns: {enabled: false}
            dashboard: false
        """
    }

    static func downstreamBroker(upstream: String, extra: String = "") -> String {
        """
        sources:
          - type: websocket
            id: car12
            url: \(upstream)
            reconnect: {min_s: 0.1, max_s: 0.4}
        \(extra)
        sinks: []
        """
    }

    /// Every field of the layout, as JSON values.
    static func values(of frame: Frame) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: frame.layout.fields.indices.map { (frame.layout.fields[$0].name, frame.value(ofField: $0)) })
    }

    /// How many of A's frames C was seen holding with equal values, looking every 10 ms until five
    /// matched or 4 s passed (the mock publishes at 10 Hz, so between two of its frames C holds the same one).
    static func framesMatching(_ hubA: SourceHub, _ hubC: SourceHub) async throws -> Int {
        var equalFrames = Set<UInt64>()
        for _ in 0..<400 where equalFrames.count < 5 {
            if let frameA = hubA.latestFrame, let frameC = hubC.latestFrame, values(of: frameA) == values(of: frameC) {
                equalFrames.insert(frameA.seq)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return equalFrames.count
    }

    @Test("broker C republishes broker A's mock (seed 1): same declarations, values, session info, events, status; A gone and back")
    func brokerToBroker() async throws {
        let port = try freeLoopbackPort()
        try await withRunningBroker(Self.upstreamBroker(port: port)) { a in
            try await withRunningBroker(Self.downstreamBroker(upstream: "ws://127.0.0.1:\(port)/")) { c in
                let hubA = try a.hub("a")
                let hubC = try c.hub("car12")

                #expect(await waitUntil(timeout: 20) { hubC.status.connected && hubC.latestFrame != nil })
                #expect(hubC.status.details.first { $0.0 == "declarations" }?.1 == "vars")
                #expect(hubC.status.details.first { $0.0 == "upstream_source" }?.1 == "a")
                let layoutA = try #require(hubA.layout)
                let layoutC = try #require(hubC.latestFrame?.layout)
                #expect(layoutC.fields.map(\.name) == layoutA.fields.map(\.name))
                #expect(layoutC.fields.map(\.type) == layoutA.fields.map(\.type))
                #expect(layoutC.fields.map(\.count) == layoutA.fields.map(\.count))
                #expect(c.broker.registry.entries().first { $0.info.name == "Speed" }?.providers == ["car12"])

                let matched = try await Self.framesMatching(hubA, hubC)
                #expect(matched >= 5, "C's frames never matched A's (\(matched) matched)")
                let sample = try #require(hubC.latestFrame)
                #expect(Self.values(of: sample).count > 300)

                #expect(hubC.sessionInfo?.data == hubA.sessionInfo?.data)
                hubA.emit("lap", .object([("CarIdx", 0), ("Lap", 4), ("LapTime", 91.25)]))
                #expect(await waitUntil(timeout: 10) { hubC.eventsEmitted == 1 })
                let event = try #require(hubC.events(after: 0).events.first)
                #expect(event.name == "lap" && event.data == .object([("CarIdx", 0), ("Lap", 4), ("LapTime", .double(91.25))]))

                // A's broker stops: C is disconnected with the reason and retries; A comes back: recovered.
                try await a.stop()
                #expect(await waitUntil(timeout: 10) { !hubC.status.connected })
                let reason = hubC.status.details.first { $0.0 == "reason" }?.1.stringValue ?? ""
                #expect(!reason.isEmpty)
                #expect(await waitUntil(timeout: 10) { (hubC.status.details.first { $0.0 == "reconnects" }?.1.intValue ?? 0) >= 2 })
                try await withRunningBroker(Self.upstreamBroker(port: port)) { _ in
                    let before = hubC.latestFrame?.seq ?? 0
                    #expect(await waitUntil(timeout: 20) { hubC.status.connected && (hubC.latestFrame?.seq ?? 0) > before + 5 })
                }
                try await c.stop()
                #expect(!hubC.status.connected)
            }
        }
    }

    @Test("a stand-in for the Python bridge: sub all + sessioninfo, replies without source or seq; types inferred")
    func pythonBridge() async throws {
        let port = try freeLoopbackPort()
        let sessionInfo = #"{"WeekendInfo":{"TrackName":"spa","TrackID":163},"DriverInfo":{"DriverCarIdx":0}}"#
        let stub = try await UpstreamStub.start(port: port) { inbound, outbound in
            try await PythonBridge.serve(inbound, outbound, sessionInfo: sessionInfo) { tick in
                let positions = (0..<64).map { "\(Double($0) / 64 + Double(tick) * 0.001)" }.joined(separator: ",")
                return
                    #"{"Speed":\#(40 + Double(tick) * 0.5),"Gear":\#(tick % 6),"RPM":7000.5,"IsOnTrack":true,"Bespoke":\#(tick),"CarIdxLapDistPct":[\#(positions)],"FuelUsePerHour":null}"#
            }
        }
        try await using(stub, stop: { await $0.stop() }) { stub in
            try await withRunningBroker(Self.downstreamBroker(upstream: stub.url)) { c in
                let hub = try c.hub("car12")
                #expect(await waitUntil(timeout: 20) { hub.status.connected && (hub.latestFrame?.seq ?? 0) >= 10 })
                let frame = try #require(hub.latestFrame)
                let fields = Dictionary(uniqueKeysWithValues: frame.layout.fields.map { ($0.name, $0) })
                #expect(fields["Speed"]?.type == .float && fields["Gear"]?.type == .int && fields["IsOnTrack"]?.type == .bool)
                #expect(fields["Bespoke"]?.type == .int)
                #expect(fields["CarIdxLapDistPct"]?.count == 64)
                #expect(fields["FuelUsePerHour"] == nil)
                let speed = try #require(frame.value(named: "Speed")?.doubleValue)
                let tick = Int(((speed - 40) / 0.5).rounded())
                #expect(frame.value(named: "Bespoke") == .int(Int64(tick)))
                #expect(frame.value(named: "Gear") == .int(Int64(tick % 6)))
                #expect(frame.value(named: "RPM") == .float(7000.5))
                #expect(frame.value(named: "CarIdxLapDistPct")?[63] == .float(Float(63.0 / 64 + Double(tick) * 0.001)))
                #expect(hub.sessionInfo?.data == (try JSONValue(parsing: sessionInfo)))
                #expect(hub.status.details.first { $0.0 == "declarations" }?.1 == "inferred")
                #expect(hub.status.details.first { $0.0 == "dropped" }?.1 == .object([]))
            }
        }
    }

    @Test("garbage, binary and oversized messages are dropped and counted; the connection is retried; good data recovers")
    func misbehavingUpstream() async throws {
        let port = try freeLoopbackPort()
        let connections = Atomic<Int>(0)
        // The stub splits messages into 1 KiB frames, so the oversized one arrives in fragments.
        let stub = try await UpstreamStub.start(port: port, maxFrameSize: 1024) { inbound, outbound in
            let n = connections.add(1, ordering: .relaxed).newValue
            switch n {
            case 1:
                // Garbage, then far more than the source's limit in one message.
                try await outbound.write(.text("this is not JSON"))
                try await outbound.write(.binary(.init(bytes: [1, 2, 3])))
                try await outbound.writeTextMessage("{\"type\":\"telemetry\",\"data\":{\"Speed\":\"" + String(repeating: "x", count: 8192) + "\"}}")
            case 2:
                // Nothing but garbage: the source gives up on this connection.
                for _ in 0..<200 { try await outbound.write(.text("<html>")) }
            default:
                try await PythonBridge.serve(inbound, outbound, sessionInfo: "{}") { tick in #"{"Speed":\#(tick)}"# }
                return
            }
            for try await _ in inbound.messages(maxSize: 1 << 16) {}
        }
        try await using(stub, stop: { await $0.stop() }) { stub in
            try await withRunningBroker(Self.downstreamBroker(upstream: stub.url + "\n    max_message_bytes: 4096")) { c in
                let hub = try c.hub("car12")
                #expect(await waitUntil(timeout: 30) { hub.status.connected && (hub.latestFrame?.seq ?? 0) >= 5 })
                #expect(connections.load(ordering: .relaxed) >= 3)
                let dropped = try #require(hub.status.details.first { $0.0 == "dropped" }?.1)
                #expect((dropped["malformed JSON"]?.intValue ?? 0) >= 101)
                #expect(dropped["binary message"] == 1)
                #expect(dropped["oversized message"] == 1)
                #expect(try #require(hub.latestFrame).value(named: "Speed") != nil)
            }
        }
    }

    @Test("an upstream that refuses the token: disconnected with the reason, retried; with the token it connects")
    func refusedUpgrade() async throws {
        let port = try freeLoopbackPort()
        try await withRunningBroker(Self.upstreamBroker(port: port) + "\n    token: secret") { a in
            try await withRunningBroker(Self.downstreamBroker(upstream: "ws://127.0.0.1:\(port)/") + "") { c in
                let hub = try c.hub("car12")
                #expect(await waitUntil(timeout: 15) { (hub.status.details.first { $0.0 == "reconnects" }?.1.intValue ?? 0) >= 1 })
                #expect(!hub.status.connected)
                #expect(hub.status.details.first { $0.0 == "reason" }?.1.stringValue?.contains("upgrade") == true)
                try await c.stop()

                try await withRunningBroker(
                    Self.downstreamBroker(upstream: "ws://127.0.0.1:\(port)/").replacingOccurrences(
                        of: "    reconnect:", with: "    token: secret\n    reconnect:")
                ) { withToken in
                    let good = try withToken.hub("car12")
                    #expect(await waitUntil(timeout: 20) { good.status.connected && good.latestFrame != nil })
                }
            }
        }
    }
}
