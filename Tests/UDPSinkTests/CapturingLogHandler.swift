import Logging
import Synchronization

/// Keeps every log line a plugin writes, so tests can check what it said and how often.
final class LogRecord: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
    }

    private let lines = Mutex<[Line]>([])

    var all: [Line] { lines.withLock { $0 } }

    func append(_ line: Line) { lines.withLock { $0.append(line) } }

    /// A logger writing into this record.
    func logger() -> Logger {
        Logger(label: "udp-test") { _ in CapturingLogHandler(record: self) }
    }
}

struct CapturingLogHandler: LogHandler {
    let record: LogRecord
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        record.append(.init(level: event.level, message: "\(event.message)"))
    }
}
