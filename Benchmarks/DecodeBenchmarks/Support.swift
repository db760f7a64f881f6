import Benchmark
import Foundation

/// The tolerances `swift package benchmark thresholds check` applies against the p90 values
/// committed in `Thresholds/` (which are per sample, not per operation): allocations may not change
/// beyond the benchmark's own 16 to 18 per sample (one more per operation is 1,000 more per sample),
/// wall time may stray by a third (a shared two-core machine is that noisy), instructions by 3 %.
/// A case that runs a whole source (tasks, streams) allows its allocations 2 %.
func microThresholds(exactAllocations: Bool) -> [BenchmarkMetric: BenchmarkThresholds] {
    [
        .mallocCountTotal: exactAllocations ? .init(absolute: [.p90: 10]) : .init(relative: [.p90: 2]),
        .wallClock: .init(relative: [.p90: 35]),
        .instructions: .init(relative: [.p90: 3]),
    ]
}

/// One configuration for every case: the three metrics, `scaling` operations per sample (so the
/// benchmark's own per-sample work, 16 or so allocations, divides away), at most `seconds` long.
func micro(scaling: BenchmarkScalingFactor = .kilo, seconds: Int = 2, warmup: Int = 3, exactAllocations: Bool = true) -> Benchmark.Configuration {
    .init(
        metrics: [.wallClock, .instructions, .mallocCountTotal], warmupIterations: warmup, scalingFactor: scaling,
        maxDuration: .seconds(seconds), maxIterations: 100_000, thresholds: microThresholds(exactAllocations: exactAllocations))
}

/// `../shared/data/<relative>` beside the repository (this file is Benchmarks/DecodeBenchmarks/Support.swift).
func sharedData(_ relative: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data").appendingPathComponent(relative).path
}

/// The bytes of a file in ../shared/data, or an error naming it.
func sharedBytes(_ relative: String) throws -> [UInt8] {
    let path = sharedData(relative)
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BenchmarkInputError("\(path) not found (../shared/data beside the checkout)")
    }
    return [UInt8](data)
}

/// A benchmark's input could not be loaded; the benchmark fails with this text.
struct BenchmarkInputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
