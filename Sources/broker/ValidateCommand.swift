import ArgumentParser
import BrokerCore

/// `broker validate --config FILE`: check a config without running it; every problem, with places.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a config file; print every error as FILE:LINE:COLUMN: message.")

    @Option(name: .long, help: "Config file to check.")
    var config: String = "config.yaml"

    func run() async throws {
        let loaded = try ConfigSource.load(path: config)
        print(
            "\(config): valid (\(loaded.sources.count) source\(loaded.sources.count == 1 ? "" : "s"), \(loaded.sinks.count) sink\(loaded.sinks.count == 1 ? "" : "s"))"
        )
    }
}
