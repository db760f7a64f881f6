import BrokerCore
import CoreMetrics
import NIOCore
import NIOPosix
import Synchronization

/// The receiving end of a sim that sends telemetry as UDP datagrams (F1, OutGauge, Forza, the
/// InSim source's UDP ports): binds the `listen` address, re-sends every datagram unchanged to the
/// `forward` targets, and hands each datagram to its source as an `IntakeEvent`.
///
/// A game sends to one port and only one program can bind it, so forwarding happens here, before
/// any decoding (a malformed datagram is forwarded too), from one socket per address family, on
/// the receiving event loop: it never waits for a target and never slows the decoder. A source that
/// falls behind by more than `bufferLimit` datagrams loses the newest ones, counted as `overloaded`.
public final class DatagramIntake: Sendable {
    /// What the source's loop receives.
    public enum IntakeEvent: Sendable {
        /// One datagram, as received.
        case datagram([UInt8])
        /// No datagram for `idleTimeout` seconds after at least one arrived: the sim stopped
        /// sending. Sent once per silent spell; the next datagram ends the spell.
        case silence(seconds: Double)
    }

    /// The address actually bound (the port the kernel chose when `listen` asked for 0).
    public let localAddress: SocketAddress
    /// The events, in arrival order. Iterate it once, from the source's `run`.
    public let events: AsyncStream<IntakeEvent>

    private let listenChannel: any Channel
    private let forwarder: DatagramForwarder?
    private let counters: IntakeCounters
    private let watchdog: Task<Void, Never>

    /// How many datagrams may wait for the source before new ones are dropped.
    public static let bufferLimit = 4096

    /// Binds `listen` and resolves the `forward` targets; with a `multicastGroup` (an IPv4 group
    /// such as 239.255.0.1), also joins that group on the interface the routing table picks. Throws
    /// a `PluginError` naming the address when it cannot bind (a port in use) or join, or a target
    /// that does not resolve. With a `source`, arrivals, overflows and forwards are also counted in
    /// its hub's metrics.
    public static func start(
        listen: UDPTarget, forward: [UDPTarget] = [], idleTimeout: Double = 2, clock: any BrokerClock = SystemClock(),
        multicastGroup: String? = nil, label: String, source: SourceHub? = nil
    ) async throws -> DatagramIntake {
        let resolvedTargets: [ResolvedUDPTarget]
        do {
            resolvedTargets = try await resolveOffPool(forward)
        } catch {
            throw PluginError("\(label): forward target: \(error)")
        }
        let (events, continuation) = AsyncStream<IntakeEvent>.makeStream(bufferingPolicy: .bufferingOldest(bufferLimit))
        let counters = IntakeCounters(clock: clock, source: source)
        let handler = IntakeHandler(continuation: continuation, counters: counters)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                // Games send a frame's packets in a burst; room for a few bursts (capped by rmem_max).
                .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 1 << 20)
                .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                }
                .bind(host: listen.host, port: listen.port)
                .get()
        } catch {
            continuation.finish()
            throw PluginError("\(label): cannot listen on UDP \(listen): \(error)")
        }
        if let multicastGroup {
            do {
                guard let multicast = channel as? any MulticastChannel else {
                    throw PluginError("the socket does not support multicast")
                }
                try await multicast.joinGroup(try SocketAddress(ipAddress: multicastGroup, port: 0)).get()
            } catch {
                try? await channel.close()
                continuation.finish()
                throw PluginError("\(label): cannot join multicast group \(multicastGroup) on UDP \(listen): \(error)")
            }
        }
        var forwarder: DatagramForwarder?
        if !resolvedTargets.isEmpty {
            do {
                let opened = try await DatagramForwarder.open(targets: resolvedTargets, eventLoop: channel.eventLoop, source: source)
                handler.forwarder.withLock { $0 = opened }
                forwarder = opened
            } catch {
                try? await channel.close()
                continuation.finish()
                throw PluginError("\(label): cannot open the forwarding socket: \(error)")
            }
        }
        let watchdog = Task {
            let interval = max(0.02, idleTimeout / 8)
            while !Task.isCancelled {
                do { try await clock.sleep(until: clock.now() + interval) } catch { break }
                if let silent = counters.beginSilentSpell(after: idleTimeout) {
                    continuation.yield(.silence(seconds: silent))
                }
            }
        }
        continuation.onTermination = { _ in watchdog.cancel() }
        let fallback = try SocketAddress(ipAddress: "0.0.0.0", port: 0)
        return DatagramIntake(
            localAddress: channel.localAddress ?? fallback, events: events, listenChannel: channel, forwarder: forwarder,
            counters: counters, watchdog: watchdog)
    }

    private init(
        localAddress: SocketAddress, events: AsyncStream<IntakeEvent>, listenChannel: any Channel,
        forwarder: DatagramForwarder?, counters: IntakeCounters, watchdog: Task<Void, Never>
    ) {
        self.localAddress = localAddress
        self.events = events
        self.listenChannel = listenChannel
        self.forwarder = forwarder
        self.counters = counters
        self.watchdog = watchdog
    }

    /// The bound port.
    public var port: Int { localAddress.port ?? 0 }

    /// Datagrams received so far (forwarded or not, decoded or not).
    public var received: UInt64 { counters.received.load(ordering: .relaxed) }

    /// Datagrams dropped because the source fell more than `bufferLimit` behind.
    public var overloaded: UInt64 { counters.overloaded.load(ordering: .relaxed) }

    /// Seconds since the last datagram (nil before the first).
    public var secondsSinceLastDatagram: Double? { counters.age() }

    /// Per forward target, in the order configured.
    public var forwardCounts: [DatagramForwarder.Count] { forwarder?.counts ?? [] }

    /// `{"host:port": {"sent": N, "failed": N}, ...}` for a source's status details.
    public var forwardJSON: JSONValue {
        .object(
            forwardCounts.map { count in
                (count.target, .object([("sent", .int(Int64(count.sent))), ("failed", .int(Int64(count.failed)))]))
            })
    }

    /// Closes the sockets and ends `events`.
    public func close() async {
        watchdog.cancel()
        try? await listenChannel.close()
        await forwarder?.close()
    }

    private static func resolveOffPool(_ targets: [UDPTarget]) async throws -> [ResolvedUDPTarget] {
        guard !targets.isEmpty else { return [] }
        // getaddrinfo blocks: keep it off the cooperative pool.
        return try await NIOThreadPool.singleton.runIfActive { try targets.map { try $0.resolve() } }
    }
}

/// Arrival bookkeeping shared by the event loop (which counts) and the watchdog (which looks).
final class IntakeCounters: Sendable {
    let received = Atomic<UInt64>(0)
    let overloaded = Atomic<UInt64>(0)
    private let clock: any BrokerClock
    /// Last arrival in clock nanoseconds, 0 before the first; the silent flag says whether the
    /// watchdog already reported the current spell.
    private let last = Mutex<(nanos: UInt64, silentReported: Bool)>((0, false))
    /// The same counts in the source's metrics (none without a source).
    private let receivedMetric: Counter?
    private let overloadedMetric: Counter?

    init(clock: any BrokerClock, source: SourceHub?) {
        self.clock = clock
        receivedMetric = source.map { source in
            source.metrics.counter(
                "broker_source_datagrams_total", help: "Datagrams received on a source's UDP port (decoded or not).",
                labels: [("source", source.id)])
        }
        overloadedMetric = source.map { DropTally.counter(source: $0, reason: "overloaded") }
    }

    func arrived() {
        received.wrappingAdd(1, ordering: .relaxed)
        receivedMetric?.increment()
        let now = UInt64(max(1, clock.now() * 1e9))
        last.withLock { $0 = (now, false) }
    }

    func overflowed() {
        overloaded.wrappingAdd(1, ordering: .relaxed)
        overloadedMetric?.increment()
    }

    func age() -> Double? {
        let nanos = last.withLock { $0.nanos }
        return nanos == 0 ? nil : clock.now() - Double(nanos) / 1e9
    }

    /// The spell's length when a silent spell of at least `timeout` seconds starts now.
    func beginSilentSpell(after timeout: Double) -> Double? {
        let now = clock.now()
        return last.withLock { state -> Double? in
            guard state.nanos != 0, !state.silentReported else { return nil }
            let silent = now - Double(state.nanos) / 1e9
            guard silent >= timeout else { return nil }
            state.silentReported = true
            return silent
        }
    }
}

/// Receives on the listening socket: forwards first, then queues the bytes for the source.
final class IntakeHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let continuation: AsyncStream<DatagramIntake.IntakeEvent>.Continuation
    private let counters: IntakeCounters
    /// Set once, right after the listening socket is bound (the forwarder shares its event loop).
    let forwarder = Mutex<DatagramForwarder?>(nil)

    init(continuation: AsyncStream<DatagramIntake.IntakeEvent>.Continuation, counters: IntakeCounters) {
        self.continuation = continuation
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data).data
        counters.arrived()
        forwarder.withLock { $0 }?.forward(buffer)
        if case .dropped = continuation.yield(.datagram(Array(buffer.readableBytesView))) {
            counters.overflowed()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP receive error (e.g. an ICMP message for an earlier send) concerns one datagram; the
        // socket stays usable, so it is not fatal here.
    }
}
