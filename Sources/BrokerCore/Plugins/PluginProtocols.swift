import Logging

/// A plugin's configuration: decoded from the plugin's YAML mapping with defaults for absent keys.
///
/// Decode optional keys with `container.value(_:default:)` (and `in:` for ranges) so a bad value is
/// reported with its line and column while the rest of the file is still checked.
public protocol PluginConfig: Decodable, Sendable {
    /// Ports the plugin will listen on, so two plugins on one port are caught when the config loads.
    var listeningPorts: [ListeningPort] { get }
}

extension PluginConfig {
    public var listeningPorts: [ListeningPort] { [] }
}

/// A port a plugin binds, and the config key that set it (for the error's position).
public struct ListeningPort: Sendable, Hashable {
    public enum Transport: String, Sendable { case tcp, udp }
    public var transport: Transport
    public var port: Int
    public var key: String

    public init(_ transport: Transport, _ port: Int, key: String = "port") {
        self.transport = transport
        self.port = port
        self.key = key
    }
}

/// Which variables a source type can provide, for `broker vars` and the README's tables.
public enum ProvidedVariables: Sendable {
    /// Every catalogue variable (the sim declares its own set at run time).
    case catalogue
    /// These catalogue names.
    case names([String])
    /// These variables, catalogue names or the source's own (with type, unit and description).
    case variables([VariableInfo])
}

/// What the core gives every plugin instance besides its config.
public struct PluginContext: Sendable {
    public var logger: Logger
    public var registry: VariableRegistry
    public var clock: any BrokerClock
    /// The folder of the config file, against which relative paths in it are resolved.
    public var configDirectory: String
    /// For sources: adds hubs for the remote sources the source relays (nil for sinks and processors).
    public var hubFactory: SourceHubFactory?

    public init(
        logger: Logger, registry: VariableRegistry, clock: any BrokerClock = SystemClock(), configDirectory: String = ".",
        hubFactory: SourceHubFactory? = nil
    ) {
        self.logger = logger
        self.registry = registry
        self.clock = clock
        self.configDirectory = configDirectory
        self.hubFactory = hubFactory
    }

    /// `path` made absolute against the config's folder.
    public func resolvePath(_ path: String) -> String {
        path.hasPrefix("/") ? path : (configDirectory == "." ? path : configDirectory + "/" + path)
    }
}

/// A telemetry producer: a sim connection, a file replay, the mock.
///
/// `run` declares variables on its hub, publishes frames, status, events and session info, and
/// returns promptly once its task is cancelled. It reports a lost sim through the hub's status and
/// keeps retrying rather than throwing; it throws only for a fault that retrying cannot fix.
public protocol Source: Sendable {
    associatedtype Config: PluginConfig
    /// The `type:` value in config files.
    static var typeName: String { get }
    /// One line for `broker plugins`.
    static var summary: String { get }
    /// A commented example, valid YAML that `broker validate` accepts as a config file.
    static var sampleConfig: String { get }
    static var providedVariables: ProvidedVariables { get }

    init(id: String, config: Config, context: PluginContext) throws
    func run(output: SourceHub) async throws
}

/// A telemetry consumer: a server for clients, a file, a network publisher.
///
/// `run` delivers what `input` provides until its task is cancelled, then flushes and returns
/// promptly. It throws when it cannot start (a port in use) with a message naming the problem.
public protocol Sink: Sendable {
    associatedtype Config: PluginConfig
    static var typeName: String { get }
    static var summary: String { get }
    static var sampleConfig: String { get }
    /// The sink's own default rate in frames/s per source; nil takes the broker's `rate`.
    static var defaultRate: Double? { get }

    init(id: String, config: Config, context: PluginContext) throws
    func run(input: SinkInput) async throws
}

extension Sink {
    public static var defaultRate: Double? { nil }
}

/// An error a plugin reports to the user as one line (a port in use, a file that cannot be read).
public struct PluginError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A stage on a source's publish path that adds derived variables to the source's own frames (race
/// positions, gaps, fuel), so every sink and client sees them like the sim's variables.
///
/// The broker makes one instance per source it is attached to. When the source declares (again),
/// `variables(for:)` says what to add (nothing when the inputs are missing; never a name the source
/// already provides), then `bind(_:)` gets the frames' layout: the source's fields followed by the
/// added ones, which alone it may write. `process` then sees every frame in order, reads the source's values and writes its
/// own in place. It runs before the frame is shared, so it must be cheap and must not allocate per
/// frame in steady state. A throw or an overrun of the budget is counted and reported in the
/// source's status; the frame is still published, the processor's values in it null.
public protocol Processor: AnyObject, SendableMetatype {
    associatedtype Config: PluginConfig
    static var typeName: String { get }
    static var summary: String { get }
    static var sampleConfig: String { get }
    /// Every variable the processor can add, for `broker vars`, config checks and its README.
    static var providedVariables: [VariableInfo] { get }

    init(id: String, sourceID: String, config: Config, context: PluginContext) throws
    /// The variables to add to frames in `source`'s layout.
    func variables(for source: FrameLayout) -> [VariableInfo]
    /// The layout of every frame from now on; state tied to the previous layout starts over.
    func bind(_ binding: ProcessorBinding)
    /// One frame: reads the source's values and writes the added ones into `row`.
    func process(_ row: ProcessorRow, events: inout ProcessorEvents) throws
}
