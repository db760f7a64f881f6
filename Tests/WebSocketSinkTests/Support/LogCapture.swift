import Logging
import Synchronization

/// Everything a sink logs, as text, so a test can check what was (and was not) written: each
/// line's level, message, metadata and error.
final class LogCapture: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        /// The message followed by its metadata (`key=value`), as a log backend would print them.
        var text: String
    }

    private let captured = Mutex<[Line]>([])

    var lines: [Line] { captured.withLock { $0 } }

    /// A logger at `level` writing into this capture.
    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "websocket-sink-capture") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ line: Line) {
        captured.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let error = event.error.map { ["error=\($0)"] } ?? []
            capture.append(Line(level: event.level, text: ([event.message.description] + fields + error).joined(separator: " ")))
        }
    }
}
