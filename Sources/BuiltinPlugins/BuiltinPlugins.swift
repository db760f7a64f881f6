import ACCSource
import BrokerCore
import F1Source
import ForzaSource
import IRacingSource
import InSimSource
import MQTTSink
import MQTTSource
import MockSource
import OutGaugeSource
import RaceProcessor
import ReplaySource
import StdoutSink
import UDPSink
import WebSocketSink
import WebSocketSource

/// The plugins compiled into the broker. Adding a plugin is one line here (and its target in
/// Package.swift); nothing is discovered at run time.
public enum BuiltinPlugins {
    public static let catalog = PluginCatalog(
        sources: [
            SourcePlugin(MockSource.self),
            SourcePlugin(IRacingSource.self),
            SourcePlugin(InSimSource.self),
            SourcePlugin(ReplaySource.self),
            SourcePlugin(WebSocketUpstreamSource.self),
            SourcePlugin(ForzaSource.self),
            SourcePlugin(ACCSource.self),
            SourcePlugin(F1Source.self),
            SourcePlugin(OutGaugeSource.self),
            SourcePlugin(MQTTSource.self),
        ],
        sinks: [
            SinkPlugin(StdoutSink.self),
            SinkPlugin(UDPSink.self),
            SinkPlugin(WebSocketSink.self),
            SinkPlugin(MQTTSink.self),
        ],
        processors: [
            ProcessorPlugin(RaceProcessor.self)
        ]
    )
}
