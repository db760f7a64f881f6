import BrokerCore
import Logging
import MQTTClient
import NIOCore
import NIOPosix
import Synchronization

/// Brings in the sources other brokers publish through their MQTT sinks, each as a
/// source of this broker: a team's engineer station or a league's broadcast PC gathers every
/// driver's broker into one registry, one dashboard, one recording.
///
/// One entry subscribes to `<prefix>/<id>/{declarations,status,sessionInfo,telemetry,event}` for
/// the ids configured (or `+`, all) and adds a hub per remote source through the core's
/// `SourceHubFactory` (`RemoteSources` does the restoring). The entry's own hub reports the
/// connection to the MQTT server. Reconnects with backoff; keeps no state on the server (clean
/// session), so the retained declarations and status restore everything after a reconnect.
public struct MQTTSource: Source {
    public static let typeName = "mqtt"
    public static let summary = "Sources other brokers publish through their MQTT sinks, brought in as sources of this broker"
    public static let providedVariables = ProvidedVariables.catalogue
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    let id: String
    let config: MQTTSourceConfig
    let context: PluginContext
    /// The TLS context for an `mqtts://` server, made (and its files checked) when the source is.
    let tls: MQTTTLSClient?
    let clientID: String
    private let group: any EventLoopGroup

    /// Throws a one-line `PluginError` naming the file when a TLS file cannot be used.
    public init(id: String, config: MQTTSourceConfig, context: PluginContext) throws {
        try self.init(id: id, config: config, context: context, group: MultiThreadedEventLoopGroup.singleton)
    }

    init(id: String, config: MQTTSourceConfig, context: PluginContext, group: any EventLoopGroup) throws {
        self.id = id
        self.config = config
        self.context = context
        self.group = group
        clientID = config.clientID ?? "\(MQTTConnectionOptions.hostClientID)-\(id)"
        do {
            tls = try MQTTTLSClient.make(for: config.server, options: config.tls, context: context)
        } catch {
            throw PluginError("mqtt source '\(id)': \(error.description)")
        }
    }

    var label: String { "mqtt source '\(id)'" }

    public func run(output hub: SourceHub) async throws {
        guard let factory = context.hubFactory else {
            throw PluginError("\(label) needs a broker that can add sources at run time (PluginContext.hubFactory)")
        }
        let drops = DropTally(logger: context.logger, context: "\(label) from \(config.server)")
        let remotes = RemoteSources(
            settings: RemoteSources.Settings(
                topicPrefix: config.topicPrefix, idPrefix: config.idPrefix, maxSources: config.maxSources, silenceSeconds: config.silenceSeconds),
            factory: factory, drops: drops, clock: context.clock)
        try await run(output: hub, remotes: remotes)
    }

    /// `run` with the remote sources given (tests reach them through it).
    func run(output hub: SourceHub, remotes: RemoteSources) async throws {
        let reconnector = MQTTReconnector(
            label: label, server: config.server, clientID: clientID, reconnect: config.reconnect,
            logger: context.logger, clock: context.clock, skipsVerification: tls?.skipsVerification ?? false)
        let link = LinkStatus(hub: hub, server: config.server, remotes: remotes)
        link.update(connected: false, reason: "connecting")
        defer {
            remotes.linkDown("the mqtt source stopped")
            link.update(connected: false, reason: "stopped")
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await watch(remotes: remotes, link: link) }
            await reconnector.run { attempt in
                await connectAndServe(attempt, reconnector: reconnector, remotes: remotes, link: link)
            } afterFailure: { outcome, pause in
                let reason: String
                switch outcome {
                case let .unreachable(text): reason = text
                case let .refused(code): reason = "the server refused the connection: \(code.meaning)"
                case let .lost(text, _): reason = "lost the connection: \(text)"
                case .stopped: reason = "stopped"
                }
                remotes.linkDown("\(label) is not connected to \(config.server): \(reason)")
                link.update(connected: false, reason: reason, retryIn: pause)
            }
            group.cancelAll()
        }
    }

    /// Once a second: remote sources gone silent are marked so, and the entry's status follows the
    /// counts (new remote sources, drops).
    private func watch(remotes: RemoteSources, link: LinkStatus) async {
        let clock = context.clock
        while !Task.isCancelled {
            do { try await clock.sleep(until: clock.now() + 1) } catch { return }
            remotes.checkSilence()
            link.refresh()
        }
    }

    /// One connection: CONNECT, SUBSCRIBE, then messages until it ends.
    private func connectAndServe(
        _ attempt: MQTTReconnector.Attempt, reconnector: MQTTReconnector, remotes: RemoteSources, link: LinkStatus
    ) async -> MQTTConnectionOutcome {
        let (events, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let state = MQTTConnectionState<Never>(wake: wake, onInbound: { remotes.handle($0) })
        let connection: MQTTConnection<Never>
        do {
            connection = try await MQTTConnection.open(to: config.server, tls: tls, state: state, group: group)
        } catch is CancellationError {
            return .stopped
        } catch {
            return .unreachable(describeConnectionError(error))
        }
        let ticker = connection.channel.eventLoop.scheduleRepeatedTask(initialDelay: MQTTConnectionDefaults.tick, delay: MQTTConnectionDefaults.tick)
        { _ in
            wake.yield()
        }
        defer {
            ticker.cancel()
            connection.abort()
        }
        var iterator = events.makeAsyncIterator()
        let connect = MQTTConnect(
            clientID: clientID, cleanSession: true, keepAlive: UInt16(clamping: config.keepAliveSeconds), username: config.username,
            password: config.password.map { Array($0.utf8) })
        let timeout = MQTTConnectionDefaults.handshakeTimeout
        if let refusal = await connection.handshake(connect, events: &iterator, clock: context.clock, timeout: timeout) { return refusal }

        // Subscribe, and wait for the SUBACK.
        let filters = config.topicFilters
        let packetID = state.registerSubscription()
        connection.send([.subscribe(packetID: packetID, subscriptions: filters.map { MQTTSubscription(filter: $0, qos: config.qos) })])
        let deadline = context.clock.now() + timeout
        var results: [MQTTSubscribeResult]?
        while results == nil {
            if let failure = state.failure { return .unreachable(failure) }
            if context.clock.now() >= deadline { return .unreachable("no SUBACK within \(Int(timeout)) s") }
            if await iterator.next() == nil { return .stopped }
            results = state.subscribeResults(packetID)
        }
        let refused = zip(filters, results ?? []).filter { $0.1 == .failure }.map(\.0)
        if refused.count == filters.count {
            return .unreachable("the server refused every subscription (check its access rules for \(config.topicPrefix)/#)")
        }
        let connectedAt = context.clock.now()
        reconnector.reportConnected(attempt)
        if !refused.isEmpty {
            context.logger.warning("\(label): the server refused the subscription to \(refused.joined(separator: ", ")) (check its access rules)")
        }
        remotes.linkUp()
        link.update(connected: true, reason: nil, reconnected: attempt.isReconnect)

        var keepAlive = MQTTKeepAlive(seconds: config.keepAliveSeconds, connectedAt: connectedAt)
        while true {
            if Task.isCancelled {
                await connection.sendAndClose([.disconnect], grace: .milliseconds(500))
                return .stopped
            }
            if let failure = state.failure { return .lost(failure, connectedFor: context.clock.now() - connectedAt) }
            switch keepAlive.step(now: context.clock.now(), state: state) {
            case .timedOut: continue
            case .ping: connection.send([.pingreq])
            case .nothing: break
            }
            if await iterator.next() == nil { continue }
        }
    }
}

/// The entry's own hub: whether this broker is connected to the MQTT server and subscribed, with
/// the server, the remote sources brought in, those ignored and the drops in its status.
final class LinkStatus: Sendable {
    private struct Fields {
        var connected = false
        var reason: String?
        var retryIn: Double?
        var reconnects = 0
    }

    private let hub: SourceHub
    private let server: MQTTServerAddress
    private let remotes: RemoteSources
    private let fields = Mutex(Fields())

    init(hub: SourceHub, server: MQTTServerAddress, remotes: RemoteSources) {
        self.hub = hub
        self.server = server
        self.remotes = remotes
    }

    /// `reconnected`: this connection follows an earlier accepted one (counted in `reconnects`).
    func update(connected: Bool, reason: String?, retryIn: Double? = nil, reconnected: Bool = false) {
        fields.withLock {
            $0.connected = connected
            $0.reason = reason
            $0.retryIn = retryIn
            if reconnected { $0.reconnects += 1 }
        }
        refresh()
    }

    /// Sets the status from the current state and counts (the hub tells consumers only of changes).
    func refresh() {
        let current = fields.withLock { $0 }
        var details: [(String, JSONValue)] = [("server", .string(server.description))]
        details.append(("sources", .array(remotes.localIDs.map { .string($0) })))
        let ignored = remotes.ignoredCount
        if ignored > 0 { details.append(("ignored_sources", .int(Int64(ignored)))) }
        details.append(("reconnects", .int(Int64(current.reconnects))))
        details.append(("dropped", remotes.drops.json))
        if let reason = current.reason { details.append(("reason", .string(reason))) }
        if let retryIn = current.retryIn { details.append(("retry_in_s", .double((retryIn * 10).rounded() / 10))) }
        hub.setStatus(SourceStatus(connected: current.connected, details: details))
    }
}
