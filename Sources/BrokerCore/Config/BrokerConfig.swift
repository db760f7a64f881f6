import Logging

/// A loaded, validated config: the broker settings and every plugin entry ready to start.
public struct BrokerConfig: Sendable {
    public var file: String
    /// Default frames/s per source for sinks that set none.
    public var rate: Double
    public var logLevel: Logger.Level
    public var sources: [SourceEntry]
    public var sinks: [SinkEntry]
    public var processors: [ProcessorEntry] = []

    /// One `sources:` item.
    public struct SourceEntry: Sendable {
        public var id: String
        public var plugin: SourcePlugin
        public var enabled: Bool
        public var config: any PluginConfig
        let instantiate: @Sendable (String, PluginContext) throws -> SourceRunner

        public func makeRunner(context: PluginContext) throws -> SourceRunner { try instantiate(id, context) }
    }

    /// One `sinks:` item.
    public struct SinkEntry: Sendable {
        public var id: String
        public var plugin: SinkPlugin
        public var enabled: Bool
        /// The source ids feeding this sink; nil = all.
        public var sourceIDs: [String]?
        public var rate: Double
        public var config: any PluginConfig
        let instantiate: @Sendable (String, PluginContext) throws -> SinkRunner

        public func makeRunner(context: PluginContext) throws -> SinkRunner { try instantiate(id, context) }
    }

    /// One `processors:` item.
    public struct ProcessorEntry: Sendable {
        public var id: String
        public var plugin: ProcessorPlugin
        public var enabled: Bool
        /// The source ids it is attached to; nil = all.
        public var sourceIDs: [String]?
        /// Longest a frame may take before it counts as over budget.
        public var budget: Duration
        public var config: any PluginConfig
        let instantiate: ProcessorFactory

        /// Whether it runs on the source called `sourceID`.
        public func isAttached(to sourceID: String) -> Bool { enabled && (sourceIDs?.contains(sourceID) ?? true) }

        /// A new instance for one source, wrapped for that source's hub.
        public func attach(to sourceID: String, context: PluginContext) throws -> AttachedProcessor {
            AttachedProcessor(
                id: id, typeName: plugin.typeName, budget: budget, processor: try instantiate(id, sourceID, context), logger: context.logger)
        }
    }
}

/// Command-line settings that change a config before it is checked (README.md, "Command line").
public struct ConfigOverrides: Sendable {
    /// `--test`: replace the configured sources with the mock.
    public var testMode = false
    /// `--rate`: the rate of every sink.
    public var rate: Double?
    /// `--port`: the port of the first WebSocket sink.
    public var port: Int?

    public init(testMode: Bool = false, rate: Double? = nil, port: Int? = nil) {
        self.testMode = testMode
        self.rate = rate
        self.port = port
    }
}
