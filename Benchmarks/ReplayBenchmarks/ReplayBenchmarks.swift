import BrokerCore
import Foundation
import Logging
import MockSource
import ReplaySource
import StdoutSink

// Replay benchmark (issue 11): how fast `speed: 0` replays, and how closely `speed: 1` keeps the
// recorded times.
//
//   swift run -c release replay-benchmark [frames]
//
// 1. Throughput: writes a recording of `frames` frames (default 500,000) of six variables, in the
//    stdout sink's own encoding, and replays it at speed 0 into a hub; prints frames/s. Repeats
//    with the mock's full catalogue (410 variables, 8 KB a line) for scale.
// 2. Timing: records the mock at 60 Hz for 5 s with the stdout sink, replays it at speed 1, and
//    prints every frame's distance from the recorded schedule (median, p99, worst, share <= 5 ms).

let logger: Logger = {
    var logger = Logger(label: "replay-benchmark")
    logger.logLevel = .warning
    return logger
}()
let frameCount = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 500_000

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("replay-benchmark-\(name)-\(UUID().uuidString).ndjson").path
}

/// Writes `frames` frames of `declarations` as the stdout sink records them, values varying per frame.
func writeRecording(to path: String, frames: Int, declarations: [VariableDeclaration]) throws -> Int {
    let registry = VariableRegistry()
    let layout = FrameLayout(declaring: declarations, registry: registry, sourceID: "sim")
    let selection = VariableSelection.all.resolve(sourceID: "sim", layout: layout, registry: registry)
    guard let handle = FileHandle(forWritingAtPath: path) ?? (FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil) else {
        throw PluginError("cannot write \(path)")
    }
    defer { try? handle.close() }
    let start = 1_800_000_000.0
    var buffer = RecordingHeader.declareLine(sourceID: "sim", selection: selection, registry: registry, time: start) + [0x0A]
    var bytes = 0
    for i in 0..<frames {
        var row = FrameRow(layout: layout)
        for field in layout.fields.indices {
            for element in 0..<layout.fields[field].count {
                row.set(field, Double(i % 5000) * 0.37 + Double(field) + Double(element) * 0.01, element: element)
            }
        }
        let frame = Frame(seq: UInt64(i + 1), timestamp: start + Double(i) / 60, layout: layout, row: row.bytes)
        buffer += BrokerMessages.telemetry(sourceID: "sim", frame: frame, selection: selection, time: frame.timestamp)
        buffer.append(0x0A)
        if buffer.count > 1 << 20 {
            bytes += buffer.count
            handle.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
    bytes += buffer.count
    handle.write(Data(buffer))
    return bytes
}

/// Replays `path` at speed 0 into a fresh hub; returns frames/s.
func replayFlatOut(_ path: String, frames: Int) async throws -> Double {
    let registry = VariableRegistry()
    let hub = SourceHub(id: "sim", typeName: "replay", registry: registry)
    let source = ReplaySource(id: "sim", config: ReplayConfig(path: path, speed: 0), context: PluginContext(logger: logger, registry: registry))
    let started = ContinuousClock.now
    try await source.run(output: hub)
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    guard hub.latestFrame?.seq == UInt64(frames) else { throw PluginError("replayed \(hub.latestFrame?.seq ?? 0) of \(frames) frames") }
    return Double(frames) / seconds
}

func throughput(name: String, frames: Int, declarations: [VariableDeclaration]) async throws {
    let path = temporaryPath(name)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let bytes = try writeRecording(to: path, frames: frames, declarations: declarations)
    var best = 0.0
    for _ in 0..<3 { best = max(best, try await replayFlatOut(path, frames: frames)) }
    let lineBytes = Double(bytes) / Double(frames)
    print(String(format: "speed 0, %@: %d frames (%.0f bytes a line): %.0f frames/s (%.1f MB/s), best of 3", name, frames, lineBytes, best, best * lineBytes / 1e6))
}

/// Records `run` into `path` with the stdout sink (every frame, `variables: all`) for `seconds`.
func record(to path: String, id: String, typeName: String, seconds: Double, _ run: @escaping @Sendable (SourceHub, VariableRegistry) async throws -> Void) async throws {
    let registry = VariableRegistry()
    let hub = SourceHub(id: id, typeName: typeName, registry: registry)
    let sink = StdoutSink(id: "recorder", config: StdoutConfig(variables: .all, path: path), context: PluginContext(logger: logger, registry: registry))
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

func timing(seconds: Double) async throws {
    let original = temporaryPath("mock"), replayed = temporaryPath("replayed")
    defer {
        try? FileManager.default.removeItem(atPath: original)
        try? FileManager.default.removeItem(atPath: replayed)
    }
    try await record(to: original, id: "mock", typeName: "mock", seconds: seconds) { hub, registry in
        try await MockSource(id: "mock", config: MockConfig(rate: 60, seed: 1, cars: 20), context: PluginContext(logger: logger, registry: registry)).run(output: hub)
    }
    try await record(to: replayed, id: "mock", typeName: "replay", seconds: seconds + 0.5) { hub, registry in
        try await ReplaySource(id: "mock", config: ReplayConfig(path: original), context: PluginContext(logger: logger, registry: registry)).run(output: hub)
    }
    let recorded = try telemetryTimes(original), replay = try telemetryTimes(replayed)
    let offsets = replay.compactMap { line in line.seq <= recorded.count ? line.time - recorded[line.seq - 1].time : nil }
    guard !offsets.isEmpty else { throw PluginError("nothing replayed") }
    let typical = offsets.sorted()[offsets.count / 2]
    let errors = offsets.map { abs($0 - typical) * 1000 }.sorted()
    let within = Double(errors.filter { $0 <= 5 }.count) / Double(errors.count) * 100
    print(String(
        format: "speed 1, mock (410 variables) at 60 Hz for %.0f s: %d frames recorded, %d compared; timing error median %.3f ms, p99 %.3f ms, worst %.3f ms; %.1f %% within 5 ms",
        seconds, recorded.count, errors.count, errors[errors.count / 2], errors[min(errors.count - 1, errors.count * 99 / 100)], errors[errors.count - 1], within))
}

let fewVariables = ["Speed", "RPM", "Gear", "Throttle", "Brake", "LapDistPct"].map { name in
    VariableDeclaration(VariableCatalogue.all.first { $0.name == name } ?? VariableInfo(name: name, type: .float))
}
try await throughput(name: "6 variables", frames: frameCount, declarations: fewVariables)
try await throughput(name: "410 variables (mock catalogue)", frames: max(frameCount / 50, 1000), declarations: MockSimulation.declarations())
try await timing(seconds: 5)
