import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import MQTTClient
import Synchronization
import Testing

@testable import MQTTSink

/// A source hub with a few catalogue variables, and a task publishing frames into it at 60 Hz.
final class DrivenHub: Sendable {
    let hub: SourceHub
    let layout: FrameLayout
    private let driver = Mutex<Task<Void, Never>?>(nil)

    convenience init(id: String = "car", registry: VariableRegistry) {
        self.init(hub: SourceHub(id: id, typeName: "test", registry: registry))
    }

    /// Drives a hub made elsewhere (one a source added at run time).
    init(hub: SourceHub) {
        self.hub = hub
        layout = hub.declare(
            ["Speed", "RPM", "Gear"].compactMap { name in
                VariableCatalogue.all.first { $0.name == name }.map { VariableDeclaration($0) }
            })
    }

    deinit { driver.withLock { $0?.cancel() } }

    /// Marks the source connected, sets session info and publishes frames until `stop`.
    func start(sessionInfo: Bool = true) {
        hub.setConnected(true)
        if sessionInfo { hub.setSessionInfo(.object([("WeekendInfo", .object([("TrackName", "tsukuba")]))])) }
        let hub = self.hub
        let layout = self.layout
        driver.withLock {
            $0 = Task {
                var tick = 0
                while !Task.isCancelled {
                    var row = FrameRow(layout: layout)
                    row.set(0, 20 + Double(tick) * 0.25)
                    row.set(1, 4000 + Double(tick % 50) * 10)
                    row.set(2, 3)
                    hub.publish(row)
                    tick += 1
                    try? await Task.sleep(for: .milliseconds(16))
                }
            }
        }
    }

    func stop() { driver.withLock { $0?.cancel() } }
}

/// An MQTT sink running in this process against given hubs, with its logs recorded.
final class SinkRun: Sendable {
    let sink: MQTTSink
    let logs = LogCapture()
    let metrics = BrokerMetrics()
    private let task: Task<Void, any Error>
    private let sessionsByID = SessionDirectory()

    convenience init(config: MQTTConfig, hubs: [SourceHub], registry: VariableRegistry, rate: Double = 10) throws {
        try self.init(config: config, input: SinkInput(sinkID: "mqtt", sources: hubs, rate: rate), registry: registry)
    }

    /// A sink fed by `input`, e.g. one following a `HubDirectory` that grows while it runs.
    init(config: MQTTConfig, input: SinkInput, registry: VariableRegistry) throws {
        let context = PluginContext(logger: logs.logger(level: .debug), registry: registry, metrics: metrics)
        let sink = try MQTTSink(id: "mqtt", config: config, context: context)
        self.sink = sink
        let sessions = sessionsByID
        task = Task { try await sink.run(input: input) { started in sessions.add(started) } }
    }

    deinit { task.cancel() }

    func session(_ sourceID: String) -> MQTTSession? { sessionsByID.session(sourceID) }

    var stats: MQTTStats { sink.stats }

    /// Waits (bounded) until `condition` holds for the stats; returns whether it did.
    @discardableResult
    func waitForStats(timeout: Double = 5, _ condition: (MQTTStats) -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(stats) {
            if Date() >= deadline { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Cancels the sink and returns how long it took to return (at most 5 s are waited).
    func stop() async -> Double {
        let started = Date()
        task.cancel()
        let finished = Mutex(false)
        let task = self.task
        Task {
            _ = await task.result
            finished.withLock { $0 = true }
        }
        while !finished.withLock({ $0 }) && Date().timeIntervalSince(started) < 5 {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return Date().timeIntervalSince(started)
    }

    /// The error the sink's `run` threw, if it has returned with one.
    func result() async -> Result<Void, any Error> { await task.result }
}

/// A config for a server on loopback with quick reconnects, as tests want.
func testConfig(port: Int, clientID: String, _ adjust: (inout MQTTConfig) -> Void = { _ in }) -> MQTTConfig {
    var config = MQTTConfig(
        server: MQTTServerAddress(host: "127.0.0.1", port: port), clientID: clientID,
        reconnect: ReconnectDelay(minS: 0.1, maxS: 0.4))
    adjust(&config)
    return config
}

/// A unique client id per test, so parallel runs never take over each other's sessions.
func uniqueClientID(_ name: String) -> String {
    "\(name)-\(UUID().uuidString.prefix(6))"
}

/// The sessions a running sink created, by source id.
final class SessionDirectory: Sendable {
    private let sessions = Mutex<[String: MQTTSession]>([:])
    func add(_ started: MQTTSession) { sessions.withLock { $0[started.hub.id] = started } }
    func session(_ sourceID: String) -> MQTTSession? { sessions.withLock { $0[sourceID] } }
}
