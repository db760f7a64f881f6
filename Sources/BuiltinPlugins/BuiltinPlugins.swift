import BrokerCore
import IRacingSource
import InSimSource
import MockSource
import MQTTSink
import OutGaugeSource
import ReplaySource
import StdoutSink
import UDPSink
import WebSocketSink

/// The plugins compiled into the broker. Adding a plugin is one line here (and its target in
/// Package.swift); nothing is discovered at run time.
public enum BuiltinPlugins {
    public static let catalog = PluginCatalog(
        sources: [
            SourcePlugin(MockSource.self),
            SourcePlugin(IRacingSource.self),
            SourcePlugin(InSimSource.self),
            SourcePlugin(ReplaySource.self),
            SourcePlugin(OutGaugeSource.self),
        ],
        sinks: [
            SinkPlugin(StdoutSink.self),
            SinkPlugin(UDPSink.self),
            SinkPlugin(WebSocketSink.self),
            SinkPlugin(MQTTSink.self),
        ]
    )
}
