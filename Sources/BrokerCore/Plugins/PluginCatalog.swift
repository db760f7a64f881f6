/// A source type as the core sees it: its names and how to decode and start one.
public struct SourcePlugin: Sendable {
    public let typeName: String
    public let summary: String
    public let sampleConfig: String
    public let providedVariables: ProvidedVariables
    let load: @Sendable (YAMLConfigDecoder) throws -> (any PluginConfig, @Sendable (String, PluginContext) throws -> SourceRunner)

    public init<S: Source>(_ type: S.Type) {
        typeName = S.typeName
        summary = S.summary
        sampleConfig = S.sampleConfig
        providedVariables = S.providedVariables
        load = { decoder in
            let config = try decoder.decode(S.Config.self)
            return (
                config,
                { id, context in
                    let source = try S(id: id, config: config, context: context)
                    return SourceRunner { try await source.run(output: $0) }
                }
            )
        }
    }
}

/// A sink type as the core sees it.
public struct SinkPlugin: Sendable {
    public let typeName: String
    public let summary: String
    public let sampleConfig: String
    public let defaultRate: Double?
    let load: @Sendable (YAMLConfigDecoder) throws -> (any PluginConfig, @Sendable (String, PluginContext) throws -> SinkRunner)

    public init<S: Sink>(_ type: S.Type) {
        typeName = S.typeName
        summary = S.summary
        sampleConfig = S.sampleConfig
        defaultRate = S.defaultRate
        load = { decoder in
            let config = try decoder.decode(S.Config.self)
            return (
                config,
                { id, context in
                    let sink = try S(id: id, config: config, context: context)
                    return SinkRunner { try await sink.run(input: $0) }
                }
            )
        }
    }
}

/// A processor type as the core sees it: its names, what it adds, and how to decode and attach one.
public struct ProcessorPlugin: Sendable {
    public let typeName: String
    public let summary: String
    public let sampleConfig: String
    public let providedVariables: [VariableInfo]
    let load: @Sendable (YAMLConfigDecoder) throws -> (any PluginConfig, ProcessorFactory)

    public init<P: Processor>(_ type: P.Type) {
        typeName = P.typeName
        summary = P.summary
        sampleConfig = P.sampleConfig
        providedVariables = P.providedVariables
        load = { decoder in
            let config = try decoder.decode(P.Config.self)
            return (config, { id, sourceID, context in try P(id: id, sourceID: sourceID, config: config, context: context) })
        }
    }
}

/// Makes a processor instance for one source (processor id, source id, context).
public typealias ProcessorFactory = @Sendable (String, String, PluginContext) throws -> any Processor

/// A started source, ready to run against its hub.
public struct SourceRunner: Sendable {
    public let run: @Sendable (SourceHub) async throws -> Void
}

/// A started sink, ready to run against its input.
public struct SinkRunner: Sendable {
    public let run: @Sendable (SinkInput) async throws -> Void
}

/// The plugin types a broker build knows: the executable passes its built-in list.
public struct PluginCatalog: Sendable {
    public let sources: [SourcePlugin]
    public let sinks: [SinkPlugin]
    public let processors: [ProcessorPlugin]

    public init(sources: [SourcePlugin], sinks: [SinkPlugin], processors: [ProcessorPlugin] = []) {
        self.sources = sources
        self.sinks = sinks
        self.processors = processors
    }

    public func source(_ typeName: String) -> SourcePlugin? { sources.first { $0.typeName == typeName } }

    /// The catalogue's names and every name a source or processor type declares it provides.
    public var knownVariableNames: Set<String> {
        var names = Set(VariableCatalogue.all.map(\.name))
        for source in sources {
            switch source.providedVariables {
            case .catalogue: break
            case let .names(list): names.formUnion(list)
            case let .variables(infos): names.formUnion(infos.map(\.name))
            }
        }
        for processor in processors { names.formUnion(processor.providedVariables.map(\.name)) }
        return names
    }
    public func sink(_ typeName: String) -> SinkPlugin? { sinks.first { $0.typeName == typeName } }
    public func processor(_ typeName: String) -> ProcessorPlugin? { processors.first { $0.typeName == typeName } }
}
