import BrokerCore
import BrokerTestSupport
import Foundation
import IRacingSource
import Logging
import Synchronization

/// A virtual clock for running a source deterministically and fast: every sleep jumps straight to
/// its deadline, then runs the test's script for that moment (write a row, look at the hub). A
/// sleep past `end` throws `CancellationError`, which ends the source's `run` as cancellation would.
final class ScriptedClock: BrokerClock, @unchecked Sendable {
    private let state = Mutex<(now: Double, deadlines: [Double])>((0, []))
    let end: Double
    private let script: @Sendable (Double) -> Void

    init(end: Double, script: @escaping @Sendable (Double) -> Void = { _ in }) {
        self.end = end
        self.script = script
    }

    func now() -> Double { state.withLock { $0.now } }

    /// Every deadline slept until, in order.
    var deadlines: [Double] { state.withLock { $0.deadlines } }

    func sleep(until deadline: Double) async throws {
        try Task.checkCancellation()
        let target = state.withLock { max($0.now, deadline) }
        guard target <= end else { throw CancellationError() }
        state.withLock {
            $0.now = target
            $0.deadlines.append(deadline)
        }
        script(target)
        await Task.yield()
    }
}

/// What a test needs to run a source: a fresh registry and hub, a context with the given clock, and
/// a logger that keeps its lines so tests can check what was said.
struct SourceHarness {
    let registry = VariableRegistry()
    let hub: SourceHub
    let log = LogCapture()
    let context: PluginContext

    init(clock: any BrokerClock, configDirectory: String = ".", id: String = "iracing") {
        hub = SourceHub(id: id, typeName: "iracing", registry: registry)
        context = PluginContext(logger: log.logger, registry: registry, clock: clock, configDirectory: configDirectory)
    }

    func source(_ config: IRacingConfig) throws -> IRacingSource {
        try IRacingSource(id: hub.id, config: config, context: context)
    }
}

/// A unique temporary file path, removed by the caller.
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("iracing-tests-\(UUID().uuidString)-\(name)").path
}
