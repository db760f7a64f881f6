import BrokerCore
import BrokerTestSupport
import Foundation
import MQTTClient
import TLSClient
import Testing

@testable import MQTTSource

/// The source against a real Mosquitto on a free loopback port, fed by a real MQTT sink (or raw
/// publishes for what no sink sends), checked against what `mosquitto_sub` saw.
@Suite(.serialized, .enabled(if: Mosquitto.isAvailable, "needs Debian's \(Mosquitto.packages) (skipped outside CI when missing)"))
struct MQTTSourceMosquittoTests {
    /// The restored hub's newest frame as the `data` object sinks send (keys in order).
    static func data(of hub: SourceHub, registry: VariableRegistry) -> JSONValue? {
        guard let frame = hub.latestFrame else { return nil }
        let selection = VariableSelection.all.resolve(sourceID: hub.id, layout: frame.layout, registry: registry)
        return (try? JSONValue(parsing: BrokerMessages.telemetry(sourceID: hub.id, frame: frame, selection: selection)))?["data"]
    }

    /// Whether `message` is telemetry of `id` carrying exactly `data`.
    static func carries(_ message: MQTTReceived, id: String, data: JSONValue) -> Bool {
        message.topic == "telemetry/\(id)/telemetry" && (try? JSONValue(parsing: message.payload))?["data"] == data
    }

    @Test func remoteSourcesAreRestoredWithTheValuesTheirBrokerPublished() async throws {
        let mosquitto = try Mosquitto()
        let subscriber = try await mosquitto.subscribe("telemetry/+/telemetry")
        let remote = RemoteBroker(sourceIDs: ["alpha", "beta"])
        remote.startPublishing()
        try remote.startSink(port: mosquitto.port, clientID: "remote-\(UUID().uuidString.prefix(6))")
        let run = try SourceRun(config: sourceConfig(port: mosquitto.port) { $0.idPrefix = "car12/" })
        defer { Task { _ = await run.stop() } }

        let restored = await waitUntil(timeout: 10) { run.hub("car12/alpha")?.latestFrame != nil && run.hub("car12/beta")?.latestFrame != nil }
        #expect(restored, "no frames restored: \(run.logs.messages)")
        #expect(run.entry.status.connected, "\(run.entry.status.details)")
        #expect(
            // In the order they appeared, which is the order the server delivered their retained topics.
            await waitUntil(timeout: 2) {
                Set(run.detail("sources")?.arrayValue?.compactMap(\.stringValue) ?? []) == ["car12/alpha", "car12/beta"]
                    && run.detail("sources")?.arrayValue?.count == 2
            },
            "the entry lists them within its 1 s refresh: \(String(describing: run.detail("sources")))")

        // Every sampled restored frame equals a telemetry message the remote published.
        for id in ["alpha", "beta"] {
            let hub = try #require(run.hub("car12/\(id)"))
            for _ in 0..<5 {
                let data = try #require(Self.data(of: hub, registry: run.registry))
                let published = try await subscriber.waitUntil { $0.contains { Self.carries($0, id: id, data: data) } }
                #expect(published.contains { Self.carries($0, id: id, data: data) }, "restored \(data.jsonString) was never published")
                try await Task.sleep(for: .milliseconds(60))
            }
            let layout = try #require(hub.layout)
            #expect(layout.fields.map(\.name) == ["Speed", "Gear", "CarIdxLapDistPct", "OnPitRoad", "TeamRadio"])
            #expect(layout.fields.map(\.type) == [.float, .int, .float, .bool, .string])
            #expect(layout.fields[2].count == 4)
            #expect(hub.sessionInfo?.data["WeekendInfo"]?["TrackName"] == .string("tsukuba-\(id)"))
            #expect(hub.status.connected)
            #expect(JSONValue.object(hub.status.details)["remote_type"] == "mock")
            #expect(JSONValue.object(hub.status.details)["seed"] == .int(1))
        }
        let radio = try #require(run.registry.entries().first { $0.info.name == "TeamRadio" })
        #expect(radio.info.description == "a text of the remote's own")
        #expect(radio.providers.sorted() == ["car12/alpha", "car12/beta"], "\(radio.providers)")

        // Events, in order.
        for lap in 1...3 { remote.hubs[0].emit("lap", .object([("Lap", .int(Int64(lap)))])) }
        let alpha = try #require(run.hub("car12/alpha"))
        #expect(await waitUntil(timeout: 5) { alpha.eventsEmitted >= 3 })
        #expect(alpha.events(after: 0).events.map { $0.data["Lap"] } == [.int(1), .int(2), .int(3)])
        #expect(run.logs.messages(atLeast: .warning).isEmpty, "\(run.logs.messages(atLeast: .warning))")
    }

    @Test func onlyTheNamedRemoteSourcesAreTaken() async throws {
        let mosquitto = try Mosquitto()
        let remote = RemoteBroker(sourceIDs: ["alpha", "beta"])
        remote.startPublishing()
        try remote.startSink(port: mosquitto.port, clientID: "remote-\(UUID().uuidString.prefix(6))")
        let run = try SourceRun(config: sourceConfig(port: mosquitto.port) { $0.sources = ["beta"] })
        #expect(await waitUntil(timeout: 10) { (run.hub("beta")?.latestFrame?.seq ?? 0) >= 5 })
        #expect(run.hub("alpha") == nil)
        #expect(run.directory.hubs.map(\.id) == ["team", "beta"])
        _ = await run.stop()
    }

    @Test func theWildcardTakesIDsOfSeveralLevelsAndSkipsPerVariableTopics() async throws {
        let mosquitto = try Mosquitto()
        // A relaying broker's sink publishes the ids it relays (`team1/alpha`) on several levels.
        let remote = RemoteBroker(sourceIDs: ["team1/alpha", "beta"])
        remote.startPublishing()
        try remote.startSink(port: mosquitto.port, clientID: "remote-\(UUID().uuidString.prefix(6))") { $0.perVariable = true }
        let run = try SourceRun(config: sourceConfig(port: mosquitto.port))
        defer { Task { _ = await run.stop() } }
        #expect(
            await waitUntil(timeout: 10) { (run.hub("team1/alpha")?.latestFrame?.seq ?? 0) >= 5 && (run.hub("beta")?.latestFrame?.seq ?? 0) >= 5 },
            "\(run.directory.hubs.map(\.id)) \(run.logs.messages)")
        #expect(run.directory.hubs.map(\.id).sorted() == ["beta", "team", "team1/alpha"])
        #expect(run.hub("team1/alpha")?.layout?.fields.count == 5)
        #expect(run.hub("team1/alpha")?.status.connected == true)
        // The per-variable values crossed too (the sink publishes them with each frame): not dropped,
        // not warned about. The entry's status, with its drop counts, is refreshed every second.
        try await Task.sleep(for: .milliseconds(1200))
        #expect(run.detail("dropped") == .object([]), "\(String(describing: run.detail("dropped")))")
        #expect(run.logs.messages(atLeast: .warning).isEmpty, "\(run.logs.messages(atLeast: .warning))")
    }

    @Test func aRemoteBrokerThatStopsIsDisconnectedHereWithItsReason() async throws {
        let mosquitto = try Mosquitto()
        let remote = RemoteBroker(sourceIDs: ["alpha"])
        remote.startPublishing()
        let sink = try remote.startSink(port: mosquitto.port, clientID: "remote-\(UUID().uuidString.prefix(6))")
        let run = try SourceRun(config: sourceConfig(port: mosquitto.port))
        #expect(await waitUntil(timeout: 10) { run.hub("alpha")?.status.connected == true })
        sink.cancel()  // a clean stop: the sink publishes "broker stopped" before it disconnects
        #expect(await waitUntil(timeout: 5) { run.hub("alpha")?.status.connected == false })
        #expect(JSONValue.object(run.hub("alpha")?.status.details ?? [])["reason"] == "remote: broker stopped")
        #expect(run.entry.status.connected, "the link to the MQTT server is fine")
        _ = await run.stop()
    }

    @Test func theMQTTServerGoingAwayDisconnectsEverythingUntilItIsBack() async throws {
        let mosquitto = try Mosquitto()
        let remote = RemoteBroker(sourceIDs: ["alpha"])
        remote.startPublishing()
        try remote.startSink(port: mosquitto.port, clientID: "remote-\(UUID().uuidString.prefix(6))")
        let run = try SourceRun(config: sourceConfig(port: mosquitto.port))
        #expect(await waitUntil(timeout: 10) { run.hub("alpha")?.status.connected == true })

        mosquitto.stop()
        #expect(await waitUntil(timeout: 5) { !run.entry.status.connected && run.hub("alpha")?.status.connected == false })
        let reason = JSONValue.object(run.hub("alpha")?.status.details ?? [])["reason"]?.stringValue ?? ""
        #expect(reason.contains("is not connected to mqtt://127.0.0.1:\(mosquitto.port)"), "\(reason)")
        #expect(run.detail("reason")?.stringValue?.isEmpty == false)

        try mosquitto.start()
        let seq = run.hub("alpha")?.latestFrame?.seq ?? 0
        #expect(await waitUntil(timeout: 10) { run.entry.status.connected && run.hub("alpha")?.status.connected == true })
        #expect(await waitUntil(timeout: 5) { (run.hub("alpha")?.latestFrame?.seq ?? 0) > seq + 5 }, "frames flow again")
        #expect(run.detail("reconnects") == .int(1))
        let warnings = run.logs.messages(exactly: .warning)
        #expect(warnings.filter { $0.contains("lost connection") }.count == 1, "\(warnings)")
        #expect(run.logs.messages(atLeast: .error).isEmpty)
        _ = await run.stop()
    }

    @Test func garbageFloodsAndOversizedMessagesAreBoundedAndTheLinkStays() async throws {
        let mosquitto = try Mosquitto()
        let run = try SourceRun(config: sourceConfig(port: mosquitto.port) { $0.maxSources = 5 })
        #expect(await waitUntil(timeout: 10) { run.entry.status.connected })
        var messages: [MQTTPublish] = []
        for index in 0..<200 {
            let status = #"{"type":"status","connected":true,"sources":{"car\#(index)":{"connected":true,"type":"mock"}}}"#
            messages.append(MQTTPublish(topic: "telemetry/car\(index)/status", payload: Array(status.utf8)))
        }
        messages.append(MQTTPublish(topic: "telemetry/car0/telemetry", payload: Array("{\"type\":\"telemetry\",".utf8)))
        messages.append(MQTTPublish(topic: "telemetry/car1/sessionInfo", payload: [UInt8](repeating: 0x20, count: 5 << 20)))
        messages.append(MQTTPublish(topic: "telemetry/car2/event", payload: Array(#"{"type":"event","source":"car2","name":"after"}"#.utf8)))
        try await RawPublisher.publish(messages, port: mosquitto.port)

        let hub = try #require(await waitForHub("car2", in: run))
        #expect(await waitUntil(timeout: 10) { hub.eventsEmitted == 1 }, "a message after the garbage still arrives")
        #expect(run.remotesCount == 5)
        #expect(await waitUntil(timeout: 2) { run.detail("ignored_sources") == .int(195) }, "the entry's counts within its 1 s refresh")
        let dropped = try #require(run.detail("dropped"))
        #expect(dropped["more than max_sources remote sources"] == .int(195))
        #expect(dropped["malformed JSON"] == .int(1))
        #expect(dropped["oversized message"] == .int(1))
        #expect(run.logs.messages(exactly: .warning).count == 3, "one per kind: \(run.logs.messages(exactly: .warning))")
        #expect(run.entry.status.connected && run.detail("reconnects") == .int(0))
        _ = await run.stop()
    }

    @Test func credentialsFromTheEnvironmentAndARefusal() async throws {
        let mosquitto = try Mosquitto(users: ["engineer": "pit wall", "driver": "x"])
        let remote = RemoteBroker(sourceIDs: ["alpha"])
        remote.startPublishing()
        try remote.startSink(port: mosquitto.port, clientID: "remote-\(UUID().uuidString.prefix(6))") {
            $0.username = "driver"
            $0.password = "x"
        }

        let catalog = PluginCatalog(sources: [SourcePlugin(MQTTSource.self)], sinks: [])
        let text = """
            sources:
              - type: mqtt
                id: team
                url: mqtt://127.0.0.1:\(mosquitto.port)
                username: engineer
                password: ${MQTT_TEST_PASSWORD}
            sinks: []
            """
        let loaded = try ConfigLoader(catalog: catalog, environment: ["MQTT_TEST_PASSWORD": "pit wall"]).load(text: text, file: "env.yaml")
        var config = try #require(loaded.sources.first?.config as? MQTTSourceConfig)
        config.reconnect = ReconnectDelay(minS: 0.1, maxS: 0.4)
        let run = try SourceRun(config: config)
        #expect(await waitUntil(timeout: 10) { (run.hub("alpha")?.latestFrame?.seq ?? 0) >= 3 }, "\(run.logs.messages)")
        _ = await run.stop()

        config.password = "wrong"
        let refused = try SourceRun(config: config)
        #expect(await waitUntil(timeout: 10) { mosquitto.log.components(separatedBy: "not authorised").count - 1 >= 3 }, "retried with backoff")
        let errors = refused.logs.messages(atLeast: .warning)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.contains("refused the connection") == true && errors.first?.contains("CONNACK return code 5") == true, "\(errors)")
        #expect(!refused.entry.status.connected)
        #expect(await refused.stop() <= PluginCompliance.stopDeadline)
    }

    @Test(.enabled(if: TestCertificates.opensslAvailable, "needs openssl"))
    func overTLSWithTheCAAndRefusedWithAnother() async throws {
        let certificates = try await TestCertificates()
        defer { certificates.remove() }
        let server = try await certificates.issue("server")
        let mosquitto = try Mosquitto(tls: Mosquitto.TLSListener(caFile: certificates.ca.cert, certFile: server.cert, keyFile: server.key))
        let tlsPort = try #require(mosquitto.tlsPort)
        let remote = RemoteBroker(sourceIDs: ["alpha"])
        remote.startPublishing()
        try remote.startSink(port: mosquitto.port, clientID: "remote-\(UUID().uuidString.prefix(6))")

        let run = try SourceRun(
            config: sourceConfig(port: tlsPort) {
                $0.server.usesTLS = true
                $0.tls = TLSClientOptions(ca: certificates.ca.cert)
            })
        #expect(await waitUntil(timeout: 10) { (run.hub("alpha")?.latestFrame?.seq ?? 0) >= 3 }, "\(run.logs.messages)")
        #expect(run.detail("server") == .string("mqtts://127.0.0.1:\(tlsPort)"))
        _ = await run.stop()

        let stranger = try await TestCertificates(caName: "Some Other CA")
        defer { stranger.remove() }
        let refused = try SourceRun(
            config: sourceConfig(port: tlsPort) {
                $0.server.usesTLS = true
                $0.tls = TLSClientOptions(ca: stranger.ca.cert)
            })
        #expect(await waitUntil(timeout: 10) { mosquitto.log.components(separatedBy: "New connection from 127.0.0.1:").count - 1 >= 5 })
        let warnings = refused.logs.messages(atLeast: .warning)
        #expect(warnings.count == 1 && warnings.first?.contains("the server's certificate is not trusted") == true, "\(warnings)")
        #expect(JSONValue.object(refused.entry.status.details)["reason"]?.stringValue?.contains("CERTIFICATE_VERIFY_FAILED") == true)
        #expect(refused.hub("alpha") == nil)
        _ = await refused.stop()
    }

    private func waitForHub(_ id: String, in run: SourceRun) async -> SourceHub? {
        _ = await waitUntil(timeout: 10) { run.hub(id) != nil }
        return run.hub(id)
    }
}

extension SourceRun {
    /// Remote sources brought in (every hub but the entry's).
    var remotesCount: Int { directory.hubs.count - 1 }
}
