import BrokerCore
import CoreMetrics
import Logging

/// Newline-delimited JSON on standard output or appended to a file (docs/PROTOCOL.md): the same objects the
/// WebSocket sends, one per line, each written whole. With `path` it makes a recording that the
/// replay source plays back (`RecordingFormat`): every line carries `time` (wall-clock seconds), and a
/// `declare` line precedes a source's telemetry whenever its layout first appears or changes.
public struct StdoutSink: Sink {
    public static let typeName = "stdout"
    public static let summary = "NDJSON lines (telemetry, status, events, sessionInfo) to standard output or a file"
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    let id: String
    let config: StdoutConfig
    let context: PluginContext

    public init(id: String, config: StdoutConfig, context: PluginContext) {
        self.id = id
        self.config = config
        self.context = context
    }

    public func run(input: SinkInput) async throws {
        let writer: LineWriter
        if let path = config.path {
            do {
                writer = try LineWriter(appendingTo: context.resolvePath(path))
            } catch {
                throw PluginError("stdout sink '\(id)': \(error)")
            }
        } else {
            writer = LineWriter()
        }
        let recording = config.path != nil
        var selections: [String: ResolvedSelection] = [:]
        var failureLogged = false
        let labels = [("sink", id)]
        let linesWritten = context.metrics.counter("broker_stdout_lines_total", help: "NDJSON lines written.", labels: labels)
        let writeErrors = context.metrics.counter("broker_stdout_write_errors_total", help: "Lines that could not be written.", labels: labels)

        for await message in input.messages() {
            var line: [UInt8]
            switch message {
            case let .frame(hub, frame):
                let selection: ResolvedSelection
                line = []
                if let cached = selections[hub.id], cached.layout === frame.layout {
                    selection = cached
                } else {
                    selection = config.variables.resolve(sourceID: hub.id, layout: frame.layout, registry: context.registry)
                    selections[hub.id] = selection
                    if recording {
                        line = RecordingFormat.declareLine(sourceID: hub.id, selection: selection, registry: context.registry, time: frame.timestamp)
                        line.append(UInt8(ascii: "\n"))
                    }
                }
                line +=
                    recording
                    ? RecordingFormat.telemetryLine(sourceID: hub.id, frame: frame, selection: selection)
                    : BrokerMessages.telemetry(sourceID: hub.id, frame: frame, selection: selection)
            case .status:
                guard config.status else { continue }
                line = BrokerMessages.status(of: input.sources, time: recording ? wallClockNow() : nil)
            case let .event(hub, event):
                guard config.events else { continue }
                line = BrokerMessages.event(sourceID: hub.id, event: event, includeTime: recording)
            case let .sessionInfo(hub, info):
                line = BrokerMessages.sessionInfo(sourceID: hub.id, info: info, includeTime: recording)
            case let .eventsMissed(hub, count):
                context.logger.warning("stdout sink '\(id)' fell behind and missed \(count) events of source '\(hub.id)'")
                continue
            }
            line.append(UInt8(ascii: "\n"))
            switch await writer.write(line) {
            case .success:
                linesWritten.increment()
            case let .failure(error):
                writeErrors.increment()
                if !failureLogged {
                    failureLogged = true
                    context.logger.error("stdout sink '\(id)' cannot write: \(error); dropping output from now on")
                }
            }
        }
        await writer.close()
    }
}
