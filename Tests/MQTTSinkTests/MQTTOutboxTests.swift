import BrokerCore
import BrokerTestSupport
import MQTTClient
import Testing

@testable import MQTTSink

/// The outbox keeps the newest message per topic and a bounded run of events, whatever happens.
@Suite struct MQTTOutboxTests {
    func latest(_ topic: String, _ text: String) -> OutboundMessage {
        OutboundMessage(topic: topic, payload: Array(text.utf8), retain: false, kind: .latest)
    }

    func event(_ text: String) -> OutboundMessage {
        OutboundMessage(topic: "p/s/event", payload: Array(text.utf8), retain: false, kind: .event)
    }

    func drain(_ outbox: inout MQTTOutbox) -> [String] {
        var texts: [String] = []
        while let message = outbox.takeNext() { texts.append(String(decoding: message.payload, as: UTF8.self)) }
        return texts
    }

    @Test func newestWinsPerTopicAndKeepsItsTurn() {
        var outbox = MQTTOutbox()
        #expect(outbox.put(latest("t", "1")) == 0)
        #expect(outbox.put(latest("s", "status")) == 0)
        #expect(outbox.put(latest("t", "2")) == 1)
        #expect(outbox.put(latest("t", "3")) == 1)
        #expect(outbox.count == 2)
        #expect(drain(&outbox) == ["3", "status"])
        #expect(outbox.count == 0)
    }

    @Test func eventsKeepTheirOrderAmongOtherMessages() {
        var outbox = MQTTOutbox()
        outbox.put(event("lap 1"))
        outbox.put(latest("t", "1"))
        outbox.put(event("lap 2"))
        outbox.put(latest("t", "2"))
        #expect(drain(&outbox) == ["lap 1", "2", "lap 2"])
    }

    @Test func eventsBeyondTheRoomDropTheOldest() {
        var outbox = MQTTOutbox(eventCapacity: 3)
        var dropped = 0
        for lap in 1...5 { dropped += outbox.put(event("lap \(lap)")) }
        #expect(dropped == 2)
        #expect(drain(&outbox) == ["lap 3", "lap 4", "lap 5"])
    }

    @Test func putBackGoesFirstUnlessSomethingNewerWaits() {
        var outbox = MQTTOutbox(eventCapacity: 4)
        outbox.put(latest("t", "new"))
        outbox.put(event("later event"))
        let discarded = outbox.putBack([latest("t", "old"), event("earlier event"), latest("s", "status")])
        #expect(discarded == 1)
        #expect(drain(&outbox) == ["earlier event", "status", "new", "later event"])
    }

    @Test func aLongOutageNeverGrowsIt() {
        var outbox = MQTTOutbox(eventCapacity: 16)
        var dropped = 0
        for i in 0..<100_000 {
            dropped += outbox.put(latest("p/s/telemetry", "\(i)"))
            dropped += outbox.put(latest("p/s/vars/Speed", "\(i)"))
            if i % 10 == 0 { dropped += outbox.put(event("\(i)")) }
        }
        #expect(outbox.count == 2 + 16)
        #expect(dropped == 100_000 * 2 + 10_000 - outbox.count)
        let texts = drain(&outbox)
        #expect(texts.count == 18)
        #expect(texts.suffix(16) == (9_984..<10_000).map { "\($0 * 10)" })
    }
}

/// What reaches a session's outbox.
@Suite struct MQTTSessionAdmissionTests {
    @Test func aMessageMQTTCannotCarryIsDroppedWithOneErrorLine() throws {
        let logs = LogCapture()
        let statistics = MQTTStatistics(sinkID: "mqtt", metrics: BrokerMetrics())
        let hub = SourceHub(id: "car", typeName: "test", registry: VariableRegistry())
        let settings = MQTTSession.Settings(
            server: MQTTServerAddress(host: "127.0.0.1", port: 1), clientID: "c", qos: .atLeastOnce, keepAliveSeconds: 30,
            retainStatus: true, maxInFlight: 20, reconnect: ReconnectDelay(), sinkID: "mqtt")
        let session = MQTTSession(
            hub: hub, settings: settings, topicPrefix: "t", statistics: statistics, logger: logs.logger(level: .debug), clock: SystemClock())
        let longTopic = "t/car/vars/" + String(repeating: "x", count: 70_000)
        for _ in 0..<3 { session.enqueue(OutboundMessage(topic: longTopic, payload: [0x31], retain: false, kind: .latest)) }
        session.enqueue(OutboundMessage(topic: "t/car/telemetry", payload: [0x7B, 0x7D], retain: false, kind: .latest))
        #expect(session.waitingCount == 1)
        #expect(statistics.snapshot.dropped == 3)
        #expect(logs.messages(atLeast: .error).count == 1)
        #expect(logs.messages(atLeast: .error).first?.contains("too large for MQTT") == true)
    }
}
