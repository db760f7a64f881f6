import BrokerCore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The `websocket` sink: live telemetry as JSON over WebSocket, speaking the protocol of the
/// popular Python iRacing bridge (so its clients work unchanged) plus `vars`, `rate` and `events`.
///
/// One Hummingbird server per sink serves the WebSocket endpoint and, on the same port, the
/// dashboard, `/vars`, `/metrics` and `/healthz`. Each source has one `SourceBroadcaster` that fans
/// frames out to every client; each client has a session task that reads its commands. The sink
/// advertises itself over mDNS while it runs.
public struct WebSocketSink: Sink {
    public typealias Config = WebSocketSinkConfig

    public static let typeName = "websocket"
    public static let summary = "WebSocket JSON server for dashboards and apps (the Python iRacing bridge's protocol), with mDNS"
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)
    public static var defaultRate: Double? { nil }

    public let id: String
    public let config: WebSocketSinkConfig
    private let context: PluginContext
    private let boundAddress = BoundAddress()
    /// The certificate and key when `tls` is set, loaded (and checked) when the sink is made.
    let tlsIdentity: TLSIdentity?

    /// Throws a one-line `PluginError` naming the file when `tls` is set and its certificate or key
    /// is missing, unreadable, mismatched or expired.
    public init(id: String, config: WebSocketSinkConfig, context: PluginContext) throws {
        self.id = id
        self.config = config
        self.context = context
        if let tls = config.tls {
            do {
                tlsIdentity = try TLSIdentity(
                    certPath: context.resolvePath(tls.cert), keyPath: context.resolvePath(tls.key), logger: context.logger)
            } catch {
                throw PluginError("websocket sink '\(id)': \(error.message)")
            }
        } else {
            tlsIdentity = nil
        }
    }

    /// The address the sink listens on once `run` has started it (the real port when `port` is 0).
    public var address: SocketAddress? { boundAddress.value.withLock { $0 } }

    public func run(input: SinkInput) async throws {
        let logger = context.logger
        let fanout = Fanout(
            sinkID: id, hubs: input.sources, variables: context.registry, sinkRate: input.rate, clock: input.clock, logger: logger,
            metrics: context.metrics)
        let server = try await startServer(fanout: fanout)
        let advertiser = config.mdns.enabled ? advertise(port: server.port, sources: fanout.sourceIDs) : nil
        let hangups = tlsIdentity?.reloadOnHangup()
        defer { hangups?.cancel() }

        await withTaskGroup(of: Void.self) { group in
            for (index, hub) in fanout.hubs.enumerated() {
                let broadcaster = SourceBroadcaster(index: index, hub: hub, fanout: fanout)
                group.addTask { await broadcaster.run() }
            }
            // Until cancelled (or the server stops): close clients that stopped draining, and serve
            // the sources the broker adds while running (relayed by another source).
            let interval = min(0.25, config.drainTimeout / 4)
            while !Task.isCancelled, !server.hasFailed {
                fanout.evictStalledClients(timeout: config.drainTimeout)
                for (index, hub) in fanout.adopt(input.sources) {
                    let broadcaster = SourceBroadcaster(index: index, hub: hub, fanout: fanout)
                    group.addTask { await broadcaster.run() }
                }
                try? await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            }
            group.cancelAll()
        }

        // Shutdown runs in its own task: this one is cancelled, and the steps below wait.
        let failure = await Task.detached {
            await fanout.closeAllClients(grace: 0.4)
            await advertiser?.withdraw()
            return await server.stop(logger: logger)
        }.value
        if let failure { throw PluginError("websocket sink '\(id)': the server stopped: \(failure)") }
    }

    // MARK: - Server

    /// The running Hummingbird server of a sink, in a service group of its own so it can be shut
    /// down gracefully (cancelling it instead makes Hummingbird log an error).
    private final class RunningServer: Sendable {
        let port: Int
        let group: ServiceGroup
        let task: Task<Void, any Error>
        let stopping: StoppingFlag
        private let failure = Mutex<String?>(nil)

        init(port: Int, group: ServiceGroup, task: Task<Void, any Error>, stopping: StoppingFlag) {
            self.port = port
            self.group = group
            self.task = task
            self.stopping = stopping
        }

        var hasFailed: Bool { failure.withLock { $0 != nil } }

        func recordFailure(_ error: any Error) {
            failure.withLock { $0 = $0 ?? "\(error)" }
        }

        /// How long `stop` waits for the server: its group's graceful period, then cancellation.
        /// With the 0.4 s the clients get for their close handshakes, the sink is done within the
        /// broker's shutdown grace even when the machine is too busy for the server to finish.
        static let stopDeadline = 0.8

        /// Stops the server (its group cancels it if the graceful stop takes too long) and returns
        /// why it had stopped by itself, if it had. Waits at most `stopDeadline`: a server still
        /// winding down then is left to finish on its own rather than holding up the shutdown.
        func stop(logger: Logger) async -> String? {
            let early = failure.withLock { $0 }
            stopping.value.store(true, ordering: .relaxed)
            await group.triggerGracefulShutdown()
            if await !Self.waitForEnd(of: task, atMost: Self.stopDeadline) {
                logger.debug("the server had not stopped \(Self.stopDeadline) s after shutdown began; leaving it to finish")
            }
            return early
        }

        /// Whether `task` ended within `seconds`. (Waiting on a task's result cannot be cancelled,
        /// so the two waits race, and the first to finish answers.)
        private static func waitForEnd(of task: Task<Void, any Error>, atMost seconds: Double) async -> Bool {
            await withCheckedContinuation { continuation in
                let answer = FirstAnswer(continuation)
                Task {
                    _ = await task.result
                    answer.resume(returning: true)
                }
                Task {
                    try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                    answer.resume(returning: false)
                }
            }
        }
    }

    /// Binds the port and starts serving; throws a one-line `PluginError` when the port is taken.
    private func startServer(fanout: Fanout) async throws -> RunningServer {
        let started = StartSignal()
        let router = HTTPEndpoints.router(fanout: fanout, config: config)
        let policy = AdmissionPolicy(
            path: config.path, tokens: AccessTokens(config.namedTokens), maxClients: config.maxClients, slots: ConnectionSlots(),
            maxClientsPerAddress: config.maxClientsPerAddress, addressSlots: AddressSlots(),
            throttle: ConnectionThrottle(rate: Double(config.maxConnectsPerSecond)), clock: fanout.clock,
            requestHeadTimeout: config.requestHeadTimeout, metrics: fanout.metrics, logger: context.logger)
        let maxMessageBytes = config.maxMessageBytes
        let limits = ClientLimits(commandsPerSecond: config.maxCommandsPerSecond, subscriptions: config.maxSubscriptions)
        let clock = fanout.clock
        let webSocket = WebSocketServerConfiguration(
            maxFrameSize: maxMessageBytes, autoPing: .enabled(timePeriod: .seconds(30)), closeTimeout: .seconds(2), validateUTF8: true)
        let serverBuilder = HTTPServerBuilder { responder in
            GatedWebSocketChannel(
                upgradeChannel: HTTP1WebSocketUpgradeChannel(
                    responder: responder, configuration: .init(http1: .init(idleTimeout: .seconds(30)), ws: webSocket)
                ) { head, channel, _ in
                    let tokenName =
                        policy.tokens.required
                        ? policy.tokens.name(uri: head.path ?? "", authorization: head.headerFields[values: .authorization]) : nil
                    return .upgrade([:]) { inbound, outbound, _ in
                        try await Self.serve(
                            channel: channel, inbound: inbound, outbound: outbound, fanout: fanout, clock: clock,
                            maxMessageBytes: maxMessageBytes, limits: limits, tokenName: tokenName)
                    }
                },
                policy: policy, tls: tlsIdentity)
        }
        let stopping = StoppingFlag()
        var serverLogger = Logger(label: "hummingbird") { [base = context.logger] _ in
            ServerLogHandler(base: base.handler, stopping: stopping)
        }
        serverLogger.logLevel = context.logger.logLevel
        serverLogger[metadataKey: "server"] = "hummingbird"
        let app = Application(
            router: router, server: serverBuilder,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil, reuseAddress: true),
            onServerRunning: { channel in started.succeed(channel.localAddress) },
            logger: serverLogger)
        var groupConfiguration = ServiceGroupConfiguration(services: [app], logger: serverLogger)
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(400)
        // No cancellation deadline: ServiceLifecycle enforces one with a fatal error, which on a
        // busy machine crashed the broker at shutdown. `RunningServer.stop` bounds the wait instead.
        groupConfiguration.maximumCancellationDuration = nil
        let group = ServiceGroup(configuration: groupConfiguration)
        // Detached: the server must not see the broker's graceful shutdown before the sink has
        // sent its own close frames (1001); `RunningServer.stop()` shuts it down afterwards.
        let task = Task.detached {
            do {
                try await group.run()
            } catch {
                started.fail(error)
                throw error
            }
        }
        let address: SocketAddress?
        do {
            address = try await started.value()
        } catch {
            await group.triggerGracefulShutdown()
            throw startFailure(error)
        }
        boundAddress.value.withLock { $0 = address }
        let server = RunningServer(port: address?.port ?? config.port, group: group, task: task, stopping: stopping)
        Task.detached {
            if case let .failure(error) = await task.result, !(error is CancellationError) { server.recordFailure(error) }
        }
        return server
    }

    private func startFailure(_ error: any Error) -> PluginError {
        if let error = error as? IOError, error.errnoCode == EADDRINUSE {
            return PluginError("websocket sink '\(id)': port \(config.port) on \(config.host) is already in use")
        }
        if let error = error as? IOError, error.errnoCode == EADDRNOTAVAIL {
            return PluginError("websocket sink '\(id)': cannot listen on \(config.host): no such address on this machine")
        }
        return PluginError("websocket sink '\(id)': cannot listen on \(config.host):\(config.port): \(error)")
    }

    /// One client's life: registered for the broadcasters, greeted with the status, its commands
    /// carried out until it leaves or is closed.
    private static func serve(
        channel: any Channel, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, fanout: Fanout,
        clock: any BrokerClock, maxMessageBytes: Int, limits: ClientLimits, tokenName: String?
    ) async throws {
        let client = ClientConnection(
            id: fanout.registry.makeID(), channel: channel, outbound: outbound, sources: fanout.sources, rate: fanout.sinkRate,
            metrics: fanout.metrics, tokenName: tokenName)
        // Next to the socket, or with TLS just after the TLS handler (so frames are still encrypted).
        try await channel.eventLoop.submit {
            let operations = channel.pipeline.syncOperations
            let handlers: [any ChannelHandler] = [client.frameWriter, WritabilityObserver(client: client, clock: clock)]
            if let tlsHandler = try? operations.handler(type: NIOSSLServerHandler.self) {
                try operations.addHandlers(handlers, position: .after(tlsHandler))
            } else {
                try operations.addHandlers(handlers, position: .first)
            }
        }.get()
        fanout.registry.add(client)
        fanout.metrics.clientsAccepted.increment()
        fanout.logger.debug("client \(client.id) connected from \(client.remoteDescription)\(tokenName.map { " with token '\($0)'" } ?? "")")
        defer {
            fanout.registry.remove(client)
            client.detach(tables: fanout.tables)
            fanout.logger.debug("client \(client.id) disconnected")
        }
        var session = ClientSession(client: client, fanout: fanout, limits: limits)
        try await client.sendReply(fanout.statusMessage())
        for try await message in inbound.messages(maxSize: maxMessageBytes) {
            try await session.receive(message)
        }
    }

    // MARK: - mDNS

    private func advertise(port: Int, sources: [String]) -> MDNSAdvertiser? {
        let service = MDNSAdvertiser.Service(
            name: config.mdns.name ?? MDNSAdvertiser.hostName(), type: config.mdns.type, port: port,
            txt: [("path", config.path), ("version", "1"), ("sources", sources.joined(separator: ","))] + (config.tls == nil ? [] : [("tls", "1")]))
        return MDNSAdvertiser.advertise(service, logger: context.logger)
    }
}

/// A continuation that several racing tasks may try to resume: the first one does.
private final class FirstAnswer: Sendable {
    private let continuation: Mutex<CheckedContinuation<Bool, Never>?>

    init(_ continuation: CheckedContinuation<Bool, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(returning value: Bool) {
        continuation.withLock { $0.take() }?.resume(returning: value)
    }
}

/// Set once the sink is stopping its server.
private final class StoppingFlag: Sendable {
    let value = Atomic<Bool>(false)
}

/// Hummingbird's log output, through the sink's own logger. Once the sink is stopping, what the
/// server reports about connections being cut short (it logs those as errors when a shutdown
/// outlasts its grace period) is expected, and goes to the debug level.
private struct ServerLogHandler: LogHandler {
    var base: any LogHandler
    let stopping: StoppingFlag

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if stopping.value.load(ordering: .relaxed), event.level > .debug {
            guard base.logLevel <= .debug else { return }
            event.level = .debug
        }
        base.log(event: event)
    }
}

/// Where a running sink listens, shared by the copies of the sink value.
private final class BoundAddress: Sendable {
    let value = Mutex<SocketAddress?>(nil)
}

/// Resolves once: with the bound address when the server runs, or with the error that stopped it.
private final class StartSignal: Sendable {
    private struct State {
        var result: Result<SocketAddress?, any Error>?
        var waiter: CheckedContinuation<SocketAddress?, any Error>?
    }

    private let state = Mutex(State())

    func succeed(_ address: SocketAddress?) { resolve(.success(address)) }
    func fail(_ error: any Error) { resolve(.failure(error)) }

    private func resolve(_ result: Result<SocketAddress?, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<SocketAddress?, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> SocketAddress? {
        try await withCheckedThrowingContinuation { continuation in
            let result = state.withLock { state -> Result<SocketAddress?, any Error>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let result { continuation.resume(with: result) }
        }
    }
}
