import ArgumentParser
import BrokerCore

/// `broker`: the command line (README.md, "Command line"). Running the broker is the default subcommand, so
/// `broker --config config.yaml` works as the Python bridge's `python main.py` did.
@main
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Serve live sim-racing telemetry to any device: WebSocket JSON, UDP, NDJSON, mDNS.",
        version: BrokerVersion.current,
        subcommands: [RunCommand.self, ValidateCommand.self, PluginsCommand.self, VarsCommand.self],
        defaultSubcommand: RunCommand.self
    )

    /// Like the default entry point, but our own failures print without ArgumentParser's prefix.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            exit(withError: CLIError.report(error))
        } catch {
            exit(withError: error)
        }
    }
}
