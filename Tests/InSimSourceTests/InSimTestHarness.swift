import BrokerCore
import BrokerTestSupport
import Foundation
import InSimSource
import InSimTestSupport
import Logging
import Synchronization
import Testing

/// The real clock, recording how long each `sleep` was asked to last (the reconnect delays).
final class RecordingClock: BrokerClock {
    private let base = SystemClock()
    private let sleeps = Mutex<[Double]>([])

    var requestedSleeps: [Double] { sleeps.withLock { $0 } }

    func now() -> Double { base.now() }

    func sleep(until deadline: Double) async throws {
        let duration = deadline - base.now()
        sleeps.withLock { $0.append((duration * 1000).rounded() / 1000) }
        try await base.sleep(until: deadline)
    }
}

/// An InSim source running against a hub in a task, for one test.
struct RunningSource: Sendable {
    let hub: SourceHub
    let log: LogCapture
    let clock: RecordingClock
    let task: Task<Void, any Error>
    /// Set when `run` has returned or thrown.
    let ended: DoneFlag

    static let fastTimeouts = InSimSource.Timeouts(connect: 2, handshake: 2, idle: 5, sessionInfoFlush: 0.02)

    static func start(_ config: InSimSourceConfig, timeouts: InSimSource.Timeouts = fastTimeouts) -> RunningSource {
        let log = LogCapture()
        let clock = RecordingClock()
        let registry = VariableRegistry()
        let hub = SourceHub(id: "lfs", typeName: InSimSource.typeName, registry: registry)
        let source = InSimSource(
            id: "lfs", config: config, context: PluginContext(logger: log.logger, registry: registry, clock: clock), timeouts: timeouts)
        let ended = DoneFlag()
        let task = Task {
            defer { ended.set() }
            try await source.run(output: hub)
        }
        return RunningSource(hub: hub, log: log, clock: clock, task: task, ended: ended)
    }

    /// Starts a source on `count` UDP ports from `freeLoopbackPort`. Another test can take such a
    /// port between the pick and the source's bind, so a source that could not bind is started
    /// again on new ports (at most 5 attempts). Returns once the ports are bound.
    static func startOnFreeUDPPorts(_ count: Int, _ makeConfig: ([Int]) -> InSimSourceConfig) async throws -> (RunningSource, [Int]) {
        for _ in 1..<5 {
            let ports = try (0..<count).map { _ in try freeLoopbackPort(udp: true) }
            let source = start(makeConfig(ports))
            _ = await waitUntil { !source.hub.status.details.isEmpty || source.ended.isSet }
            if !source.ended.isSet { return (source, ports) }
            _ = await source.task.result
        }
        let ports = try (0..<count).map { _ in try freeLoopbackPort(udp: true) }
        return (start(makeConfig(ports)), ports)
    }

    /// Cancels the source and checks it returns promptly: the contract is 0.5 s, the bound here is
    /// looser because a busy test machine delays the measuring task too (the compliance suite uses 1.5 s).
    func stop(sourceLocation: SourceLocation = #_sourceLocation) async {
        let started = FakeLFSHost.now()
        task.cancel()
        _ = await task.result
        let elapsed = FakeLFSHost.now() - started
        #expect(elapsed < 1.5, "the source took \(elapsed) s to stop", sourceLocation: sourceLocation)
    }

    /// Runs a source (see `start`) for `body` and stops it (checking the stop is prompt) on every
    /// way out of `body`.
    static func with<Value>(
        _ config: InSimSourceConfig, timeouts: InSimSource.Timeouts = fastTimeouts, _ body: (RunningSource) async throws -> Value
    ) async throws -> Value {
        try await using(start(config, timeouts: timeouts), stop: { await $0.stop() }, body)
    }

    // MARK: - Reading the hub

    var frame: Frame? { hub.latestFrame }

    func value(_ name: String) -> JSONValue? { hub.latestFrame?.value(named: name) }

    func element(_ name: String, _ index: Int) -> JSONValue? { value(name)?[index] }

    var events: [SourceEvent] { hub.events(after: 0).events }

    func events(named name: String) -> [SourceEvent] { events.filter { $0.name == name } }

    var sessionInfo: JSONValue? { hub.sessionInfo?.data }

    var drivers: [JSONValue] { sessionInfo?["DriverInfo"]?["Drivers"]?.arrayValue ?? [] }

    /// CarIdx of the driver with this PLID, from session info.
    func carIndex(ofPlayer playerID: Int) -> Int? {
        drivers.first { $0["PLID"]?.intValue == Int64(playerID) }?["CarIdx"]?.intValue.map(Int.init)
    }
}

extension InSimSourceConfig {
    /// A config for the fake host on `port`, with a fast reconnect.
    static func forTests(port: Int, minS: Double = 0.05, maxS: Double = 0.4, flags: [Flag] = [.mci], outgaugePort: Int = 0, udpPort: Int = 0)
        -> InSimSourceConfig
    {
        InSimSourceConfig(
            host: "127.0.0.1", port: port, flags: flags, udpPort: udpPort, outgaugePort: outgaugePort,
            reconnect: InSimSourceConfig.Reconnect(minS: minS, maxS: maxS))
    }
}
