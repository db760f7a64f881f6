import BrokerCore
import Logging
import MQTTClient
import NIOCore
import NIOPosix
import Synchronization

/// One source's MQTT session: a connection kept up with reconnects and backoff, its last will on
/// the source's status topic, and the outbox the sink fills without ever waiting.
///
/// A session per source, because MQTT gives each connection one last will, and every source's
/// status topic needs its own to show subscribers a crashed broker as offline.
final class MQTTSession: Sendable {
    /// What the session needs to know besides its source.
    struct Settings: Sendable {
        var server: MQTTServerAddress
        var tls: MQTTTLSClient?
        var clientID: String
        var username: String?
        var password: String?
        var qos: MQTTQoS
        var keepAliveSeconds: Int
        var retainStatus: Bool
        var maxInFlight: Int
        var reconnect: ReconnectDelay
        var sinkID: String
    }

    let hub: SourceHub
    let settings: Settings
    let statusTopic: String
    private let statistics: MQTTStatistics
    private let logger: Logger
    private let clock: any BrokerClock
    private let group: any EventLoopGroup
    private let outbox = Mutex(MQTTOutbox())
    /// The newest retained messages (status, session info), published again on every connection
    /// in case the server lost them.
    private let retained = Mutex<[String: OutboundMessage]>([:])
    /// Wakes the running connection's task when something is put in the outbox.
    private let waker = Mutex<AsyncStream<Void>.Continuation?>(nil)
    /// Topics on which a message was too large for MQTT, each reported once.
    private let reportedOversized = Mutex<Set<String>>([])
    /// The current connection, so tests can cut it as a crash would.
    private let current = Mutex<MQTTConnection<OutboundMessage>?>(nil)

    init(
        hub: SourceHub, settings: Settings, topicPrefix: String, statistics: MQTTStatistics, logger: Logger, clock: any BrokerClock,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.hub = hub
        self.settings = settings
        self.statusTopic = "\(topicPrefix)/\(hub.id)/status"
        self.statistics = statistics
        self.logger = logger
        self.clock = clock
        self.group = group
    }

    // MARK: - Producer side (the sink's feed loop)

    /// Queues a message; never waits. `remember` keeps it to publish again after a reconnect.
    /// A message MQTT cannot carry (a topic over 65535 bytes, a payload near 256 MB) is dropped
    /// here with one error line, so nothing unsendable ever enters the outbox or the QoS 1 window.
    func enqueue(_ message: OutboundMessage, remember: Bool = false) {
        let topicBytes = message.topic.utf8.count
        guard topicBytes <= 0xFFFF, 4 + topicBytes + message.payload.count <= MQTTPacketCoder.maximumRemainingLength else {
            statistics.update { $0.dropped += 1 }
            if reportedOversized.withLock({ $0.insert(message.topic).inserted }) {
                logger.error(
                    "mqtt sink '\(settings.sinkID)': a message on '\(message.topic.prefix(80))' is too large for MQTT (\(message.payload.count) bytes); dropped"
                )
            }
            return
        }
        if remember { retained.withLock { $0[message.topic] = message } }
        let displaced = outbox.withLock { $0.put(message) }
        if displaced > 0 { statistics.update { $0.dropped += UInt64(displaced) } }
        waker.withLock { $0 }?.yield()
    }

    /// How many messages wait to be sent (bounded by the outbox's rules).
    var waitingCount: Int { outbox.withLock { $0.count } }

    /// Closes the current connection without a DISCONNECT, as a crash or a cut cable would.
    func abortConnection() {
        current.withLock { $0 }?.abort()
    }

    // MARK: - Connection loop

    /// Connects, publishes and reconnects with backoff until the task is cancelled; then sends
    /// the final status and DISCONNECT and returns.
    func run() async {
        statistics.update { $0.sessions += 1 }
        defer { statistics.update { $0.sessions -= 1 } }
        let reconnector = MQTTReconnector(
            label: "mqtt sink '\(settings.sinkID)'", server: settings.server, clientID: settings.clientID,
            reconnect: settings.reconnect, logger: logger, clock: clock,
            skipsVerification: settings.tls?.skipsVerification ?? false)
        await reconnector.run { attempt in
            let outcome = await connectAndServe(attempt, reconnector: reconnector)
            if case .lost = outcome { logger.debug("mqtt sink '\(settings.sinkID)': \(statistics.snapshot)") }
            return outcome
        }
    }

    /// One connection from TCP connect to its end.
    func connectAndServe(_ attempt: MQTTReconnector.Attempt, reconnector: MQTTReconnector) async -> MQTTConnectionOutcome {
        let (events, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let statistics = self.statistics
        let state = MQTTConnectionState<OutboundMessage>(wake: wake) { _ in
            statistics.update {
                $0.published += 1
                $0.inFlight -= 1
            }
        }
        let connection: MQTTConnection<OutboundMessage>
        do {
            connection = try await MQTTConnection.open(to: settings.server, tls: settings.tls, state: state, group: group, maximumPublishLength: 0)
        } catch is CancellationError {
            return .stopped
        } catch {
            return .unreachable(describeConnectionError(error))
        }
        let ticker = connection.channel.eventLoop.scheduleRepeatedTask(initialDelay: MQTTConnectionDefaults.tick, delay: MQTTConnectionDefaults.tick)
        { _ in wake.yield() }
        current.withLock { $0 = connection }
        defer {
            ticker.cancel()
            current.withLock { $0 = nil }
            waker.withLock { $0 = nil }
            connection.abort()
        }
        var iterator = events.makeAsyncIterator()
        if let refusal = await connection.handshake(
            connectPacket(), events: &iterator, clock: clock, timeout: MQTTConnectionDefaults.handshakeTimeout)
        {
            return refusal
        }

        let connectedAt = clock.now()
        statistics.update {
            $0.connectedSessions += 1
            if attempt.isReconnect { $0.reconnects += 1 }
        }
        defer { statistics.update { $0.connectedSessions -= 1 } }
        reconnector.reportConnected(attempt)
        republishRetained()
        waker.withLock { $0 = wake }

        var keepAlive = MQTTKeepAlive(seconds: settings.keepAliveSeconds, connectedAt: connectedAt)
        let countWritten: @Sendable (UInt64) -> Void = { count in statistics.update { $0.published += count } }
        while true {
            if Task.isCancelled {
                await sayGoodbye(on: connection, state: state)
                return .stopped
            }
            if let failure = state.failure {
                let unacknowledged = state.takeInFlight()
                statistics.update { $0.inFlight -= unacknowledged.count }
                let discarded = outbox.withLock { $0.putBack(unacknowledged) }
                if discarded > 0 { statistics.update { $0.dropped += UInt64(discarded) } }
                return .lost(failure, connectedFor: clock.now() - connectedAt)
            }
            var packets: [MQTTClientPacket] = []
            switch keepAlive.step(now: clock.now(), state: state) {
            case .timedOut: continue
            case .ping: packets.append(.pingreq)
            case .nothing: break
            }
            packets += takePublishable(state: state, writable: connection.channel.isWritable)
            connection.send(packets, whenWritten: countWritten)
            if await iterator.next() == nil { continue }
        }
    }

    /// PUBLISH packets for the waiting messages, as many as the in-flight window and the socket's
    /// buffer allow.
    private func takePublishable(state: MQTTConnectionState<OutboundMessage>, writable: Bool) -> [MQTTClientPacket] {
        guard writable else { return [] }
        var packets: [MQTTClientPacket] = []
        var budget = settings.qos == .atLeastOnce ? settings.maxInFlight - state.inFlightCount : Int.max
        while budget > 0, let message = outbox.withLock({ $0.takeNext() }) {
            var publish = MQTTPublish(topic: message.topic, payload: message.payload, qos: settings.qos, retain: message.retain)
            if settings.qos == .atLeastOnce {
                publish.packetID = state.registerInFlight(message)
                statistics.update { $0.inFlight += 1 }
            }
            packets.append(.publish(publish))
            budget -= 1
        }
        return packets
    }

    /// Publishes the offline status (a clean DISCONNECT suppresses the will) and disconnects.
    private func sayGoodbye(on connection: MQTTConnection<OutboundMessage>, state: MQTTConnectionState<OutboundMessage>) async {
        var goodbye = MQTTPublish(
            topic: statusTopic, payload: offlineStatus(reason: "broker stopped"), qos: settings.qos, retain: settings.retainStatus)
        if settings.qos == .atLeastOnce {
            goodbye.packetID = state.registerInFlight(
                OutboundMessage(topic: goodbye.topic, payload: goodbye.payload, retain: goodbye.retain, kind: .latest))
            statistics.update { $0.inFlight += 1 }
        }
        await connection.sendAndClose([.publish(goodbye), .disconnect], grace: .milliseconds(500))
        let unacknowledged = state.takeInFlight().count
        statistics.update { $0.inFlight -= unacknowledged }
        logger.debug("mqtt sink '\(settings.sinkID)': disconnected from \(settings.server); \(statistics.snapshot)")
    }

    private func republishRetained() {
        let messages = retained.withLock { Array($0.values) }.sorted { $0.topic < $1.topic }
        outbox.withLock { outbox in
            _ = outbox.putBack(messages.filter { !outbox.isWaiting(topic: $0.topic) })
        }
    }

    func connectPacket() -> MQTTConnect {
        MQTTConnect(
            clientID: settings.clientID, cleanSession: true, keepAlive: UInt16(clamping: settings.keepAliveSeconds),
            username: settings.username, password: settings.password.map { Array($0.utf8) },
            will: MQTTPublish(
                topic: statusTopic, payload: offlineStatus(reason: "broker connection lost"), qos: settings.qos, retain: settings.retainStatus))
    }

    /// The source's `status` object with `connected: false`: the will, and the goodbye.
    func offlineStatus(reason: String) -> [UInt8] {
        let source: JSONValue = .object([("connected", .bool(false)), ("type", .string(hub.typeName)), ("reason", .string(reason))])
        return BrokerMessages.encode(.object([("type", "status"), ("connected", .bool(false)), ("sources", .object([(hub.id, source)]))]))
    }
}
