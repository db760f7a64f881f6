import ArgumentParser
import BrokerCore
import BuiltinPlugins

/// `broker plugins [TYPE]`: list the plugin types, or print one's sample config.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List source, processor and sink types, or print one type's sample config.")

    @Argument(help: "A plugin type, e.g. mock or websocket.")
    var type: String?

    func run() async throws {
        let catalog = BuiltinPlugins.catalog
        guard let type else {
            let width = (catalog.sources.map(\.typeName) + catalog.processors.map(\.typeName) + catalog.sinks.map(\.typeName)).map(\.count).max() ?? 8
            print("Sources:")
            for plugin in catalog.sources { print("  \(plugin.typeName.padding(toLength: width, withPad: " ", startingAt: 0))  \(plugin.summary)") }
            print("Processors:")
            for plugin in catalog.processors {
                print("  \(plugin.typeName.padding(toLength: width, withPad: " ", startingAt: 0))  \(plugin.summary)")
            }
            print("Sinks:")
            for plugin in catalog.sinks { print("  \(plugin.typeName.padding(toLength: width, withPad: " ", startingAt: 0))  \(plugin.summary)") }
            print("\n`broker plugins TYPE` prints a sample config for TYPE.")
            return
        }
        if let sample = catalog.source(type)?.sampleConfig ?? catalog.processor(type)?.sampleConfig ?? catalog.sink(type)?.sampleConfig {
            print(sample, terminator: sample.hasSuffix("\n") ? "" : "\n")  // the file as it is, so `> config.yaml` copies it
            return
        }
        let known = catalog.sources.map(\.typeName) + catalog.processors.map(\.typeName) + catalog.sinks.map(\.typeName)
        var message = "unknown plugin type '\(type)'"
        if let hint = closestMatches(to: type, in: known).first { message += " (did you mean '\(hint)'?)" }
        throw CLIError(message + "; known types: \(known.joined(separator: ", "))")
    }
}

extension String {
    func padding(toLength length: Int, withPad pad: String, startingAt: Int) -> String {
        count >= length ? self : self + String(repeating: pad, count: length - count)
    }
}
