import BrokerCore
import BrokerTestSupport
import Foundation
import HummingbirdWSClient
import Logging
import Synchronization
import Testing

/// Issue 20's team set-up with real `broker` processes and a real Mosquitto on loopback: drivers'
/// brokers A (mock, seed 1) and B (mock, seed 2) publish through their MQTT sinks; broker C
/// gathers both with an `mqtt` source and serves them on its WebSocket sink. A WebSocket client of
/// C must read what A and B published (as `mosquitto_sub` saw it): frames with equal values in
/// order, session info, events; A killed by its PID is reported disconnected at once (its last
/// will), and recovers when A is back.
@Suite(.serialized, .enabled(if: Mosquitto.isAvailable, "needs Debian's \(Mosquitto.packages) (skipped outside CI when missing)"))
struct TeamEndToEndTests {
    static let variables = ["Speed", "RPM", "Gear", "LapDistPct", "CarIdxPosition"]

    /// A driver's broker: the mock with the race processor (its position events), an MQTT sink.
    static func driverConfig(id: String, seed: Int, mqttPort: Int) -> String {
        """
        sources:
          - type: mock
            id: \(id)
            seed: \(seed)
            rate: 30
        processors:
          - type: race
        sinks:
          - type: mqtt
            url: mqtt://127.0.0.1:\(mqttPort)
            client_id: driver-\(id)-\(UUID().uuidString.prefix(6))
            topic_prefix: team
            keepalive_s: 2
            rate: 10
            variables: [\(variables.joined(separator: ", "))]
        """
    }

    /// The engineer's broker: every driver under `league/`, served on a WebSocket port.
    static func engineerConfig(mqttPort: Int, webSocketPort: Int) -> String {
        """
        sources:
          - type: mqtt
            id: team
            url: mqtt://127.0.0.1:\(mqttPort)
            client_id: engineer-\(UUID().uuidString.prefix(6))
            topic_prefix: team
            id_prefix: "league/"
            reconnect: {min_s: 0.2, max_s: 1}
        sinks:
          - type: websocket
            host: 127.0.0.1
            port: \(webSocketPort)
            rate: 60
            mdns: {enabled: false}
        """
    }

    @Test func anEngineersBrokerServesBothDriversAndFollowsOneGoingAndComingBack() async throws {
        let mosquitto = try Mosquitto()
        let published = try await mosquitto.subscribe("team/#")
        let configA = try TemporaryConfig(Self.driverConfig(id: "car12", seed: 1, mqttPort: mosquitto.port), prefix: "team-a")
        let configB = try TemporaryConfig(Self.driverConfig(id: "car7", seed: 2, mqttPort: mosquitto.port), prefix: "team-b")
        let webSocketPort = try freeLoopbackPort()
        let configC = try TemporaryConfig(Self.engineerConfig(mqttPort: mosquitto.port, webSocketPort: webSocketPort), prefix: "team-c")
        defer {
            for config in [configA, configB, configC] { config.remove() }
        }
        var brokerA = try await BrokerProcess.start(["--config", configA.path])
        let brokerB = try await BrokerProcess.start(["--config", configB.path])
        let brokerC = try await BrokerProcess.start(["--config", configC.path])
        defer {
            for broker in [brokerA, brokerB, brokerC] { broker.signal(SIGKILL) }
        }

        let client = WebSocketWatcher(port: webSocketPort, sources: ["league/car12", "league/car7"], variables: Self.variables)
        defer { client.stop() }
        let gathered = await waitUntil(timeout: 30) {
            client.telemetry(of: "league/car12").count >= 20 && client.telemetry(of: "league/car7").count >= 20
        }
        #expect(gathered, "C's client did not get both drivers' frames: \(client.failures) \(brokerC.stderr.suffix(2000))")

        // Frames: each one C served equals one A or B published, in the order they published them.
        for (remote, local) in [("car12", "league/car12"), ("car7", "league/car7")] {
            let served = client.telemetry(of: local)
            // mosquitto_sub may get a frame after C has served it: read what it saw once it has the last one served.
            func sentFrames() -> [[String: JSONValue]] {
                published.messages.filter { $0.topic == "team/\(remote)/telemetry" }.compactMap { WebSocketWatcher.data(of: $0.payload) }
            }
            _ = await waitUntil(timeout: 5) { served.last.map { sentFrames().contains($0) } ?? true }
            let sent = sentFrames()
            var position = -1
            var matched = 0
            for data in served {
                guard let index = sent[(position + 1)...].firstIndex(of: data) else {
                    Issue.record("\(local): a frame C served was not published by \(remote) after the previous one: \(data)")
                    break
                }
                position = index
                matched += 1
            }
            #expect(matched == served.count && matched >= 20, "\(local): \(matched) of \(served.count) frames matched in order")
            #expect(Set(served.first.map { Array($0.keys) } ?? []) == Set(Self.variables))
        }

        // Session info: what C serves is what each driver's broker published (retained).
        for (remote, local) in [("car12", "league/car12"), ("car7", "league/car7")] {
            let sent = published.messages.last { $0.topic == "team/\(remote)/sessionInfo" }.flatMap { try? JSONValue(parsing: $0.payload) }?["data"]
            #expect(sent != nil && client.sessionInfo(of: local) == sent, "\(local)'s session info differs from what \(remote) published")
            #expect(sent?["WeekendInfo"]?["TrackName"] == "mock_ring")
        }

        // Events: the position events C served, in the order A published them.
        let eventsServed = await waitUntil(timeout: 10) { client.events(of: "league/car12").count >= 3 }
        #expect(eventsServed, "no events from car12 through C")
        let sentEvents = published.messages.filter { $0.topic == "team/car12/event" }.compactMap { try? JSONValue(parsing: $0.payload) }
            .map { EventKey(name: $0["name"]?.stringValue ?? "", data: $0["data"] ?? .null) }
        var eventPosition = -1
        for event in client.events(of: "league/car12") {
            guard let index = sentEvents[(eventPosition + 1)...].firstIndex(of: event) else {
                Issue.record("an event C served was not published by car12 in that order: \(event)")
                break
            }
            eventPosition = index
        }

        // A killed: C says so at once (the last will), with the reason; B carries on.
        #expect(client.status(of: "league/car12")?["connected"] == .bool(true))
        let killedAt = Date()
        brokerA.signal(SIGKILL)
        _ = await brokerA.wait(timeout: 5)
        let noticed = await waitUntil(timeout: 5) { client.status(of: "league/car12")?["connected"] == .bool(false) }
        let noticeTime = Date().timeIntervalSince(killedAt)
        #expect(noticed, "C did not report car12 disconnected: \(String(describing: client.status(of: "league/car12")))")
        #expect(noticeTime < 3, "took \(noticeTime) s, the keep-alive is 2 s")
        #expect(client.status(of: "league/car12")?["reason"] == "remote: broker connection lost")
        #expect(client.status(of: "league/car7")?["connected"] == .bool(true))
        let car7Frames = client.telemetry(of: "league/car7").count
        #expect(await waitUntil(timeout: 5) { client.telemetry(of: "league/car7").count > car7Frames + 10 }, "B's frames keep coming")

        // A back: recovered, frames flowing again.
        let framesBefore = client.telemetry(of: "league/car12").count
        brokerA = try await BrokerProcess.start(["--config", configA.path])
        let recovered = await waitUntil(timeout: 30) {
            client.status(of: "league/car12")?["connected"] == .bool(true) && client.telemetry(of: "league/car12").count > framesBefore + 10
        }
        #expect(recovered, "car12 did not recover: \(String(describing: client.status(of: "league/car12"))) \(brokerA.stderr.suffix(1000))")
        #expect(client.status(of: "team")?["connected"] == .bool(true), "C's own link to the MQTT server")
        #expect(!brokerC.stderr.contains("error"), "\(brokerC.stderr.suffix(2000))")
    }
}

/// An event by name and data, for matching what was served against what was published.
struct EventKey: Equatable, CustomStringConvertible {
    var name: String
    var data: JSONValue
    var description: String { "\(name) \(data.jsonString)" }
}

/// A WebSocket client of broker C: waits for the sources in `status`, then subscribes to the
/// variables, turns events on and asks for session info; keeps everything it receives.
final class WebSocketWatcher: Sendable {
    private struct Received {
        var telemetry: [String: [[String: JSONValue]]] = [:]
        var events: [String: [EventKey]] = [:]
        var sessionInfo: [String: JSONValue] = [:]
        var status: [String: JSONValue] = [:]
        var failures: [String] = []
    }

    /// What was received, shared with the client's task.
    private final class Log: Sendable {
        let state = Mutex(Received())
    }

    private let log = Log()
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(port: Int, sources: [String], variables: [String]) {
        let log = self.log
        let task = Task {
            var logger = Logger(label: "team-client")
            logger.logLevel = .critical
            // C may still be starting: try again until it accepts.
            while !Task.isCancelled {
                do {
                    _ = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/", configuration: .init(maxFrameSize: 1 << 22), logger: logger)
                    {
                        inbound, outbound, _ in
                        var subscribed = false
                        for try await message in inbound.messages(maxSize: 1 << 22) {
                            guard case let .text(text) = message, let object = try? JSONValue(parsing: text) else { continue }
                            let source = object["source"]?.stringValue ?? ""
                            switch object["type"]?.stringValue {
                            case "telemetry":
                                let data = Dictionary(uniqueKeysWithValues: object["data"]?.objectValue ?? [])
                                log.state.withLock { $0.telemetry[source, default: []].append(data) }
                            case "event":
                                let event = EventKey(name: object["name"]?.stringValue ?? "", data: object["data"] ?? .null)
                                log.state.withLock { $0.events[source, default: []].append(event) }
                            case "sessionInfo":
                                log.state.withLock { $0.sessionInfo[source] = object["data"] }
                            case "status":
                                let entries = object["sources"]?.objectValue ?? []
                                log.state.withLock { for (id, entry) in entries { $0.status[id] = entry } }
                                if !subscribed, sources.allSatisfy({ id in entries.contains { $0.0 == id } }) {
                                    subscribed = true
                                    try await outbound.write(.text("events on"))
                                    try await outbound.write(.text("sub " + variables.joined(separator: ",")))
                                    try await outbound.write(.text("sessioninfo"))
                                }
                            default:
                                break
                            }
                        }
                    }
                    return
                } catch {
                    log.state.withLock { $0.failures.append("\(error)") }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        self.task.withLock { $0 = task }
    }

    func stop() { task.withLock { $0?.cancel() } }

    func telemetry(of source: String) -> [[String: JSONValue]] { log.state.withLock { $0.telemetry[source] ?? [] } }
    func events(of source: String) -> [EventKey] { log.state.withLock { $0.events[source] ?? [] } }
    func sessionInfo(of source: String) -> JSONValue? { log.state.withLock { $0.sessionInfo[source] } }
    func status(of source: String) -> JSONValue? { log.state.withLock { $0.status[source] } }
    var failures: [String] { log.state.withLock { Array($0.failures.suffix(3)) } }

    /// The `data` object of a telemetry payload, by key.
    static func data(of payload: String) -> [String: JSONValue]? {
        (try? JSONValue(parsing: payload))?["data"]?.objectValue.map { Dictionary(uniqueKeysWithValues: $0) }
    }
}
