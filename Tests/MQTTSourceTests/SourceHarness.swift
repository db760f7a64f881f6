import BrokerCore
import BrokerTestSupport
import Foundation
import MQTTClient
import MQTTSink
import NIOPosix
import Synchronization
import Testing

@testable import MQTTSource

/// An `mqtt` source running in this process, adding its hubs to a directory as the broker would,
/// with its logs recorded.
final class SourceRun: Sendable {
    let registry: VariableRegistry
    let directory: HubDirectory
    let entry: SourceHub
    let logs = LogCapture()
    private let task: Task<Void, any Error>

    init(config: MQTTSourceConfig, entryID: String = "team", registry: VariableRegistry = VariableRegistry()) throws {
        self.registry = registry
        entry = SourceHub(id: entryID, typeName: "mqtt", registry: registry)
        directory = HubDirectory([entry])
        let factory = SourceHubFactory(origin: entryID, typeName: "mqtt", registry: registry, directory: directory)
        let context = PluginContext(logger: logs.logger(level: .debug), registry: registry, hubFactory: factory)
        let source = try MQTTSource(id: entryID, config: config, context: context)
        let entry = self.entry
        task = Task { try await source.run(output: entry) }
    }

    deinit { task.cancel() }

    func hub(_ id: String) -> SourceHub? { directory.hub(id: id) }

    /// The entry's status detail `key`.
    func detail(_ key: String) -> JSONValue? { JSONValue.object(entry.status.details)[key] }

    /// Cancels the source and returns how long it took to return (at most 5 s are waited).
    func stop() async -> Double {
        let started = Date()
        task.cancel()
        let task = self.task
        let finished = Mutex(false)
        Task {
            _ = await task.result
            finished.withLock { $0 = true }
        }
        while !finished.withLock({ $0 }) && Date().timeIntervalSince(started) < 5 { try? await Task.sleep(for: .milliseconds(5)) }
        return Date().timeIntervalSince(started)
    }
}

/// A config for a server on loopback with quick reconnects, as tests want.
func sourceConfig(port: Int, _ adjust: (inout MQTTSourceConfig) -> Void = { _ in }) -> MQTTSourceConfig {
    var config = MQTTSourceConfig(
        server: MQTTServerAddress(host: "127.0.0.1", port: port), clientID: "source-\(UUID().uuidString.prefix(6))",
        reconnect: ReconnectDelay(minS: 0.1, maxS: 0.4))
    adjust(&config)
    return config
}

/// A remote broker's side in this process: hubs with predictable frames, published by a real
/// MQTT sink.
final class RemoteBroker: Sendable {
    let registry = VariableRegistry()
    let hubs: [SourceHub]
    private let tasks: Mutex<[Task<Void, any Error>]> = Mutex([])
    let logs = LogCapture()

    init(sourceIDs: [String]) {
        let registry = self.registry
        hubs = sourceIDs.map { SourceHub(id: $0, typeName: "mock", registry: registry) }
    }

    deinit { tasks.withLock { for task in $0 { task.cancel() } } }

    /// Declares a float, an int, an array, a bool and a string of the remote's own on each hub,
    /// connects it and publishes a frame every 20 ms (value `n`: Speed n/4, Gear n % 6, the array
    /// n/100 + i/10, OnPitRoad n odd, TeamRadio "box n"), plus session info.
    func startPublishing() {
        for hub in hubs {
            let declarations: [VariableDeclaration] = [
                VariableDeclaration(VariableInfo(name: "Speed", type: .float, unit: "m/s", range: 0...100)),
                VariableDeclaration(VariableInfo(name: "Gear", type: .int)),
                VariableDeclaration(VariableInfo(name: "CarIdxLapDistPct", type: .float, count: 4, unit: "%")),
                VariableDeclaration(VariableInfo(name: "OnPitRoad", type: .bool)),
                VariableDeclaration(VariableInfo(name: "TeamRadio", type: .string, description: "a text of the remote's own"), stringCapacity: 16),
            ]
            let layout = hub.declare(declarations)
            hub.setConnected(true, details: [("seed", .int(1))])
            hub.setSessionInfo(.object([("WeekendInfo", .object([("TrackName", .string("tsukuba-\(hub.id)"))]))]))
            let task = Task<Void, any Error> {
                var n = 0
                while !Task.isCancelled {
                    var row = FrameRow(layout: layout)
                    row.set(0, Double(n) / 4)
                    row.set(1, n % 6)
                    for i in 0..<4 { row.set(2, Double(n) / 100 + Double(i) / 10, element: i) }
                    row.set(3, n % 2 == 1)
                    row.setString(4, "box \(n)")
                    hub.publish(row)
                    n += 1
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            tasks.withLock { $0.append(task) }
        }
    }

    /// Runs an MQTT sink for all hubs towards `port`; returns the sink's task.
    @discardableResult
    func startSink(
        port: Int, clientID: String, topicPrefix: String = "telemetry", rate: Double = 20, _ adjust: (inout MQTTConfig) -> Void = { _ in }
    ) throws -> Task<Void, any Error> {
        var config = MQTTConfig(server: MQTTServerAddress(host: "127.0.0.1", port: port), clientID: clientID, topicPrefix: topicPrefix)
        config.reconnect = ReconnectDelay(minS: 0.1, maxS: 0.4)
        adjust(&config)
        let sink = try MQTTSink(id: "mqtt", config: config, context: PluginContext(logger: logs.logger(level: .debug), registry: registry))
        let input = SinkInput(sinkID: "mqtt", sources: hubs, rate: rate)
        let task = Task { try await sink.run(input: input) }
        tasks.withLock { $0.append(task) }
        return task
    }
}

/// Publishes raw payloads through the shared client, for what no sink would send (garbage, floods).
enum RawPublisher {
    static func publish(_ messages: [MQTTPublish], port: Int) async throws {
        let (events, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let state = MQTTConnectionState<Never>(wake: wake)
        let connection = try await MQTTConnection<Never>.open(
            to: MQTTServerAddress(host: "127.0.0.1", port: port), state: state, group: MultiThreadedEventLoopGroup.singleton)
        var iterator = events.makeAsyncIterator()
        let connect = MQTTConnect(clientID: "raw-\(UUID().uuidString.prefix(6))", keepAlive: 0)
        if let refusal = await connection.handshake(connect, events: &iterator, clock: SystemClock(), timeout: 5) {
            throw TestSetupError("raw publisher not accepted: \(refusal)")
        }
        connection.send(messages.map { .publish($0) })
        await connection.sendAndClose([.disconnect], grace: .seconds(2))
    }
}
