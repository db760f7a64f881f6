import BrokerCore
import Logging

/// A source that needs no sim: a plausible car on a lap, rivals in the per-car arrays, and every
/// other catalogue variable type-correct within its range (the plugin's README). For developing dashboards
/// and clients anywhere, and the source `--test` swaps in, as the Python bridge's test mode did.
public struct MockSource: Source {
    public static let typeName = "mock"
    public static let summary = "Simulated car and field: every catalogue variable, deterministic with a seed"
    public static let providedVariables = ProvidedVariables.catalogue
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    let id: String
    let config: MockConfig
    let context: PluginContext

    public init(id: String, config: MockConfig, context: PluginContext) {
        self.id = id
        self.config = config
        self.context = context
    }

    public func run(output: SourceHub) async throws {
        let seed = config.seed ?? UInt64.random(in: 0...UInt64.max)
        let layout = output.declare(MockSimulation.declarations())
        var simulation = MockSimulation(layout: layout, cars: config.cars, seed: seed, overrides: config.values)
        output.setSessionInfo(MockSessionInfo.make(cars: config.cars, seed: seed))
        output.setConnected(true, details: [("seed", .int(Int64(bitPattern: seed)))])
        context.logger.info("mock source '\(id)' running at \(config.rate) Hz with seed \(seed)")
        defer { output.setConnected(false) }

        let clock = context.clock
        let interval = 1 / config.rate
        var next = clock.now()
        while !Task.isCancelled {
            let row = simulation.step(dt: interval)
            output.publish(row)
            if let lap = simulation.completedLap {
                output.emit("lap", .object([("CarIdx", 0), ("Lap", .int(Int64(lap.lap))), ("LapTime", .double(lap.time))]))
            }
            next += interval
            if next < clock.now() - 1 { next = clock.now() }  // after a stall, do not burst to catch up
            do { try await clock.sleep(until: next) } catch { return }
        }
    }
}
