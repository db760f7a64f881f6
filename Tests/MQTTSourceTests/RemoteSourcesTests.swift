import BrokerCore
import BrokerTestSupport
import Foundation
import MQTTClient
import Testing

@testable import MQTTSource

/// An `mqtt` entry's restoring logic fed message by message, as its connection would, with hubs
/// added through a real `SourceHubFactory` and time on a manual clock.
final class RelayUnderTest: Sendable {
    let registry: VariableRegistry
    let directory: HubDirectory
    let entry: SourceHub
    let remotes: RemoteSources
    let logs = LogCapture()
    let clock = ManualClock(start: 1_000)

    init(idPrefix: String = "", maxSources: Int = 64, silenceSeconds: Double = 10, otherSources: [String] = []) {
        let registry = VariableRegistry()
        self.registry = registry
        entry = SourceHub(id: "team", typeName: "mqtt", registry: registry)
        directory = HubDirectory([entry] + otherSources.map { SourceHub(id: $0, typeName: "mock", registry: registry) })
        let factory = SourceHubFactory(origin: "team", typeName: "mqtt", registry: registry, directory: directory)
        remotes = RemoteSources(
            settings: RemoteSources.Settings(topicPrefix: "telemetry", idPrefix: idPrefix, maxSources: maxSources, silenceSeconds: silenceSeconds),
            factory: factory, drops: DropTally(logger: logs.logger, context: "mqtt source 'team'"), clock: clock)
        remotes.linkUp()
    }

    /// Delivers `payload` on `topic` as the subscription would.
    func send(_ topic: String, _ payload: String) {
        remotes.handle(.message(MQTTPublish(topic: topic, payload: Array(payload.utf8))))
    }

    func hub(_ id: String) -> SourceHub? { directory.hub(id: id) }

    /// The data object of the hub's newest frame, as sinks encode it.
    func latestData(_ id: String) throws -> [String: Any] {
        let source = try #require(directory.hub(id: id))
        let frame = try #require(source.latestFrame, "no frame on \(id)")
        let selection = VariableSelection.all.resolve(sourceID: id, layout: frame.layout, registry: registry)
        let message = BrokerMessages.telemetry(sourceID: id, frame: frame, selection: selection)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(message)) as? [String: Any])
        return try #require(object["data"] as? [String: Any])
    }
}

/// What an MQTT sink publishes for a mock-like source, in its exact shapes (see the sink's README).
enum SinkPayloads {
    static let declarations = """
        {"type":"vars","source":"mock","data":[\
        {"name":"Speed","type":"float","count":1,"unit":"m/s","desc":"GPS vehicle speed","min":0.0,"max":100.0,"sources":["mock"]},\
        {"name":"Gear","type":"int","count":1,"unit":"","desc":"-1=reverse 0=neutral","sources":["mock"]},\
        {"name":"CarIdxLapDistPct","type":"float","count":4,"unit":"%","desc":"","sources":["mock"]},\
        {"name":"OnPitRoad","type":"bool","count":1,"unit":"","desc":"","sources":["mock"]},\
        {"name":"TrackName","type":"string","count":1,"unit":"","desc":"","sources":["mock"]},\
        {"name":"LapTime","type":"double","count":1,"unit":"s","desc":"","sources":["mock"]}]}
        """
    static let connected = #"{"type":"status","connected":true,"sources":{"mock":{"connected":true,"type":"mock","seed":1}}}"#
    static let will = #"{"type":"status","connected":false,"sources":{"mock":{"connected":false,"type":"mock","reason":"broker connection lost"}}}"#

    static func telemetry(seq: Int, speed: Double = 42.5, gear: Int = 3) -> String {
        #"{"type":"telemetry","source":"mock","seq":\#(seq),"data":{"Speed":\#(speed),"Gear":\#(gear),"CarIdxLapDistPct":[0.25,0.5,null,1.0],"OnPitRoad":true,"TrackName":"tsukuba","LapTime":83.123456789}}"#
    }
}

@Suite struct RemoteSourcesTests {
    @Test func declarationsFramesStatusEventsAndSessionInfoAreRestored() throws {
        let relay = RelayUnderTest(idPrefix: "car12/")
        relay.send("telemetry/mock/declarations", SinkPayloads.declarations)
        relay.send("telemetry/mock/status", SinkPayloads.connected)
        relay.send(
            "telemetry/mock/sessionInfo",
            #"{"type":"sessionInfo","source":"mock","data":{"WeekendInfo":{"TrackName":"tsukuba"},"DriverInfo":{"DriverCarIdx":0}}}"#)
        relay.send("telemetry/mock/telemetry", SinkPayloads.telemetry(seq: 7))
        relay.send("telemetry/mock/event", #"{"type":"event","source":"mock","name":"lap","data":{"Lap":3}}"#)

        let hub = try #require(relay.hub("car12/mock"), "the remote source is a source here, with the prefix")
        #expect(hub.origin == "team", "it counts as the entry's for a sink's sources: list")
        let layout = try #require(hub.layout)
        #expect(layout.fields.map(\.name) == ["Speed", "Gear", "CarIdxLapDistPct", "OnPitRoad", "TrackName", "LapTime"])
        #expect(layout.fields.map(\.type) == [.float, .int, .float, .bool, .string, .double])
        #expect(layout.fields[2].count == 4)
        #expect(relay.registry.entries().first { $0.info.name == "Speed" }?.providers == ["car12/mock"])
        #expect(relay.registry.info(try #require(relay.registry.id(named: "Speed"))).unit == "m/s")

        let data = try relay.latestData("car12/mock")
        #expect(data["Speed"] as? Double == 42.5)
        #expect(data["Gear"] as? Int == 3)
        let distances = try #require(data["CarIdxLapDistPct"] as? [Any])
        #expect(distances.count == 4 && distances[0] as? Double == 0.25 && distances[2] is NSNull && distances[3] as? Double == 1)
        #expect(data["OnPitRoad"] as? Bool == true)
        #expect(data["TrackName"] as? String == "tsukuba")
        #expect(data["LapTime"] as? Double == 83.123456789, "a double keeps its digits")

        #expect(hub.status.connected)
        #expect(JSONValue.object(hub.status.details)["remote_type"] == "mock")
        #expect(JSONValue.object(hub.status.details)["seed"] == .int(1), "the remote's own status keys come along")
        #expect(hub.sessionInfo?.data["WeekendInfo"]?["TrackName"] == "tsukuba")
        let events = hub.events(after: 0).events
        #expect(events.map(\.name) == ["lap"] && events.first?.data["Lap"] == .int(3))
        #expect(relay.logs.warnings.isEmpty, "\(relay.logs.warnings)")
    }

    @Test func everyFrameIsPublishedInOrder() throws {
        let relay = RelayUnderTest()
        relay.send("telemetry/mock/declarations", SinkPayloads.declarations)
        let hub = try #require(relay.hub("mock"))
        var speeds: [Double] = []
        for seq in 1...20 {
            relay.send("telemetry/mock/telemetry", SinkPayloads.telemetry(seq: seq, speed: Double(seq) * 1.5))
            speeds.append(try relay.latestData("mock")["Speed"] as? Double ?? -1)
        }
        #expect(speeds == (1...20).map { Double($0) * 1.5 })
        #expect(hub.latestFrame?.seq == 20)
    }

    @Test func theLastWillDisconnectsTheRemoteSourceWithItsReason() throws {
        let relay = RelayUnderTest()
        relay.send("telemetry/mock/declarations", SinkPayloads.declarations)
        relay.send("telemetry/mock/status", SinkPayloads.connected)
        let hub = try #require(relay.hub("mock"))
        #expect(hub.status.connected)
        relay.send("telemetry/mock/status", SinkPayloads.will)
        #expect(!hub.status.connected)
        #expect(JSONValue.object(hub.status.details)["reason"] == "remote: broker connection lost")
        // Its broker back: status first, then frames.
        relay.send("telemetry/mock/status", SinkPayloads.connected)
        #expect(hub.status.connected)
    }

    @Test func aSilentRemoteSourceIsMarkedDisconnectedUntilHeardAgain() throws {
        let relay = RelayUnderTest(silenceSeconds: 10)
        relay.send("telemetry/mock/declarations", SinkPayloads.declarations)
        relay.send("telemetry/mock/status", SinkPayloads.connected)
        relay.send("telemetry/mock/telemetry", SinkPayloads.telemetry(seq: 1))
        let hub = try #require(relay.hub("mock"))
        relay.clock.advance(to: 1_009.5)
        relay.remotes.checkSilence()
        #expect(hub.status.connected, "9.5 s is within silence_s")
        relay.clock.advance(to: 1_010.5)
        relay.remotes.checkSilence()
        #expect(!hub.status.connected)
        #expect(JSONValue.object(hub.status.details)["reason"] == "no messages for 10 s (silence_s)")
        relay.send("telemetry/mock/telemetry", SinkPayloads.telemetry(seq: 2))
        #expect(hub.status.connected, "heard again")
    }

    @Test func aRemoteSourceThatSaysItIsDisconnectedIsNotSilent() throws {
        let relay = RelayUnderTest(silenceSeconds: 1)
        relay.send("telemetry/mock/status", SinkPayloads.will)
        relay.clock.advance(to: 1_100)
        relay.remotes.checkSilence()
        let hub = try #require(relay.hub("mock"))
        #expect(JSONValue.object(hub.status.details)["reason"] == "remote: broker connection lost", "its own reason stays")
    }

    @Test func losingTheMQTTServerDisconnectsEveryRemoteSource() throws {
        let relay = RelayUnderTest()
        for id in ["a", "b"] {
            relay.send("telemetry/\(id)/status", SinkPayloads.connected.replacingOccurrences(of: "\"mock\"", with: "\"\(id)\""))
        }
        #expect(relay.hub("a")?.status.connected == true && relay.hub("b")?.status.connected == true)
        relay.remotes.linkDown("lost the MQTT server")
        #expect(relay.hub("a")?.status.connected == false && relay.hub("b")?.status.connected == false)
        #expect(JSONValue.object(relay.hub("a")?.status.details ?? [])["reason"] == "lost the MQTT server")
        relay.remotes.linkUp()
        #expect(relay.hub("a")?.status.connected == true)
        #expect(relay.remotes.localIDs == ["a", "b"])
    }

    @Test func malformedMessagesAreDroppedCountedAndLoggedOncePerKind() throws {
        let relay = RelayUnderTest()
        relay.send("telemetry/mock/telemetry", SinkPayloads.telemetry(seq: 1))  // before its declarations
        relay.send("telemetry/mock/declarations", SinkPayloads.declarations)
        let bad: [(String, String, String)] = [
            ("telemetry/mock/telemetry", "{not json", "malformed JSON"),
            ("telemetry/mock/telemetry", "[1,2]", "message of the wrong type for its topic"),
            ("telemetry/mock/telemetry", #"{"type":"status","connected":true}"#, "message of the wrong type for its topic"),
            ("telemetry/mock/telemetry", #"{"type":"telemetry","source":"other","data":{}}"#, "source differs from its topic"),
            ("telemetry/mock/telemetry", #"{"type":"telemetry","source":"mock","data":[1]}"#, "telemetry without data"),
            ("telemetry/mock/status", #"{"type":"status","connected":true,"sources":{"other":{"connected":true}}}"#, "status without its source"),
            ("telemetry/mock/event", #"{"type":"event","source":"mock","data":{}}"#, "event without a name"),
            ("telemetry/mock/sessionInfo", #"{"type":"sessionInfo","source":"mock","data":7}"#, "sessionInfo without data"),
            ("telemetry/mock/declarations", #"{"type":"vars","source":"mock"}"#, "declarations without data"),
            ("elsewhere/mock/telemetry", "{}", "unexpected topic"),
            (
                "telemetry/mock/telemetry", #"{"type":"telemetry","source":"mock","data":{"Speed":"fast","Gear":3}}"#,
                "value that does not fit its declaration"
            ),
        ]
        for round in 0..<3 {
            for (topic, payload, _) in bad { relay.send(topic, payload) }
            if round == 0 { relay.remotes.handle(.oversized(topic: "telemetry/mock/sessionInfo", bytes: 9_000_000)) }
        }
        let drops = relay.remotes.drops
        #expect(drops.count("telemetry before its declarations") == 1)
        #expect(drops.count("malformed JSON") == 3)
        #expect(drops.count("message of the wrong type for its topic") == 6)
        #expect(drops.count("oversized message") == 1)
        #expect(drops.count("value that does not fit its declaration") == 3)
        let kinds = Set(bad.map(\.2)).count + 2
        #expect(relay.logs.warnings.count == kinds, "one warning per kind: \(relay.logs.warnings)")
        // The frame with a misfit still goes out, the misfit as null.
        let data = try relay.latestData("mock")
        #expect(data["Speed"] is NSNull && data["Gear"] as? Int == 3)
        // A bad declaration entry is dropped, the good ones kept.
        relay.send(
            "telemetry/mock/declarations",
            #"{"type":"vars","source":"mock","data":[{"name":"RPM","type":"float"},{"name":"X","type":"quaternion"},{"type":"int"},{"name":"Y","type":"int","count":0}]}"#
        )
        #expect(relay.hub("mock")?.layout?.fields.map(\.name) == ["RPM"])
        #expect(drops.count("bad declaration") == 3)
    }

    @Test func remoteSourcesBeyondTheLimitAreIgnoredCountedAndWarnedOnce() throws {
        let relay = RelayUnderTest(maxSources: 2)
        for index in 0..<10 {
            relay.send("telemetry/car\(index)/status", SinkPayloads.connected.replacingOccurrences(of: "\"mock\"", with: "\"car\(index)\""))
            relay.send("telemetry/car\(index)/event", #"{"type":"event","source":"car\#(index)","name":"lap","data":{}}"#)
        }
        #expect(relay.remotes.localIDs == ["car0", "car1"])
        #expect(relay.directory.hubs.count == 3, "the entry's hub and two remote ones")
        #expect(relay.remotes.ignoredCount == 8)
        #expect(relay.remotes.drops.count("more than max_sources remote sources") == 16, "every message of an ignored source is counted")
        #expect(relay.logs.warnings.count == 1, "\(relay.logs.warnings)")
        #expect(relay.logs.warnings.first?.contains("'car2' and any further ones are ignored (max_sources 2)") == true)
    }

    @Test func anIDTakenByAnotherSourceIsIgnoredWithOneWarning() throws {
        let relay = RelayUnderTest(otherSources: ["mock"])
        relay.send("telemetry/mock/status", SinkPayloads.connected)
        relay.send("telemetry/mock/status", SinkPayloads.connected)
        #expect(relay.hub("mock")?.origin == "mock", "the configured source keeps its hub")
        #expect(relay.remotes.localIDs.isEmpty)
        #expect(relay.remotes.drops.count("source id taken here") == 2)
        #expect(relay.logs.warnings.count == 1 && relay.logs.warnings.first?.contains("id_prefix") == true, "\(relay.logs.warnings)")
    }

    @Test func anEmptyRetainedMessageDeletesNothingAndCreatesNothing() {
        let relay = RelayUnderTest()
        relay.send("telemetry/gone/status", "")
        #expect(relay.remotes.localIDs.isEmpty && relay.logs.warnings.isEmpty)
    }

    @Test func theSinksPerVariableTopicsAreIgnoredQuietly() {
        let relay = RelayUnderTest()
        relay.send("telemetry/mock/declarations", SinkPayloads.declarations)
        relay.send("telemetry/mock/vars/Speed", "42.5")
        relay.send("telemetry/car12/mock/vars/Gear", "3")
        #expect(relay.remotes.drops.total == 0 && relay.logs.warnings.isEmpty, "\(relay.logs.warnings)")
        #expect(relay.remotes.localIDs == ["mock"], "no source is made of a per-variable topic")
        relay.send("telemetry/mock/Speed", "42.5")
        #expect(relay.remotes.drops.count("unexpected topic") == 1, "a topic that is neither is still counted")
    }

    @Test func remoteIDsSpanningLevelsAreParsedFromTheTopic() throws {
        #expect(RemoteTopic("telemetry/car12/mock/telemetry", prefix: "telemetry") == RemoteTopic(remoteID: "car12/mock", kind: .telemetry))
        #expect(RemoteTopic("league/race1/mock/status", prefix: "league/race1") == RemoteTopic(remoteID: "mock", kind: .status))
        #expect(RemoteTopic("telemetry/mock/vars/Speed", prefix: "telemetry") == nil)
        #expect(RemoteTopic("telemetry/mock", prefix: "telemetry") == nil)
        #expect(RemoteTopic("telemetry//telemetry", prefix: "telemetry") == nil)
        #expect(RemoteTopic("telemetryx/mock/telemetry", prefix: "telemetry") == nil)
        #expect(RemoteTopic.isPerVariableValue("telemetry/car12/mock/vars/Speed", prefix: "telemetry"))
        #expect(!RemoteTopic.isPerVariableValue("telemetry/vars/Speed", prefix: "telemetry"), "a source named vars")
        #expect(!RemoteTopic.isPerVariableValue("elsewhere/mock/vars/Speed", prefix: "telemetry"))
    }
}
