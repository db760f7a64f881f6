import BrokerCore
import Logging
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
        var clientID: String
        var username: String?
        var password: String?
        var qos: MQTTQoS
        var keepAliveSeconds: Int
        var retainStatus: Bool
        var maxInFlight: Int
        var reconnect: MQTTReconnectPolicy
        var sinkID: String
    }

    /// How one connection ended.
    enum Outcome: Sendable, Equatable {
        /// The task was cancelled; the session said goodbye.
        case stopped
        /// No TCP connection, or no CONNACK.
        case unreachable(String)
        /// The server answered CONNACK with a refusal.
        case refused(MQTTConnectReturnCode)
        /// An accepted connection ended.
        case lost(String, connectedFor: Double)
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
    private let current = Mutex<MQTTConnection?>(nil)

    /// How often a connection's task wakes to check keep-alive and handshake deadlines.
    static let tick = TimeAmount.milliseconds(250)
    /// How long the server has to answer CONNECT.
    static let handshakeTimeout = 10.0
    /// A connection that lasted this long resets the backoff to `min_s`.
    static let stableAfterSeconds = 10.0

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
                logger.error("mqtt sink '\(settings.sinkID)': a message on '\(message.topic.prefix(80))' is too large for MQTT (\(message.payload.count) bytes); dropped")
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
        var delay = settings.reconnect.minimumSeconds
        var hasConnected = false
        var failedAttempts = 0
        /// The problem last logged, so a repeating one is logged once.
        var reported: String?
        statistics.update { $0.sessions += 1 }
        defer { statistics.update { $0.sessions -= 1 } }

        while !Task.isCancelled {
            let outcome = await connectAndServe(isReconnect: hasConnected, failedAttempts: failedAttempts)
            switch outcome {
            case .stopped:
                return
            case let .unreachable(reason):
                failedAttempts += 1
                if reported != reason {
                    reported = reason
                    logger.warning("mqtt sink '\(settings.sinkID)': cannot connect to \(settings.server): \(reason); retrying with backoff")
                } else {
                    logger.debug("mqtt sink '\(settings.sinkID)': attempt \(failedAttempts) to reach \(settings.server) failed: \(reason)")
                }
            case let .refused(code):
                failedAttempts += 1
                let message = "the server refused the connection: \(code.meaning) (CONNACK return code \(code.rawValue))"
                if reported != message {
                    reported = message
                    logger.error("mqtt sink '\(settings.sinkID)': \(settings.server) as '\(settings.clientID)': \(message)")
                }
            case let .lost(reason, connectedFor):
                hasConnected = true
                failedAttempts = 0
                reported = nil
                if connectedFor >= Self.stableAfterSeconds { delay = settings.reconnect.minimumSeconds }
                logger.warning("mqtt sink '\(settings.sinkID)': lost connection to \(settings.server): \(reason); reconnecting")
                logger.debug("mqtt sink '\(settings.sinkID)': \(statistics.snapshot)")
            }
            // Full jitter on the upper half, so brokers cut off together do not return together.
            let pause = delay * Double.random(in: 0.5...1.0)
            delay = min(delay * 2, settings.reconnect.maximumSeconds)
            do {
                try await clock.sleep(until: clock.now() + pause)
            } catch {
                return
            }
        }
    }

    /// One connection from TCP connect to its end.
    func connectAndServe(isReconnect: Bool, failedAttempts: Int) async -> Outcome {
        let (events, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let state = MQTTConnectionState(wake: wake, statistics: statistics)
        let connection: MQTTConnection
        do {
            connection = try await MQTTConnection.open(to: settings.server, state: state, group: group)
        } catch is CancellationError {
            return .stopped
        } catch {
            return .unreachable(describeConnectionError(error))
        }
        let ticker = connection.channel.eventLoop.scheduleRepeatedTask(initialDelay: Self.tick, delay: Self.tick) { _ in wake.yield() }
        current.withLock { $0 = connection }
        defer {
            ticker.cancel()
            current.withLock { $0 = nil }
            waker.withLock { $0 = nil }
            connection.abort()
        }
        var iterator = events.makeAsyncIterator()

        // Handshake: CONNECT, then wait for CONNACK (or a close, a timeout, a cancellation).
        connection.send([.connect(connectPacket())])
        let handshakeDeadline = clock.now() + Self.handshakeTimeout
        while state.handshake == .waiting {
            if let failure = state.failure { return .unreachable(failure) }
            if clock.now() >= handshakeDeadline { return .unreachable("no CONNACK within \(Int(Self.handshakeTimeout)) s") }
            if await iterator.next() == nil { return .stopped }
        }
        if case let .refused(code) = state.handshake { return .refused(code) }

        let connectedAt = clock.now()
        statistics.update {
            $0.connectedSessions += 1
            if isReconnect { $0.reconnects += 1 }
        }
        defer { statistics.update { $0.connectedSessions -= 1 } }
        if isReconnect || failedAttempts > 0 {
            logger.info("mqtt sink '\(settings.sinkID)': connected to \(settings.server) as '\(settings.clientID)' after \(failedAttempts + 1) attempts")
        } else {
            logger.info("mqtt sink '\(settings.sinkID)': connected to \(settings.server) as '\(settings.clientID)'")
        }
        republishRetained()
        waker.withLock { $0 = wake }

        let keepAlive = Double(settings.keepAliveSeconds)
        var lastPingAt = connectedAt
        while true {
            if Task.isCancelled {
                await sayGoodbye(on: connection, state: state)
                return .stopped
            }
            if let failure = state.failure {
                let unacknowledged = state.takeInFlight()
                let discarded = outbox.withLock { $0.putBack(unacknowledged) }
                if discarded > 0 { statistics.update { $0.dropped += UInt64(discarded) } }
                return .lost(failure, connectedFor: clock.now() - connectedAt)
            }
            var packets: [MQTTClientPacket] = []
            let now = clock.now()
            if keepAlive > 0 {
                if let sentAt = state.pingSentAt {
                    if now - sentAt > keepAlive {
                        state.end("no PINGRESP within \(settings.keepAliveSeconds) s")
                        continue
                    }
                } else if now - lastPingAt >= keepAlive / 2 {
                    state.pingSent(at: now)
                    lastPingAt = now
                    packets.append(.pingreq)
                }
            }
            packets += takePublishable(state: state, writable: connection.channel.isWritable)
            connection.send(packets, statistics: statistics)
            if await iterator.next() == nil { continue }
        }
    }

    /// PUBLISH packets for the waiting messages, as many as the in-flight window and the socket's
    /// buffer allow.
    private func takePublishable(state: MQTTConnectionState, writable: Bool) -> [MQTTClientPacket] {
        guard writable else { return [] }
        var packets: [MQTTClientPacket] = []
        var budget = settings.qos == .atLeastOnce ? settings.maxInFlight - state.inFlightCount : Int.max
        while budget > 0, let message = outbox.withLock({ $0.takeNext() }) {
            var publish = MQTTPublish(topic: message.topic, payload: message.payload, qos: settings.qos, retain: message.retain)
            if settings.qos == .atLeastOnce { publish.packetID = state.registerInFlight(message) }
            packets.append(.publish(publish))
            budget -= 1
        }
        return packets
    }

    /// Publishes the offline status (a clean DISCONNECT suppresses the will) and disconnects.
    private func sayGoodbye(on connection: MQTTConnection, state: MQTTConnectionState) async {
        var goodbye = MQTTPublish(topic: statusTopic, payload: offlineStatus(reason: "broker stopped"), qos: settings.qos, retain: settings.retainStatus)
        if settings.qos == .atLeastOnce {
            goodbye.packetID = state.registerInFlight(OutboundMessage(topic: goodbye.topic, payload: goodbye.payload, retain: goodbye.retain, kind: .latest))
        }
        await connection.sendAndClose([.publish(goodbye), .disconnect], grace: .milliseconds(500))
        _ = state.takeInFlight()
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
            will: MQTTPublish(topic: statusTopic, payload: offlineStatus(reason: "broker connection lost"), qos: settings.qos, retain: settings.retainStatus))
    }

    /// The source's `status` object with `connected: false`: the will, and the goodbye.
    func offlineStatus(reason: String) -> [UInt8] {
        let source: JSONValue = .object([("connected", .bool(false)), ("type", .string(hub.typeName)), ("reason", .string(reason))])
        return BrokerMessages.encode(.object([("type", "status"), ("connected", .bool(false)), ("sources", .object([(hub.id, source)]))]))
    }
}
