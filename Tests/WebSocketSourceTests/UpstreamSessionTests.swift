import BrokerCore
import Logging
import Testing

@testable import WebSocketSource

/// How the upstream's messages become this broker's source, message by message (no sockets).
@Suite struct UpstreamSessionTests {
    final class Fixture {
        let registry = VariableRegistry()
        let hub: SourceHub
        let drops: DropTally
        var session: UpstreamSession

        init(followed: String? = nil, variables: VariableSelection = .all) {
            hub = SourceHub(id: "car12", typeName: "websocket", registry: registry)
            drops = DropTally(logger: Logger(label: "test"), context: "test")
            session = UpstreamSession(hub: hub, followed: followed, variables: variables, drops: drops, logger: Logger(label: "test"))
        }

        func receive(_ text: String) { session.handle(text.utf8) }
    }

    @Test("Python bridge messages: types inferred (integer -> int, number -> double, arrays with their count), catalogue names keep the catalogue's")
    func pythonBridgeInference() throws {
        let f = Fixture()
        f.receive(#"{"type":"status","connected":true}"#)
        f.receive(
            #"{"type":"telemetry","data":{"Speed":42.5,"Gear":3,"Lap":2.0,"Custom":7,"Ratio":0.25,"Flags":[1,2,3],"OnPitRoad":false,"Missing":null}}"#
        )
        let frame = try #require(f.hub.latestFrame)
        let fields = Dictionary(uniqueKeysWithValues: frame.layout.fields.map { ($0.name, $0) })
        #expect(fields["Speed"]?.type == .float)  // the catalogue's
        #expect(fields["Gear"]?.type == .int)
        #expect(fields["Custom"]?.type == .int)
        #expect(fields["Ratio"]?.type == .double)
        #expect(fields["Flags"]?.type == .int && fields["Flags"]?.count == 3)
        #expect(fields["OnPitRoad"]?.type == .bool)
        #expect(fields["Missing"] == nil)  // nothing to infer from yet
        #expect(frame.value(named: "Speed") == .float(42.5))
        #expect(frame.value(named: "Gear") == .int(3))
        #expect(frame.value(named: "Flags") == .array([1, 2, 3]))
        #expect(f.session.declarations == .inferred)
        #expect(f.session.upstreamConnected)
        #expect(f.registry.entries().first { $0.info.name == "Custom" }?.providers == ["car12"])

        // A value that no longer fits widens the declaration; a name seen non-null is added.
        f.receive(#"{"type":"telemetry","data":{"Custom":7.5,"Missing":1,"Flags":[1,2,3,4]}}"#)
        let next = try #require(f.hub.latestFrame)
        #expect(next.value(named: "Custom") == .double(7.5))
        #expect(next.value(named: "Missing") == .int(1))
        #expect(next.value(named: "Flags") == .array([1, 2, 3, 4]))
        #expect(f.drops.total == 0)
    }

    @Test("our protocol: declarations from vars (only the followed source's), other sources' messages ignored")
    func ourProtocolFollowsOneSource() throws {
        let f = Fixture()
        f.receive(
            #"{"type":"status","connected":true,"sources":{"a":{"connected":true,"type":"mock","seed":1},"b":{"connected":false,"type":"mock"}}}"#)
        #expect(f.session.followed == "a")
        f.receive(
            #"{"type":"vars","data":[{"name":"Speed","type":"float","count":1,"unit":"m/s","desc":"","sources":["a","b"]},{"name":"OnlyB","type":"int","count":1,"unit":"","desc":"","sources":["b"]},{"name":"Gear","type":"int","count":1,"unit":"","desc":"","sources":[]},{"name":"Temps","type":"double","count":4,"unit":"C","desc":"tyres","sources":["a"]}]}"#
        )
        #expect(f.session.declarations == .vars)
        f.receive(#"{"type":"telemetry","source":"b","seq":1,"data":{"Speed":1.0,"OnlyB":3}}"#)
        #expect(f.hub.latestFrame == nil)
        f.receive(#"{"type":"telemetry","source":"a","seq":1,"data":{"Speed":12.25,"Temps":[80.5,81,82,83.25]}}"#)
        let frame = try #require(f.hub.latestFrame)
        #expect(frame.layout.fields.map(\.name) == ["Speed", "Temps"])
        #expect(frame.value(named: "Temps") == .array([.double(80.5), .double(81), .double(82), .double(83.25)]))
        f.receive(#"{"type":"sessionInfo","source":"b","data":{"WeekendInfo":{"TrackName":"b"}}}"#)
        f.receive(#"{"type":"sessionInfo","source":"a","data":{"WeekendInfo":{"TrackName":"a"},"DriverInfo":{}}}"#)
        #expect(f.hub.sessionInfo?.data == .object([("WeekendInfo", .object([("TrackName", "a")])), ("DriverInfo", .object([]))]))
        f.receive(#"{"type":"event","source":"a","name":"lap","data":{"Lap":3}}"#)
        f.receive(#"{"type":"event","source":"b","name":"pit","data":{}}"#)
        #expect(f.hub.events(after: 0).events.map(\.name) == ["lap"])
        f.receive(
            #"{"type":"status","connected":true,"sources":{"a":{"connected":false,"type":"mock","reason":"sim gone"},"b":{"connected":true,"type":"mock"}}}"#
        )
        #expect(!f.session.upstreamConnected)
        #expect(f.session.upstreamReason == "upstream: sim gone")
        #expect(f.drops.total == 0)
    }

    @Test("a configured source that the upstream lacks is disconnected with the reason")
    func missingConfiguredSource() {
        let f = Fixture(followed: "lfs")
        f.receive(#"{"type":"status","connected":true,"sources":{"iracing":{"connected":true,"type":"iracing"}}}"#)
        #expect(!f.session.upstreamConnected)
        #expect(f.session.upstreamReason == "the upstream has no source 'lfs' (it has: iracing)")
    }

    @Test("variables: only the listed names are declared")
    func variableSelection() throws {
        let f = Fixture(variables: .names(["Speed", "car/Gear"]))
        f.receive(#"{"type":"telemetry","data":{"Speed":1.5,"Gear":2,"RPM":3000.0}}"#)
        #expect(try #require(f.hub.latestFrame).layout.fields.map(\.name) == ["Speed", "Gear"])
    }

    @Test("garbage is dropped and counted by kind, consecutive drops are tracked, good messages reset them")
    func garbageCounted() {
        let f = Fixture()
        f.receive("not json")
        f.receive("{\"type\":")
        f.receive(#"{"no":"type"}"#)
        f.receive(#"{"type":"bogus"}"#)
        f.receive(#"{"type":"telemetry","data":[1,2]}"#)
        f.session.handleBinary()
        f.receive(String(repeating: "[", count: 10_000))
        #expect(f.drops.count("malformed JSON") == 3)
        #expect(f.drops.count("message without a type") == 1)
        #expect(f.drops.count("unknown message type") == 1)
        #expect(f.drops.count("telemetry without data") == 1)
        #expect(f.drops.count("binary message") == 1)
        #expect(f.session.consecutiveDrops == 7)
        f.receive(#"{"type":"pong"}"#)
        #expect(f.session.consecutiveDrops == 0)
        #expect(f.hub.latestFrame == nil)
    }

    @Test("a value of the wrong type is stored as null and counted")
    func wrongType() throws {
        let f = Fixture()
        f.receive(#"{"type":"vars","data":[{"name":"Speed","type":"float","count":1,"unit":"m/s","desc":""}]}"#)
        f.receive(#"{"type":"telemetry","data":{"Speed":{"x":1}}}"#)
        #expect(try #require(f.hub.latestFrame).value(named: "Speed") == .null)
        #expect(f.drops.count("value of the wrong type") == 1)
    }
}

/// The parser the source reads upstream messages with.
@Suite struct JSONParsingTests {
    @Test func keepsOrderAndNumberKinds() throws {
        let value = try JSONValue(parsing: #" {"b":1,"a":[1.0,-2,3e2,true,null,"x\u00e9\ud83d\ude00\n"],"c":{}} "#)
        #expect(value == .object([("b", 1), ("a", .array([.double(1), .int(-2), .double(300), true, nil, "xé😀\n"])), ("c", .object([]))]))
        #expect(try JSONValue(parsing: "12345678901234567890") == .double(12345678901234567890))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"a", "[1] 2", "\"\u{1}\"", "{\"a\":1,}"])
    func refusesInvalid(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }
}
