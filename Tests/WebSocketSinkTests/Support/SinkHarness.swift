import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import WebSocketSink

/// A WebSocket sink running on 127.0.0.1 (a free port) over test hubs the test drives itself.
struct SinkHarness {
    let registry: VariableRegistry
    let hubs: [SourceHub]
    /// The sink's sources; a test adds one while the sink runs with a `SourceHubFactory` on it.
    let directory: HubDirectory
    let sink: WebSocketSink
    let task: Task<Void, any Error>
    let port: Int

    var hub: SourceHub { hubs[0] }

    func url(path: String = "/", query: String = "") -> String {
        "ws://127.0.0.1:\(port)\(path)\(query.isEmpty ? "" : "?" + query)"
    }

    /// A config for tests: loopback, a free port, no mDNS. Every test client comes from 127.0.0.1,
    /// so `max_connects_per_s` is high unless a test is about it.
    static func config(
        path: String = "/", maxClients: Int = 256, maxMessageBytes: Int = 4096, token: String? = nil, dashboard: Bool = true,
        maxCommandsPerSecond: Int = 50, maxSubscriptions: Int = 1000, maxConnectsPerSecond: Int = 10_000, drainTimeout: Double = 10,
        requestHeadTimeout: Double = 10
    ) -> WebSocketSinkConfig {
        WebSocketSinkConfig(
            host: "127.0.0.1", port: 0, path: path, maxClients: maxClients, maxMessageBytes: maxMessageBytes, token: token,
            mdns: .init(enabled: false), dashboard: dashboard, maxCommandsPerSecond: maxCommandsPerSecond,
            maxSubscriptions: maxSubscriptions, maxConnectsPerSecond: maxConnectsPerSecond, drainTimeout: drainTimeout,
            requestHeadTimeout: requestHeadTimeout)
    }

    /// Starts a sink over one hub per entry of `sources` (id, type) and waits until it listens.
    /// `logger` replaces the default one (stderr, level from `TEST_LOG_LEVEL`, else warning).
    static func start(
        _ config: WebSocketSinkConfig = config(), sources: [(id: String, type: String)] = [("mock", "mock")], rate: Double = 60,
        id: String = "ws", clock: any BrokerClock = SystemClock(), logger: Logger? = nil
    ) async throws -> SinkHarness {
        let registry = VariableRegistry()
        let hubs = sources.map { SourceHub(id: $0.id, typeName: $0.type, registry: registry) }
        var defaultLogger = Logger(label: "websocket-sink-test")
        defaultLogger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let context = PluginContext(logger: logger ?? defaultLogger, registry: registry)
        let sink = try WebSocketSink(id: id, config: config, context: context)
        let directory = HubDirectory(hubs)
        let input = SinkInput(sinkID: id, directory: directory, rate: rate, clock: clock)
        let failure = Mutex<(any Error)?>(nil)
        let task = Task {
            do {
                try await sink.run(input: input)
            } catch {
                failure.withLock { $0 = error }
                throw error
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while sink.address == nil {
            if let error = failure.withLock({ $0 }) { throw error }
            if ContinuousClock.now > deadline {
                task.cancel()
                throw TestSetupError("the sink did not start listening within 10 s")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return SinkHarness(registry: registry, hubs: hubs, directory: directory, sink: sink, task: task, port: sink.address?.port ?? 0)
    }

    /// Cancels the sink and waits for `run` to return; returns how long that took. `withSinkHarness`
    /// calls it at the end; a test calls it itself only to check the stop.
    @discardableResult
    func stop() async throws -> Duration {
        let started = ContinuousClock.now
        task.cancel()
        try await task.value
        return ContinuousClock.now - started
    }
}

/// Runs a sink (see `SinkHarness.start`) for `body`, and stops it on every way out of `body`, a
/// thrown error included.
func withSinkHarness<Value>(
    _ config: WebSocketSinkConfig = SinkHarness.config(), sources: [(id: String, type: String)] = [("mock", "mock")], rate: Double = 60,
    id: String = "ws", clock: any BrokerClock = SystemClock(), logger: Logger? = nil, _ body: (SinkHarness) async throws -> Value
) async throws -> Value {
    let harness = try await SinkHarness.start(config, sources: sources, rate: rate, id: id, clock: clock, logger: logger)
    return try await using(harness, stop: { try await $0.stop() }, body)
}

/// Declares catalogue variables on a hub and publishes frames with predictable values.
final class FrameDriver: Sendable {
    let hub: SourceHub
    let layout: FrameLayout

    init(hub: SourceHub, variables: [String]) {
        self.hub = hub
        let declarations = variables.map { name in
            VariableDeclaration(VariableCatalogue.all.first { $0.name == name } ?? VariableInfo(name: name, type: .float))
        }
        layout = hub.declare(declarations)
        hub.setConnected(true)
    }

    /// Every catalogue variable, for `read all`.
    convenience init(allVariablesOn hub: SourceHub) {
        self.init(hub: hub, variables: VariableCatalogue.all.map(\.name))
    }

    /// Publishes one frame; `Speed` is `n / 2`, `Gear` is `n % 7 - 1`, `RPM` is `1000 + n`, every
    /// other number `n`, strings "text n".
    @discardableResult
    func publish(_ n: Int, overrides: [String: Double] = [:]) -> UInt64 {
        var row = FrameRow(layout: layout)
        for (index, field) in layout.fields.enumerated() {
            let value: Double
            switch field.name {
            case "Speed": value = Double(n) / 2
            case "Gear": value = Double(n % 7 - 1)
            case "RPM": value = Double(1000 + n)
            default: value = Double(n)
            }
            if field.type == .string {
                row.setString(index, "text \(n)")
                continue
            }
            for element in 0..<field.count { row.set(index, overrides[field.name] ?? value, element: element) }
        }
        return hub.publish(row)
    }

    /// Publishes at `rate` frames per second until cancelled, on an absolute schedule that restarts
    /// from the present after a late wake-up instead of publishing the missed frames in a burst
    /// (as a sim does: it skips ticks, it does not replay them).
    func start(rate: Double) -> Task<Void, Never> {
        Task {
            let interval = Duration.nanoseconds(Int64(1e9 / rate))
            var next = ContinuousClock.now
            var n = 1
            while !Task.isCancelled {
                publish(n)
                n += 1
                next += interval
                if next < ContinuousClock.now { next = ContinuousClock.now + interval }
                try? await Task.sleep(until: next, clock: .continuous)
            }
        }
    }
}

/// The resident set size of this process in kilobytes (Linux), for "memory stays bounded".
func residentKilobytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}

/// A thread-safe counter for tests that wait until several clients are ready.
final class Counter: Sendable {
    private let count = Mutex(0)

    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
