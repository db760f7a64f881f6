import BrokerCore
import Logging
import NIOCore
import NIOPosix

/// The Assetto Corsa Competizione source: a client of ACC's broadcasting API (UDP, protocol 4).
///
/// It registers, asks for the entry list and the track, then follows the realtime updates ACC
/// sends every `interval_ms`. A refused registration, no reply, or 5 s of silence after
/// registering marks the source disconnected and registers again after a delay that doubles from
/// `reconnect.min_s` up to `reconnect.max_s`. Malformed messages are dropped and counted.
public struct ACCSource: Source {
    public typealias Config = ACCSourceConfig

    public static let typeName = "acc"
    public static let summary = "Assetto Corsa Competizione broadcasting API (UDP client)"
    public static let providedVariables = ProvidedVariables.variables(ACCVariables.all)
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    /// Timings that are not config keys, shortened by tests.
    public struct Timeouts: Sendable {
        /// A registration without a reply is given up after this long.
        public var registration: Double
        /// This long without a message after registering means ACC has gone.
        public var silence: Double
        /// How often the loop looks at the clock.
        public var tick: Double

        public init(registration: Double = 5, silence: Double = 5, tick: Double = 0.1) {
            self.registration = registration
            self.silence = silence
            self.tick = tick
        }
    }

    let id: String
    let config: ACCSourceConfig
    let context: PluginContext
    let timeouts: Timeouts

    public init(id: String, config: ACCSourceConfig, context: PluginContext) throws {
        self.init(id: id, config: config, context: context, timeouts: Timeouts())
    }

    public init(id: String, config: ACCSourceConfig, context: PluginContext, timeouts: Timeouts) {
        self.id = id
        self.config = config
        self.context = context
        self.timeouts = timeouts
    }

    var endpoint: String { config.host.contains(":") ? "[\(config.host)]:\(config.port)" : "\(config.host):\(config.port)" }

    private enum Input: Sendable {
        case datagram([UInt8])
        case tick
    }

    private enum Phase {
        case registering(since: Double)
        case registered(lastMessage: Double, healthySince: Double)
        case waiting(until: Double)
    }

    public func run(output hub: SourceHub) async throws {
        let label = "acc source '\(id)'"
        let logger = context.logger
        let clock = context.clock
        let layout = hub.declare(ACCVariables.declarations)
        let drops = DropTally(logger: logger, context: "\(label) from \(endpoint)", source: hub)
        let remote: SocketAddress
        do {
            remote = try await NIOThreadPool.singleton.runIfActive { [config] in
                try SocketAddress.makeAddressResolvingHost(config.host, port: config.port)
            }
        } catch {
            throw PluginError("\(label): cannot resolve \(endpoint): \(error)")
        }
        let (inputs, continuation) = AsyncStream<Input>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let channel: any Channel
        do {
            let local = remote.protocol == .inet6 ? "::" : "0.0.0.0"
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ACCDatagramHandler(remote: remote) { continuation.yield(.datagram($0)) })
                    }
                }
                .bind(host: local, port: 0).get()
        } catch {
            throw PluginError("\(label): cannot open a UDP socket: \(error)")
        }
        let ticker = Task {
            while !Task.isCancelled {
                do { try await clock.sleep(until: clock.now() + timeouts.tick) } catch { break }
                continuation.yield(.tick)
            }
        }
        defer { ticker.cancel() }

        func send(_ bytes: [UInt8]) {
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: bytes)), promise: nil)
        }
        var session = ACCSession(layout: layout)
        var backoff = ReconnectBackoff(config.reconnect)
        var lastRefusal: String?
        var details: [(String, JSONValue)] { [("host", .string(endpoint)), ("dropped", drops.json)] }
        func register(now: Double) -> Phase {
            send(
                ACCRequest.register(
                    displayName: config.name, connectionPassword: config.password, updateIntervalMs: Int32(config.intervalMs),
                    commandPassword: config.commandPassword))
            return .registering(since: now)
        }
        /// `healthy`: how long the registration that just failed had worked (0 when it never did).
        func fail(_ reason: String, now: Double, healthy: Double = 0, asError: Bool = false) -> Phase {
            let delay = backoff.nextDelay(afterHealthyFor: healthy)
            if asError {
                logger.error("\(label): \(reason); registering again in \(delay) s")
            } else {
                logger.warning("\(label): \(reason); registering again in \(delay) s")
            }
            hub.setConnected(false, details: [("reason", .string(reason))] + details)
            return .waiting(until: now + delay)
        }

        hub.setConnected(false, details: [("reason", .string("registering"))] + details)
        var phase = register(now: clock.now())
        var packets = 0
        var rateWindowStart = clock.now()
        var packetsPerSecond = 0.0
        for await input in inputs {
            let now = clock.now()
            switch input {
            case .tick:
                switch phase {
                case let .registering(since) where now - since >= timeouts.registration:
                    phase = fail("no reply to the registration within \(Int(timeouts.registration)) s", now: now)
                case let .registered(lastMessage, healthySince) where now - lastMessage >= timeouts.silence:
                    phase = fail("no message for \(Int(timeouts.silence)) s (ACC quit or paused the API)", now: now, healthy: now - healthySince)
                case let .waiting(until) where now >= until:
                    // The status keeps the last failure's reason until the next answer.
                    phase = register(now: now)
                case .registered:
                    if now - rateWindowStart >= 1 {
                        packetsPerSecond = Double(packets) / (now - rateWindowStart)
                        packets = 0
                        rateWindowStart = now
                        hub.setConnected(true, details: statusDetails(session: session, rate: packetsPerSecond) + details)
                    }
                default:
                    break
                }
            case let .datagram(bytes):
                let message: ACCMessage
                do {
                    message = try ACCMessage.decode(bytes)
                } catch {
                    drops.record(error.reason, detail: error.description)
                    continue
                }
                // Before a successful registration only its result counts.
                if case .registering = phase, case .registrationResult = message {} else if case .registered = phase {} else { continue }
                packets += 1
                let outcome = session.handle(message, now: now)
                if let result = outcome.registration {
                    if result.success {
                        lastRefusal = nil
                        phase = .registered(lastMessage: now, healthySince: now)
                        logger.info(
                            "\(label): registered with \(endpoint), connection \(result.connectionID)\(result.isReadOnly ? " (read-only)" : "")")
                        hub.setConnected(true, details: statusDetails(session: session, rate: packetsPerSecond) + details)
                    } else {
                        let reason = "registration refused: \(result.errorMessage.isEmpty ? "no reason given" : result.errorMessage)"
                        // One error line per distinct refusal; repeats while retrying are warnings.
                        phase = fail(reason, now: now, asError: lastRefusal != reason)
                        lastRefusal = reason
                    }
                } else if case let .registered(_, healthySince) = phase {
                    phase = .registered(lastMessage: now, healthySince: healthySince)
                }
                for request in outcome.requests { send(request) }
                if let row = outcome.row { hub.publish(row) }
                for event in outcome.events { hub.emit(event.name, event.data) }
                if outcome.sessionInfoChanged { hub.setSessionInfo(session.sessionInfo) }
            }
        }
        if let connectionID = session.connectionID { send(ACCRequest.unregister(connectionID: connectionID)) }
        try? await channel.close()
    }

    private func statusDetails(session: ACCSession, rate: Double) -> [(String, JSONValue)] {
        [
            ("connection_id", session.connectionID.map { .int(Int64($0)) } ?? .null), ("cars", .int(Int64(session.slots.count))),
            ("track", session.track.map { .string($0.trackName) } ?? .null), ("messages_per_s", .double((rate * 10).rounded() / 10)),
        ]
    }
}

/// Hands datagrams from ACC's address to the source's loop; anything from elsewhere is ignored.
final class ACCDatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let remote: SocketAddress
    private let yield: @Sendable ([UInt8]) -> Void

    init(remote: SocketAddress, yield: @escaping @Sendable ([UInt8]) -> Void) {
        self.remote = remote
        self.yield = yield
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == remote else { return }
        yield(Array(envelope.data.readableBytesView))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable (ACC not running) arrives as a read error: the watchdog handles it.
    }
}
