import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import ReplaySource
import Synchronization

/// A temporary file that removes itself.
final class TemporaryFile: Sendable {
    let path: String

    init(_ text: String = "", suffix: String = ".ndjson") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString)\(suffix)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    init(bytes: [UInt8], suffix: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString)\(suffix)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A path nothing exists at (yet).
    init(missingWithSuffix suffix: String) {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("replay-missing-\(UUID().uuidString)\(suffix)").path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Lines of a recording as the stdout sink writes them, for synthetic recordings.
enum RecordingLines {
    static func declare(_ source: String, time: Double, _ variables: [VariableInfo], stringSize: Int = 16) -> String {
        let entries: [JSONValue] = variables.map { info in
            var fields = info.jsonFields()
            if info.type == .string { fields.append(("size", .int(Int64(stringSize)))) }
            return .object(fields)
        }
        return JSONValue.object([("type", "declare"), ("source", .string(source)), ("time", .double(time)), ("variables", .array(entries))])
            .jsonString
    }

    static func telemetry(_ source: String, seq: Int, time: Double, data: String) -> String {
        "{\"type\":\"telemetry\",\"source\":\(JSONValue.string(source).jsonString),\"seq\":\(seq),\"time\":\(time),\"data\":\(data)}"
    }

    static func status(time: Double, _ sources: [(String, JSONValue)]) -> String {
        JSONValue.object([
            ("type", "status"), ("connected", .bool(sources.contains { $0.1["connected"] == .bool(true) })), ("time", .double(time)),
            ("sources", .object(sources)),
        ]).jsonString
    }

    static func event(_ source: String, name: String, time: Double, data: JSONValue) -> String {
        JSONValue.object([("type", "event"), ("source", .string(source)), ("name", .string(name)), ("time", .double(time)), ("data", data)])
            .jsonString
    }

    static func sessionInfo(_ source: String, time: Double, data: JSONValue) -> String {
        JSONValue.object([("type", "sessionInfo"), ("source", .string(source)), ("time", .double(time)), ("data", data)]).jsonString
    }
}

/// The `data` text of a frame as every sink writes it with `variables: all`.
func dataText(of frame: Frame, registry: VariableRegistry) -> String {
    var writer = JSONWriter()
    VariableSelection.all.resolve(sourceID: "x", layout: frame.layout, registry: registry).writeData(of: frame, to: &writer)
    return writer.string
}

/// A replay run on a manual clock: each published frame with the clock time it appeared at.
struct ManualReplayRun {
    var hub: SourceHub
    var registry: VariableRegistry
    var frames: [(time: Double, frame: Frame)]
    var error: (any Error)?
    var clock: ManualClock

    /// Runs a replay source to its end (or until `stopAfterFrames` frames, then cancels it).
    /// `onSleep` runs at each of the replay's sleeps, before the clock jumps.
    static func run(
        _ config: ReplayConfig, id: String = "car", logs: LogCapture = LogCapture(), stopAfterFrames: Int? = nil,
        stopAtClock: Double? = nil, onSleep: @escaping @Sendable (Double, SourceHub) -> Void = { _, _ in }
    ) async -> ManualReplayRun {
        let clock = ManualClock()
        let registry = VariableRegistry()
        let hub = SourceHub(id: id, typeName: ReplaySource.typeName, registry: registry)
        let collected = Mutex<[(time: Double, frame: Frame)]>([])
        @Sendable func collect() -> Int {
            guard let frame = hub.latestFrame else { return 0 }
            return collected.withLock { frames -> Int in
                if frame.seq > (frames.last?.frame.seq ?? 0) { frames.append((clock.now(), frame)) }
                return frames.count
            }
        }
        // `onSleep` runs inside the replay's own task, so stopping it is cancelling the current task.
        clock.onSleep = { deadline in
            let count = collect()
            onSleep(deadline, hub)
            if count >= (stopAfterFrames ?? .max) || deadline > (stopAtClock ?? .infinity) {
                withUnsafeCurrentTask { $0?.cancel() }
            }
        }
        let source = ReplaySource(id: id, config: config, context: PluginContext(logger: logs.logger, registry: registry, clock: clock))
        var failure: (any Error)?
        do { try await Task { try await source.run(output: hub) }.value } catch { failure = error }
        _ = collect()
        return ManualReplayRun(hub: hub, registry: registry, frames: collected.withLock { $0 }, error: failure, clock: clock)
    }
}

extension VariableCatalogue {
    static func info(_ name: String) -> VariableInfo {
        all.first { $0.name == name } ?? VariableInfo(name: name, type: .float)
    }
}
