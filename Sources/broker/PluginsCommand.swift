import ArgumentParser
import BrokerCore
import BuiltinPlugins

/// `broker plugins [TYPE]`: list the plugin types, or print one's sample config.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List source, processor and sink types, or print one type's sample config.")

    @Argument(help: "A plugin type, e.g. mock or websocket.")
    var type: String?

    @Option(help: "source, processor or sink: which sample to print when TYPE names several (websocket, mqtt).")
    var kind: PluginKind?

    enum PluginKind: String, ExpressibleByArgument, CaseIterable {
        case source, processor, sink
    }

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
            print("\n`broker plugins TYPE` prints a sample config for TYPE (`--kind sink` for a sink that shares a source's type).")
            return
        }
        let samples: [(PluginKind, String)] = [
            catalog.source(type).map { (.source, $0.sampleConfig) }, catalog.processor(type).map { (.processor, $0.sampleConfig) },
            catalog.sink(type).map { (.sink, $0.sampleConfig) },
        ].compactMap { $0 }
        if let (chosen, sample) = samples.first(where: { kind == nil || $0.0 == kind }) {
            // The others of the same type, named in a comment so the output stays one valid config.
            for (other, _) in samples where other != chosen {
                print("# Also the \(type) \(other): broker plugins \(type) --kind \(other.rawValue)")
            }
            print(sample, terminator: sample.hasSuffix("\n") ? "" : "\n")  // the file as it is, so `> config.yaml` copies it
            return
        }
        if let kind, !samples.isEmpty {
            throw CLIError("'\(type)' is not a \(kind.rawValue) type (it is a \(samples.map(\.0.rawValue).joined(separator: " and a ")))")
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
