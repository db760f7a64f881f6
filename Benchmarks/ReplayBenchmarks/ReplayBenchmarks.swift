import Benchmark
import BrokerCore
import Foundation
import Logging
import MockSource
import ReplaySource
import StdoutSink

// Replay benchmarks (the replay source's README): how fast `speed: 0` replays a recording in the
// stdout sink's format, and how closely `speed: 1` keeps the recorded times.
//
//   cd Benchmarks && swift package benchmark --target ReplayBenchmarks
//
//   replay-speed0-6-variables     one sample replays a 1,000-frame recording of six variables into
//                                 a hub; figures are per frame (the scaling factor is the frame count)
//   replay-speed0-410-variables   the same with the mock's full catalogue (about 8 KB a line)
//   replay-speed1-timing          records the mock at 60 Hz for 5 s with the stdout sink, replays it
//                                 at speed 1, and reports each frame's distance from the recorded
//                                 schedule (median, p99, worst) as custom metrics, in microseconds
let benchmarks: @Sendable () -> Void = {
    let framesPerSample = BenchmarkScalingFactor.kilo
    let tolerances: [BenchmarkMetric: BenchmarkThresholds] = [
        .mallocCountTotal: .init(relative: [.p90: 2]), .wallClock: .init(relative: [.p90: 35]), .instructions: .init(relative: [.p90: 3]),
    ]
    let flatOut = Benchmark.Configuration(
        metrics: [.wallClock, .instructions, .mallocCountTotal], warmupIterations: 2, scalingFactor: framesPerSample,
        maxDuration: .seconds(3), thresholds: tolerances)
    let few = Result { try Recording(frames: framesPerSample.rawValue, declarations: fewVariables) }
    Benchmark("replay-speed0-6-variables", configuration: flatOut) { _ in
        try await replayFlatOut(few.get())
    }
    let many = Result { try Recording(frames: framesPerSample.rawValue, declarations: MockSimulation.declarations()) }
    Benchmark("replay-speed0-410-variables", configuration: flatOut) { _ in
        try await replayFlatOut(many.get())
    }

    let errorMedian = BenchmarkMetric.custom("timing error median (us)", useScalingFactor: false)
    let errorP99 = BenchmarkMetric.custom("timing error p99 (us)", useScalingFactor: false)
    let errorWorst = BenchmarkMetric.custom("timing error worst (us)", useScalingFactor: false)
    // Real time on a shared machine: a check fails only when the errors grow by more than the
    // 5 ms budget (the median by more than 1 ms), not on the scheduler's noise.
    let timingTolerances: [BenchmarkMetric: BenchmarkThresholds] = [
        errorMedian: .init(absolute: [.p90: 1_000]), errorP99: .init(absolute: [.p90: 5_000]), errorWorst: .init(absolute: [.p90: 5_000]),
    ]
    Benchmark(
        "replay-speed1-timing",
        configuration: .init(
            metrics: [errorMedian, errorP99, errorWorst], warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 1,
            thresholds: timingTolerances)
    ) { benchmark in
        let errors = try await timingErrors(seconds: 5)
        benchmark.measurement(errorMedian, Int(errors[errors.count / 2] * 1e6))
        benchmark.measurement(errorP99, Int(errors[min(errors.count - 1, errors.count * 99 / 100)] * 1e6))
        benchmark.measurement(errorWorst, Int(errors[errors.count - 1] * 1e6))
    }
}

let logger: Logger = {
    var logger = Logger(label: "replay-benchmarks")
    logger.logLevel = .warning
    return logger
}()

let fewVariables = ["Speed", "RPM", "Gear", "Throttle", "Brake", "LapDistPct"].map { name in
    VariableDeclaration(VariableCatalogue.all.first { $0.name == name } ?? VariableInfo(name: name, type: .float))
}

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("replay-benchmarks-\(name)-\(UUID().uuidString).ndjson").path
}

/// A recording in the stdout sink's own encoding, values varying per frame; removed when released.
final class Recording: Sendable {
    let path = temporaryPath("flat-out")
    let frames: Int

    init(frames: Int, declarations: [VariableDeclaration]) throws {
        self.frames = frames
        let registry = VariableRegistry()
        let layout = FrameLayout(declaring: declarations, registry: registry, sourceID: "sim")
        let selection = VariableSelection.all.resolve(sourceID: "sim", layout: layout, registry: registry)
        let start = 1_800_000_000.0
        var text = RecordingFormat.declareLine(sourceID: "sim", selection: selection, registry: registry, time: start) + [0x0A]
        for i in 0..<frames {
            var row = FrameRow(layout: layout)
            for field in layout.fields.indices {
                for element in 0..<layout.fields[field].count {
                    row.set(field, Double(i % 5000) * 0.37 + Double(field) + Double(element) * 0.01, element: element)
                }
            }
            let frame = Frame(seq: UInt64(i + 1), timestamp: start + Double(i) / 60, layout: layout, row: row.bytes)
            text += BrokerMessages.telemetry(sourceID: "sim", frame: frame, selection: selection, time: frame.timestamp)
            text.append(0x0A)
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(text)) else { throw PluginError("cannot write \(path)") }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Replays `recording` at speed 0 into a fresh hub, to its end.
func replayFlatOut(_ recording: Recording) async throws {
    let registry = VariableRegistry()
    let hub = SourceHub(id: "sim", typeName: "replay", registry: registry)
    let source = ReplaySource(
        id: "sim", config: ReplayConfig(path: recording.path, speed: 0), context: PluginContext(logger: logger, registry: registry))
    try await source.run(output: hub)
    guard hub.latestFrame?.seq == UInt64(recording.frames) else {
        throw PluginError("replayed \(hub.latestFrame?.seq ?? 0) of \(recording.frames) frames")
    }
}

/// Records `run` into `path` with the stdout sink (every frame, `variables: all`) for `seconds`.
func record(
    to path: String, id: String, typeName: String, seconds: Double, _ run: @escaping @Sendable (SourceHub, VariableRegistry) async throws -> Void
) async throws {
    let registry = VariableRegistry()
    let hub = SourceHub(id: id, typeName: typeName, registry: registry)
    let sink = StdoutSink(
        id: "recorder", config: StdoutConfig(variables: .all, path: path), context: PluginContext(logger: logger, registry: registry))
    let sinkTask = Task { try await sink.run(input: SinkInput(sinkID: "recorder", sources: [hub], rate: 0)) }
    let sourceTask = Task { try await run(hub, registry) }
    try await Task.sleep(for: .seconds(seconds))
    sourceTask.cancel()
    try await sourceTask.value
    try await Task.sleep(for: .milliseconds(200))
    sinkTask.cancel()
    try await sinkTask.value
}

/// `seq`, `time` of each telemetry line.
func telemetryTimes(_ path: String) throws -> [(seq: Int, time: Double)] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
        guard line.hasPrefix("{\"type\":\"telemetry\""),
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let seq = object["seq"] as? Int, let time = object["time"] as? Double
        else { return nil }
        return (seq, time)
    }
}

/// Each replayed frame's distance in seconds from the recorded schedule (the typical offset taken
/// as zero), sorted: the mock recorded at 60 Hz for `seconds`, then replayed at speed 1.
func timingErrors(seconds: Double) async throws -> [Double] {
    let original = temporaryPath("mock"), replayed = temporaryPath("replayed")
    defer {
        try? FileManager.default.removeItem(atPath: original)
        try? FileManager.default.removeItem(atPath: replayed)
    }
    try await record(to: original, id: "mock", typeName: "mock", seconds: seconds) { hub, registry in
        try await MockSource(id: "mock", config: MockConfig(rate: 60, seed: 1, cars: 20), context: PluginContext(logger: logger, registry: registry))
            .run(output: hub)
    }
    try await record(to: replayed, id: "mock", typeName: "replay", seconds: seconds + 0.5) { hub, registry in
        try await ReplaySource(id: "mock", config: ReplayConfig(path: original), context: PluginContext(logger: logger, registry: registry))
            .run(output: hub)
    }
    let recorded = try telemetryTimes(original), replay = try telemetryTimes(replayed)
    let offsets = replay.compactMap { line in line.seq <= recorded.count ? line.time - recorded[line.seq - 1].time : nil }
    guard !offsets.isEmpty else { throw PluginError("nothing replayed") }
    let typical = offsets.sorted()[offsets.count / 2]
    return offsets.map { abs($0 - typical) }.sorted()
}
