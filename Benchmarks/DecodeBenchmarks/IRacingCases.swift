import Benchmark
import BrokerCore
import Foundation
import IRacingSource
import Logging

/// The live dump every iRacing case reads (1,191,936 bytes).
let liveMapDump = "iracing/w13_monza_livemem.bin"

func registerIRacingBenchmarks() {
    // Copy + torn-read check + 20 variables (BENCHMARKS.md: >= 1,000,000 rows/s on one core).
    let reader = Result { try IRSDKRowDecodeBenchmark(memory: InMemoryRegion(sharedBytes(liveMapDump))) }
    Benchmark("iracing-row-decode", configuration: micro()) { benchmark in
        let reader = try reader.get()
        let result = reader.decode(rows: benchmark.scaledIterations.count)
        guard result.decoded == benchmark.scaledIterations.count else { throw BenchmarkInputError("torn or missing rows") }
        blackHole(result.checksum)
    }

    // The whole source replaying formulavee_tsukuba.ibt (3,429 rows) at `speed: 0` into a hub, from
    // `run` until the hub holds the last row and reports the end of the file; one replay per sample.
    Benchmark("ibt-replay-speed0", configuration: micro(scaling: .one, seconds: 3, warmup: 1, exactAllocations: false)) { benchmark in
        let rows = try await replayIBT(sharedData("iracing/formulavee_tsukuba.ibt"))
        guard rows == 3_429 else { throw BenchmarkInputError("replayed \(rows) rows, expected 3,429") }
    }
}

/// Replays `path` at speed 0 through a fresh iRacing source and hub; the rows that arrived.
func replayIBT(_ path: String) async throws -> Int {
    var logger = Logger(label: "decode-benchmarks")
    logger.logLevel = .warning
    let registry = VariableRegistry()
    let hub = SourceHub(id: "iracing", typeName: "iracing", registry: registry)
    let source = try IRacingSource(
        id: "iracing", config: IRacingConfig(ibt: path, speed: 0), context: PluginContext(logger: logger, registry: registry))
    let changes = hub.changes()
    let task = Task { try await source.run(output: hub) }
    defer { task.cancel() }
    for await _ in changes {
        if let seq = hub.latestFrame?.seq, seq > 0, !hub.status.connected { return Int(seq) }
    }
    throw BenchmarkInputError("the replay of \(path) did not finish")
}
