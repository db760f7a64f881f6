import BrokerCore
import MockSource
import ReplaySource
import StdoutSink

/// The plugins compiled into the broker. Adding a plugin is one line here (and its target in
/// Package.swift); nothing is discovered at run time.
public enum BuiltinPlugins {
    public static let catalog = PluginCatalog(
        sources: [
            SourcePlugin(MockSource.self),
            SourcePlugin(ReplaySource.self),
        ],
        sinks: [
            SinkPlugin(StdoutSink.self),
        ]
    )
}
