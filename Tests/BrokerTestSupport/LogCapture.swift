import Logging
import Synchronization

/// Everything a plugin logs, kept so a test can check what a user would read (and what must never
/// appear, such as a token): each line's level, its message, and the line as a backend would print
/// it with its metadata and error.
public final class LogCapture: Sendable {
    public struct Line: Sendable {
        public let level: Logger.Level
        public let message: String
        /// The message followed by its metadata (`key=value`, sorted) and error.
        public let text: String
    }

    private let captured = Mutex<[Line]>([])

    public init() {}

    public var lines: [Line] { captured.withLock { $0 } }

    public var messages: [String] { lines.map(\.message) }

    /// Messages at warning level or above.
    public var warnings: [String] { messages(atLeast: .warning) }

    public func messages(atLeast level: Logger.Level) -> [String] { lines.filter { $0.level >= level }.map(\.message) }

    public func messages(exactly level: Logger.Level) -> [String] { lines.filter { $0.level == level }.map(\.message) }

    public func count(at level: Logger.Level) -> Int { lines.filter { $0.level == level }.count }

    /// A logger writing every level into this capture.
    public var logger: Logger { logger(level: .trace) }

    /// A logger at `level` writing into this capture.
    public func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "test-capture") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
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
            let message = event.message.description
            let fields = metadata.merging(event.metadata ?? [:]) { $1 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let error = event.error.map { ["error=\($0)"] } ?? []
            let line = Line(level: event.level, message: message, text: ([message] + fields + error).joined(separator: " "))
            capture.captured.withLock { $0.append(line) }
        }
    }
}
