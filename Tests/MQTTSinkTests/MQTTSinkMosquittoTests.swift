import BrokerCore
import BrokerTestSupport
import Foundation
import MQTTClient
import MockSource
import Testing

@testable import MQTTSink

/// The sink against a real Mosquitto started by each test on a free loopback port, checked through
/// `mosquitto_sub` (an independent MQTT client) and Mosquitto's own log.
@Suite(.serialized, .enabled(if: Mosquitto.isAvailable, "needs Debian's \(Mosquitto.packages) (skipped outside CI when missing)"))
struct MQTTSinkMosquittoTests {
    @Test func telemetryStatusEventsAndSessionInfoReachASubscriberAtTheSinkRate() async throws {
        let mosquitto = try Mosquitto()
        let subscriber = try await mosquitto.subscribe("telemetry/#")
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try SinkRun(
            config: testConfig(port: mosquitto.port, clientID: uniqueClientID("rate")) { $0.variables = .names(["Speed", "Gear"]) },
            hubs: [car.hub], registry: registry, rate: MQTTSink.defaultRate ?? 0)
        car.start()
        try await subscriber.waitUntil(timeout: 10) { $0.filter { $0.topic == "telemetry/car/telemetry" }.count >= 25 }
        car.hub.emit("lap", .object([("Lap", 3)]))
        let received = try await subscriber.waitUntil { $0.contains { $0.topic == "telemetry/car/event" } }
        car.stop()
        _ = await run.stop()

        #expect(
            Set(received.map(\.topic)) == [
                "telemetry/car/status", "telemetry/car/sessionInfo", "telemetry/car/telemetry", "telemetry/car/event", "telemetry/car/declarations",
            ])
        let telemetry = received.filter { $0.topic == "telemetry/car/telemetry" }
        #expect(telemetry.count >= 25)
        if let first = telemetry.first, let last = telemetry.last, last.time > first.time {
            let rate = Double(telemetry.count - 1) / (last.time - first.time)
            #expect((8...12).contains(rate), "telemetry arrived at \(rate) Hz, the sink's rate is 10 Hz")
        }
        var previousSeq = 0
        for message in telemetry {
            let object = try #require(message.object, "not a JSON object: \(message)")
            #expect(object["type"] as? String == "telemetry" && object["source"] as? String == "car")
            let data = try #require(object["data"] as? [String: Any])
            #expect(Set(data.keys) == ["Speed", "Gear"])
            #expect(data["Gear"] as? Int == 3)
            let seq = try #require(object["seq"] as? Int)
            #expect(seq > previousSeq)
            previousSeq = seq
        }
        let statuses = received.filter { $0.topic == "telemetry/car/status" }.compactMap(\.object)
        let live = try #require(statuses.first { $0["connected"] as? Bool == true }, "no connected status: \(statuses)")
        #expect(live["type"] as? String == "status")
        #expect(((live["sources"] as? [String: Any])?["car"] as? [String: Any])?["type"] as? String == "test")
        let info = try #require(received.first { $0.topic == "telemetry/car/sessionInfo" }?.object)
        #expect(info["type"] as? String == "sessionInfo" && info["source"] as? String == "car")
        #expect(((info["data"] as? [String: Any])?["WeekendInfo"] as? [String: Any])?["TrackName"] as? String == "tsukuba")
        let event = try #require(received.first { $0.topic == "telemetry/car/event" }?.object)
        #expect(event["type"] as? String == "event" && event["name"] as? String == "lap")
        #expect((event["data"] as? [String: Any])?["Lap"] as? Int == 3)
        #expect(run.logs.messages(atLeast: .warning).isEmpty, "\(run.logs.messages(atLeast: .warning))")
    }

    @Test func retainedStatusAndSessionInfoAwaitALateSubscriber() async throws {
        let mosquitto = try Mosquitto()
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try SinkRun(config: testConfig(port: mosquitto.port, clientID: uniqueClientID("retain")), hubs: [car.hub], registry: registry)
        car.start()
        #expect(try await run.waitForStats { $0.published >= 5 })

        let late = try await mosquitto.subscribe("telemetry/car/+")
        let received = try await late.waitUntil { messages in
            messages.contains { $0.topic.hasSuffix("/status") } && messages.contains { $0.topic.hasSuffix("/sessionInfo") }
                && messages.contains { $0.topic.hasSuffix("/declarations") }
        }
        let status = try #require(received.first { $0.topic == "telemetry/car/status" }, "no retained status for a late subscriber")
        #expect(status.retained)
        #expect(status.object?["connected"] as? Bool == true)
        let info = try #require(received.first { $0.topic == "telemetry/car/sessionInfo" })
        #expect(info.retained)
        let vars = try #require(received.first { $0.topic == "telemetry/car/declarations" }, "no retained declarations for a late subscriber")
        #expect(vars.retained)
        #expect(vars.object?["type"] as? String == "vars" && vars.object?["source"] as? String == "car")
        let declared = try #require(vars.object?["data"] as? [[String: Any]])
        let speed = try #require(declared.first { $0["name"] as? String == "Speed" }, "Speed not declared: \(declared)")
        #expect(speed["type"] as? String == "float" && speed["count"] as? Int == 1 && speed["unit"] as? String == "m/s")
        #expect(speed["sources"] as? [String] == ["car"])
        #expect(received.filter { $0.topic.hasSuffix("/telemetry") }.allSatisfy { !$0.retained }, "telemetry must not be retained")
        car.stop()
        _ = await run.stop()
    }

    @Test func reconnectsWhenTheServerComesBackAndMessagesFlowAgain() async throws {
        let mosquitto = try Mosquitto()
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try SinkRun(config: testConfig(port: mosquitto.port, clientID: uniqueClientID("restart")), hubs: [car.hub], registry: registry)
        car.start()
        #expect(try await run.waitForStats { $0.connected && $0.published >= 3 })

        mosquitto.stop()
        #expect(try await run.waitForStats { !$0.connected }, "the sink did not notice the server going away")
        try await Task.sleep(for: .seconds(1))  // several attempts fail meanwhile
        #expect(run.session("car")?.waitingCount ?? 99 <= 3, "messages pile up while disconnected")
        try mosquitto.start()

        #expect(try await run.waitForStats(timeout: 10) { $0.connected && $0.reconnects == 1 }, "no reconnect: \(run.stats)")
        let subscriber = try await mosquitto.subscribe("telemetry/car/#")
        let received = try await subscriber.waitUntil { $0.filter { $0.topic == "telemetry/car/telemetry" }.count >= 5 }
        #expect(received.filter { $0.topic == "telemetry/car/telemetry" }.count >= 5, "telemetry does not flow after the reconnect")
        let status = try #require(received.first { $0.topic == "telemetry/car/status" }, "status not published again after the reconnect")
        #expect(status.object?["connected"] as? Bool == true)

        let warnings = run.logs.messages(exactly: .warning)
        #expect(warnings.filter { $0.contains("lost connection") }.count == 1, "\(warnings)")
        #expect(warnings.filter { $0.contains("cannot connect") }.count <= 1, "a repeated failure is logged once: \(warnings)")
        #expect(run.logs.messages(exactly: .info).contains { $0.contains("connected to") && $0.contains("attempts") })
        car.stop()
        _ = await run.stop()
    }

    @Test func refusedCredentialsGiveOneClearErrorLine() async throws {
        let mosquitto = try Mosquitto(users: ["league": "right"])
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try SinkRun(
            config: testConfig(port: mosquitto.port, clientID: uniqueClientID("creds")) {
                $0.username = "league"
                $0.password = "wrong"
            }, hubs: [car.hub], registry: registry)
        car.start()
        // Let it try several times.
        let deadline = Date().addingTimeInterval(5)
        while mosquitto.log.components(separatedBy: "not authorised").count - 1 < 3 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let attempts = mosquitto.log.components(separatedBy: "Sending CONNACK").count - 1
        #expect(attempts >= 3, "the sink should keep retrying with backoff (\(attempts) attempts)")
        let errors = run.logs.messages(atLeast: .error)
        #expect(errors.count == 1, "\(errors)")
        let line = try #require(errors.first)
        #expect(line.contains("refused the connection"))
        #expect(line.contains("CONNACK return code 5") || line.contains("CONNACK return code 4"), "\(line)")
        #expect(line.contains("not authorized") || line.contains("bad user name or password"), "\(line)")
        #expect(run.logs.messages(exactly: .warning).isEmpty, "\(run.logs.messages(exactly: .warning))")
        #expect(!run.stats.connected && run.stats.published == 0)
        car.stop()
        #expect(await run.stop() <= 1.5)
    }

    @Test func credentialsFromTheEnvironmentAreAccepted() async throws {
        let mosquitto = try Mosquitto(users: ["league": "pa ss:word"])
        let catalog = PluginCatalog(sources: [SourcePlugin(MockSource.self)], sinks: [SinkPlugin(MQTTSink.self)])
        let text = """
            sources:
              - type: mock
            sinks:
              - type: mqtt
                url: mqtt://127.0.0.1:\(mosquitto.port)
                client_id: \(uniqueClientID("env"))
                username: league
                password: ${MQTT_TEST_PASSWORD}
            """
        let loaded = try ConfigLoader(catalog: catalog, environment: ["MQTT_TEST_PASSWORD": "pa ss:word"]).load(text: text, file: "env.yaml")
        let config = try #require(loaded.sinks.first?.config as? MQTTConfig)
        let subscriber = try await mosquitto.subscribe("telemetry/car/telemetry", username: "league", password: "pa ss:word")
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try SinkRun(config: config, hubs: [car.hub], registry: registry)
        car.start()
        let received = try await subscriber.waitUntil { $0.count >= 3 }
        #expect(received.count >= 3, "no telemetry with credentials from the environment")
        #expect(run.logs.messages(atLeast: .warning).isEmpty, "\(run.logs.messages(atLeast: .warning))")
        car.stop()
        _ = await run.stop()
    }

    @Test func lastWillAnnouncesACutConnectionThenTheSinkComesBack() async throws {
        let mosquitto = try Mosquitto()
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try SinkRun(config: testConfig(port: mosquitto.port, clientID: uniqueClientID("will")), hubs: [car.hub], registry: registry)
        car.start()
        #expect(try await run.waitForStats { $0.connected && $0.published >= 3 })
        let subscriber = try await mosquitto.subscribe("telemetry/car/status")
        try await subscriber.waitUntil { !$0.isEmpty }

        run.session("car")?.abortConnection()  // the socket goes away without DISCONNECT, as in a crash
        let received = try await subscriber.waitUntil { messages in
            messages.contains { $0.object?["connected"] as? Bool == false }
                && messages.last?.object?["connected"] as? Bool == true && messages.count >= 3
        }
        let will = try #require(received.first { $0.object?["connected"] as? Bool == false }, "no last will: \(received)")
        let source = (will.object?["sources"] as? [String: Any])?["car"] as? [String: Any]
        #expect(source?["connected"] as? Bool == false && source?["type"] as? String == "test")
        #expect(source?["reason"] as? String == "broker connection lost")
        #expect(received.last?.object?["connected"] as? Bool == true, "the sink did not publish its status again after reconnecting")
        #expect(mosquitto.log.contains("Sending PUBLISH to") || !received.isEmpty)
        #expect(run.stats.reconnects == 1)
        #expect(run.metrics.value(#"broker_mqtt_reconnects_total{sink="mqtt"}"#) == 1)
        car.stop()
        _ = await run.stop()
    }

    @Test func aKilledBrokerProcessGoesOfflineForSubscribers() async throws {
        let mosquitto = try Mosquitto()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let configPath = folder.appendingPathComponent("config.yaml").path
        try """
        sources:
          - type: mock
            id: sim
            seed: 3
        sinks:
          - type: mqtt
            url: mqtt://127.0.0.1:\(mosquitto.port)
            client_id: \(uniqueClientID("crash"))
            topic_prefix: league/race1
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let subscriber = try await mosquitto.subscribe("league/race1/sim/status")
        try await withBroker(["--config", configPath]) { broker in
            let online = try await subscriber.waitUntil(timeout: 20) { $0.contains { $0.object?["connected"] as? Bool == true } }
            #expect(online.contains { $0.object?["connected"] as? Bool == true }, "the broker never published an online status: \(broker.stderr)")

            broker.signal(SIGKILL)
            _ = await broker.wait(timeout: 5)
            let offline = try await subscriber.waitUntil { $0.last?.object?["connected"] as? Bool == false }
            let last = try #require(offline.last?.object)
            #expect(last["connected"] as? Bool == false, "no last will after the broker was killed: \(offline)")
            #expect(((last["sources"] as? [String: Any])?["sim"] as? [String: Any])?["reason"] as? String == "broker connection lost")

            // The will is retained too: a subscriber arriving later learns the broker is gone.
            let late = try await mosquitto.subscribe("league/race1/sim/status")
            let retained = try await late.waitUntil { !$0.isEmpty }
            #expect(retained.first?.retained == true && retained.first?.object?["connected"] as? Bool == false)
        }
    }

    @Test func qos1RoundTripIsAcknowledged() async throws {
        let mosquitto = try Mosquitto()
        let subscriber = try await mosquitto.subscribe("telemetry/car/#", qos: 1)
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let clientID = uniqueClientID("qos1")
        let run = try SinkRun(
            config: testConfig(port: mosquitto.port, clientID: clientID) { $0.qos = .atLeastOnce }, hubs: [car.hub], registry: registry)
        car.start()
        let received = try await subscriber.waitUntil { $0.filter { $0.topic.hasSuffix("/telemetry") }.count >= 10 }
        car.stop()
        #expect(try await run.waitForStats { $0.inFlight == 0 && $0.published >= 10 }, "\(run.stats)")
        #expect(received.filter { $0.topic.hasSuffix("/telemetry") }.count >= 10)
        #expect(received.allSatisfy { $0.qos == 1 }, "a QoS 1 subscription receives QoS 1 only if the sink published at QoS 1")
        let acknowledgements = mosquitto.log.components(separatedBy: "Sending PUBACK to \(clientID)").count - 1
        #expect(acknowledgements >= 10)
        #expect(run.stats.published <= UInt64(acknowledgements), "published counts acknowledged messages only")
        #expect(run.metrics.value(#"broker_mqtt_published_total{sink="mqtt"}"#) == Double(run.stats.published))
        #expect(run.metrics.value(#"broker_mqtt_in_flight{sink="mqtt"}"#) == 0)
        #expect(mosquitto.log.contains("(d0, q1, r1, m"), "status goes out at QoS 1, retained")
        _ = await run.stop()
    }

    @Test func keepAliveHoldsAnIdleConnectionOpen() async throws {
        let mosquitto = try Mosquitto()
        let registry = VariableRegistry()
        let idle = SourceHub(id: "idle", typeName: "test", registry: registry)
        let clientID = uniqueClientID("ping")
        let run = try SinkRun(
            config: testConfig(port: mosquitto.port, clientID: clientID) { $0.keepAliveSeconds = 1 }, hubs: [idle], registry: registry)
        #expect(try await run.waitForStats { $0.connected })
        // Mosquitto drops a client silent for 1.5 keep-alives; PINGREQs every 0.5 s keep it.
        let started = Date()
        func pings() -> Int { mosquitto.log.components(separatedBy: "Received PINGREQ from \(clientID)").count - 1 }
        while pings() < 5 && Date().timeIntervalSince(started) < 10 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(pings() >= 5, "\(pings()) PINGREQs with keepalive_s 1")
        #expect(Date().timeIntervalSince(started) >= 2, "PINGREQs come every half keep-alive, not faster")
        #expect(!mosquitto.log.contains("exceeded timeout"))
        #expect(run.stats.connected && run.stats.reconnects == 0)
        _ = await run.stop()
    }

    @Test func shutdownPublishesOfflineStatusAndDisconnectsPromptly() async throws {
        let mosquitto = try Mosquitto()
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let clientID = uniqueClientID("bye")
        let run = try SinkRun(config: testConfig(port: mosquitto.port, clientID: clientID), hubs: [car.hub], registry: registry)
        car.start()
        #expect(try await run.waitForStats { $0.published >= 3 })
        let subscriber = try await mosquitto.subscribe("telemetry/car/status")
        try await subscriber.waitUntil { !$0.isEmpty }

        let took = await run.stop()
        #expect(took <= PluginCompliance.stopDeadline, "stopping took \(took) s")
        let received = try await subscriber.waitUntil { $0.last?.object?["connected"] as? Bool == false }
        let source = (received.last?.object?["sources"] as? [String: Any])?["car"] as? [String: Any]
        #expect(source?["reason"] as? String == "broker stopped", "\(received)")
        #expect(mosquitto.log.contains("Client \(clientID) disconnected."), "no clean DISCONNECT seen by the server")
        #expect(!received.contains { $0.payload.contains("broker connection lost") }, "the will must not fire on a clean shutdown")
        car.stop()
    }

    @Test func perVariableTopicsCarryBareValues() async throws {
        let mosquitto = try Mosquitto()
        let subscriber = try await mosquitto.subscribe("telemetry/car/vars/+")
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try SinkRun(
            config: testConfig(port: mosquitto.port, clientID: uniqueClientID("vars")) {
                $0.perVariable = true
                $0.variables = .names(["Gear", "RPM"])
            }, hubs: [car.hub], registry: registry)
        car.start()
        let received = try await subscriber.waitUntil { $0.count >= 10 }
        #expect(Set(received.map(\.topic)) == ["telemetry/car/vars/Gear", "telemetry/car/vars/RPM"])
        #expect(received.filter { $0.topic.hasSuffix("/Gear") }.allSatisfy { $0.payload == "3" })
        #expect(received.filter { $0.topic.hasSuffix("/RPM") }.allSatisfy { (4000...4490).contains(Double($0.payload) ?? -1) })
        car.stop()
        _ = await run.stop()
    }

    @Test func eachSourceHasItsOwnSessionAndWill() async throws {
        let mosquitto = try Mosquitto()
        let registry = VariableRegistry()
        let first = DrivenHub(id: "iracing", registry: registry)
        let second = DrivenHub(id: "lfs", registry: registry)
        let clientID = uniqueClientID("multi")
        let run = try SinkRun(config: testConfig(port: mosquitto.port, clientID: clientID), hubs: [first.hub, second.hub], registry: registry)
        first.start()
        second.start()
        #expect(try await run.waitForStats { $0.connectedSessions == 2 })
        let subscriber = try await mosquitto.subscribe("telemetry/+/telemetry")
        let received = try await subscriber.waitUntil { Set($0.map(\.topic)).count == 2 }
        #expect(Set(received.map(\.topic)) == ["telemetry/iracing/telemetry", "telemetry/lfs/telemetry"])
        #expect(mosquitto.log.contains("as \(clientID)-iracing") && mosquitto.log.contains("as \(clientID)-lfs"))
        first.stop()
        second.stop()
        _ = await run.stop()
    }

    @Test func aSourceAddedWhileRunningGetsItsOwnSessionAndTopics() async throws {
        let mosquitto = try Mosquitto()
        let subscriber = try await mosquitto.subscribe("telemetry/#")
        let registry = VariableRegistry()
        let relay = SourceHub(id: "relay", typeName: "mqtt", registry: registry)
        let directory = HubDirectory([relay])
        relay.setConnected(true)
        let clientID = uniqueClientID("grow")
        let run = try SinkRun(
            config: testConfig(port: mosquitto.port, clientID: clientID), input: SinkInput(sinkID: "mqtt", directory: directory, rate: 10),
            registry: registry)
        #expect(try await run.waitForStats { $0.connectedSessions == 1 })

        let factory = SourceHubFactory(origin: "relay", typeName: "mqtt", registry: registry, directory: directory)
        let car = DrivenHub(hub: try factory.hub(id: "car12/mock"))
        car.start()
        let received = try await subscriber.waitUntil(timeout: 10) { messages in
            messages.contains { $0.topic == "telemetry/car12/mock/telemetry" }
                && messages.contains { $0.topic == "telemetry/car12/mock/declarations" }
        }
        #expect(received.contains { $0.topic == "telemetry/car12/mock/telemetry" }, "\(received)")
        let status = try #require(received.first { $0.topic == "telemetry/car12/mock/status" }?.object)
        #expect(((status["sources"] as? [String: Any])?["car12/mock"] as? [String: Any])?["connected"] as? Bool == true)
        #expect(received.contains { $0.topic == "telemetry/relay/status" }, "the sources there at the start keep theirs")
        #expect(try await run.waitForStats { $0.connectedSessions == 2 })
        #expect(mosquitto.log.contains("as \(clientID)-car12/mock"), "a source added later gets its own client id")
        #expect(run.logs.messages(exactly: .info).contains { $0.contains("new source 'car12/mock'") })
        car.stop()
        _ = await run.stop()
    }
}
