import Logging
import ServiceLifecycle

/// A configured broker: one hub per enabled source (with the processors attached to it), the sinks
/// wired to their hubs, all run as one `ServiceGroup` that stops on SIGINT/SIGTERM.
///
/// Sinks start first and stop last, so on shutdown the sources go quiet before the sinks send their
/// close frames and flush their files. A source that fails is reported and marked disconnected,
/// the broker serves on; a sink that fails (a port in use) stops the broker with its error.
public final class Broker: Sendable {
    public let config: BrokerConfig
    public let registry: VariableRegistry
    /// Every source hub: the configured sources' and those sources add while running.
    public let directory: HubDirectory
    public var hubs: [SourceHub] { directory.hubs }
    private let sourceRunners: [(SourceHub, SourceRunner)]
    private let sinkRunners: [(BrokerConfig.SinkEntry, SinkRunner, SinkInput)]
    private let logger: Logger
    private let clock: any BrokerClock

    /// Instantiates every enabled plugin; throws the first plugin's refusal to start.
    public init(config: BrokerConfig, logger: Logger, clock: any BrokerClock = SystemClock(), registry: VariableRegistry = VariableRegistry()) throws {
        self.config = config
        self.registry = registry
        self.logger = logger
        self.clock = clock
        let directory = Self.directory(of: config.file)
        let hubs = HubDirectory()
        var sources: [(SourceHub, SourceRunner)] = []
        for entry in config.sources where entry.enabled {
            let hub = SourceHub(
                id: entry.id, typeName: entry.plugin.typeName, registry: registry,
                processors: try Self.processors(attachedTo: entry.id, config: config, logger: logger, registry: registry, clock: clock))
            hubs.add(hub)
            var pluginLogger = logger
            pluginLogger[metadataKey: "source"] = "\(entry.id)"
            let factory = SourceHubFactory(origin: entry.id, typeName: entry.plugin.typeName, registry: registry, directory: hubs) { _ in
                // Relayed sources get the processors attached to the entry that relays them.
                try Self.processors(attachedTo: entry.id, config: config, logger: logger, registry: registry, clock: clock)
            }
            let context = PluginContext(logger: pluginLogger, registry: registry, clock: clock, configDirectory: directory, hubFactory: factory)
            sources.append((hub, try entry.makeRunner(context: context)))
        }
        var sinks: [(BrokerConfig.SinkEntry, SinkRunner, SinkInput)] = []
        for entry in config.sinks where entry.enabled {
            var pluginLogger = logger
            pluginLogger[metadataKey: "sink"] = "\(entry.id)"
            let context = PluginContext(logger: pluginLogger, registry: registry, clock: clock, configDirectory: directory)
            let input = SinkInput(sinkID: entry.id, directory: hubs, sourceIDs: entry.sourceIDs, rate: entry.rate, clock: clock)
            sinks.append((entry, try entry.makeRunner(context: context), input))
        }
        self.directory = hubs
        sourceRunners = sources
        sinkRunners = sinks
    }

    /// Runs until SIGINT/SIGTERM (or until the calling task is cancelled), then shuts down within
    /// `shutdownGrace` seconds. Rethrows a sink's failure.
    public func run(handleSignals: Bool = true, shutdownGrace: Double = 1.5) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for (entry, runner, input) in sinkRunners {
            let service = PluginService(name: "sink '\(entry.id)'") { try await runner.run(input) }
            services.append(.init(service: service, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        for (hub, runner) in sourceRunners {
            let logger = self.logger
            let service = PluginService(name: "source '\(hub.id)'") {
                do {
                    try await runner.run(hub)
                } catch is CancellationError {
                } catch {
                    logger.error("source '\(hub.id)' stopped: \(error)")
                    hub.setConnected(false, details: [("reason", .string("\(error)"))])
                }
            }
            services.append(.init(service: service, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
        }
        var configuration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64(shutdownGrace * 1000))
        configuration.maximumCancellationDuration = .milliseconds(300)
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
    }

    /// New instances of the enabled processors attached to the source `sourceID`, in config order.
    static func processors(
        attachedTo sourceID: String, config: BrokerConfig, logger: Logger, registry: VariableRegistry, clock: any BrokerClock
    ) throws -> sending [AttachedProcessor] {
        var processors: [AttachedProcessor] = []
        for processor in config.processors where processor.isAttached(to: sourceID) {
            var processorLogger = logger
            processorLogger[metadataKey: "processor"] = "\(processor.id)"
            processorLogger[metadataKey: "source"] = "\(sourceID)"
            let context = PluginContext(logger: processorLogger, registry: registry, clock: clock, configDirectory: directory(of: config.file))
            processors.append(try processor.attach(to: sourceID, context: context))
        }
        return processors
    }

    static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }
}

/// Adapts a plugin's `run` to swift-service-lifecycle: graceful shutdown cancels it.
struct PluginService: Service {
    let name: String
    let body: @Sendable () async throws -> Void

    init(name: String, body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await body() }
        } catch is CancellationError {
        }
    }
}
