import ArgumentParser
import BrokerCore
import BuiltinPlugins
import CoreMetrics
import Foundation
import Logging

/// `broker [run] --config FILE`: load the config and serve until SIGINT/SIGTERM.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the broker (the default when no subcommand is given).")

    @Option(name: .long, help: "Config file (default: ./config.yaml if present, else a built-in mock + WebSocket config).")
    var config: String?

    @Flag(name: .long, help: "Replace the configured sources with the mock source.")
    var test = false

    @Option(name: .long, help: "Rate of every sink, in messages per second per source.")
    var rate: Double?

    @Option(name: .long, help: "Port of the first WebSocket sink.")
    var port: Int?

    @Option(name: .long, help: "trace, debug, info, warning or error (overrides the config's log_level).")
    var logLevel: Logger.Level?

    func validate() throws {
        if let rate, !(rate > 0 && rate <= 1000) { throw ValidationError("--rate must be above 0 and at most 1000") }
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
    }

    func run() async throws {
        let overrides = ConfigOverrides(testMode: test, rate: rate, port: port)
        let loaded = try ConfigSource.load(path: config, overrides: overrides)
        let level = logLevel ?? loaded.logLevel
        let toJournal = JournalLogHandler.standardErrorIsJournal()
        LoggingSystem.bootstrap { label in
            if toJournal {
                var handler = JournalLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "broker")
        // One registry for the whole process: the broker's hubs and plugins get it explicitly, and
        // anything recording through swift-metrics' global factory lands in it too.
        let metrics = BrokerMetrics()
        MetricsSystem.bootstrap(metrics.factory)
        logger.info(
            "broker \(BrokerVersion.current) starting from \(loaded.file): sources \(loaded.sources.filter(\.enabled).map(\.id)), sinks \(loaded.sinks.filter(\.enabled).map(\.id))"
        )
        do {
            let broker = try Broker(config: loaded, logger: logger, metrics: metrics)
            try await broker.run()
        } catch {
            throw CLIError("\(error)")
        }
        logger.info("broker stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Finds and loads the config for a command, turning load failures into one-line errors.
enum ConfigSource {
    static func load(path: String?, overrides: ConfigOverrides = ConfigOverrides()) throws -> BrokerConfig {
        let loader = ConfigLoader(catalog: BuiltinPlugins.catalog)
        do {
            if let path { return try loader.load(file: path, overrides: overrides) }
            if FileManager.default.fileExists(atPath: "config.yaml") { return try loader.load(file: "config.yaml", overrides: overrides) }
            return try loader.load(text: DefaultConfig.text, file: "<built-in default config>", overrides: overrides)
        } catch let errors as ConfigErrors {
            throw CLIError(errors.description)
        } catch let error as PluginError {
            throw CLIError(error.description)
        }
    }
}

/// A failure reported to the user as it is (no "Error:" prefix, so config errors keep the
/// `FILE:LINE:COLUMN: message` form), on stderr, with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension CLIError {
    /// Prints the message on stderr and returns the exit code to throw.
    static func report(_ error: any Error) -> ExitCode {
        var stderr = StandardError()
        print(error is CLIError ? "\(error)" : "error: \(error)", to: &stderr)
        return ExitCode(1)
    }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
