import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scripted LFS InSim host on 127.0.0.1 (ephemeral port) that speaks the TCP protocol:
/// it answers IS_ISI with IS_VER and TINY_PING with TINY_REPLY, replies to other TINY requests with
/// scripted packets, sends keep-alives
/// and, like LFS after 70 s, closes a client that stays silent too long. Tests push live packets
/// with `send` and read what the client sent.
public final class FakeLFSHost: Sendable {
    /// How the host treats one connection (by its 0-based index).
    public struct Behaviour: Sendable {
        /// Answer IS_ISI with an IS_VER (echoing its ReqI).
        public var replyToInit = true
        public var versionProduct = "S3"
        public var insimVersion: UInt8 = 10
        /// Close the connection as soon as it is accepted.
        public var closeOnConnect = false
        /// Raw bytes (bad input, for instance) sent after the reply to the client's first TINY_PING,
        /// which the source sends after its start requests: the client has nothing more to write, so
        /// a close that follows reaches it as a clean end of stream, not a reset.
        public var afterHandshake: [UInt8] = []
        /// Close right after sending `afterHandshake`.
        public var closeAfterHandshake = false
        /// Send IS_TINY TINY_NONE this often.
        public var keepAliveInterval: Double?
        /// Close the client when it sends nothing for this long.
        public var silenceTimeout: Double?
        /// Packets sent in reply to an IS_TINY request, by subtype; their ReqI is set to the request's.
        public var responses: [UInt8: [[UInt8]]] = [:]
        /// Live traffic after the handshake: every `interval` seconds, `packets(step)` for step 0, 1, 2...
        public var periodic: Periodic?

        public struct Periodic: Sendable {
            public var interval: Double
            public var packets: @Sendable (Int) -> [[UInt8]]

            public init(interval: Double, packets: @escaping @Sendable (Int) -> [[UInt8]]) {
                self.interval = interval
                self.packets = packets
            }
        }

        public init(
            replyToInit: Bool = true, versionProduct: String = "S3", insimVersion: UInt8 = 10, closeOnConnect: Bool = false,
            afterHandshake: [UInt8] = [], closeAfterHandshake: Bool = false, keepAliveInterval: Double? = nil, silenceTimeout: Double? = nil,
            responses: [UInt8: [[UInt8]]] = [:], periodic: Periodic? = nil
        ) {
            self.replyToInit = replyToInit
            self.versionProduct = versionProduct
            self.insimVersion = insimVersion
            self.closeOnConnect = closeOnConnect
            self.afterHandshake = afterHandshake
            self.closeAfterHandshake = closeAfterHandshake
            self.keepAliveInterval = keepAliveInterval
            self.silenceTimeout = silenceTimeout
            self.responses = responses
            self.periodic = periodic
        }
    }

    private let core: Core
    private let server: any Channel
    public let port: Int

    /// Monotonic seconds, for deadlines in tests.
    public static func now() -> Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    private static let origin = ContinuousClock.now

    /// Listens on `port` (0: an ephemeral one).
    public init(port: Int = 0, behaviour: @escaping @Sendable (Int) -> Behaviour = { _ in Behaviour() }) async throws {
        let core = Core(behaviour: behaviour)
        self.core = core
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(core: core))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        self.port = server.localAddress?.port ?? 0
    }

    public func stop() async {
        try? await server.close()
        for client in core.clients { try? await client.close() }
    }

    /// Goes away as a killed LFS would: every connection reset (RST, whatever is in flight is lost)
    /// and the port closed.
    public func kill() async {
        try? await server.close()
        for client in core.clients {
            try? await (client as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            try? await client.close()
        }
    }

    // MARK: - Observation

    public var connectionCount: Int { core.state.withLock { $0.connections.count } }
    public var connectionTimes: [Double] { core.state.withLock { $0.connectionTimes } }
    public var closedForSilenceCount: Int { core.state.withLock { $0.connections.filter(\.closedForSilence).count } }

    /// The packets connection `index` has sent so far.
    public func received(connection index: Int) -> [[UInt8]] {
        core.state.withLock { $0.connections.indices.contains(index) ? $0.connections[index].received : [] }
    }

    /// Sends raw bytes to the newest connection.
    public func send(_ bytes: [UInt8]) async throws {
        guard let channel = core.clients.last else { throw ChannelError.ioOnClosedChannel }
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    public func send(_ packets: [[UInt8]]) async throws { try await send(packets.flatMap { $0 }) }

    /// Closes the newest connection from the host's side.
    public func dropClient() async {
        try? await core.clients.last?.close()
    }

    // MARK: - Per connection

    /// What the connection handlers share: the script and what happened so far.
    private final class Core: Sendable {
        struct Connection {
            var channel: any Channel
            var received: [[UInt8]] = []
            var lastReceived: Double
            var closedForSilence = false
        }

        struct State {
            var connections: [Connection] = []
            public var connectionTimes: [Double] = []
        }

        let state = Mutex(State())
        let behaviour: @Sendable (Int) -> Behaviour

        init(behaviour: @escaping @Sendable (Int) -> Behaviour) { self.behaviour = behaviour }

        var clients: [any Channel] { state.withLock { $0.connections.map(\.channel) } }

        func accepted(_ channel: any Channel) -> (index: Int, behaviour: Behaviour) {
            let index = state.withLock { state -> Int in
                state.connections.append(Connection(channel: channel, lastReceived: FakeLFSHost.now()))
                state.connectionTimes.append(FakeLFSHost.now())
                return state.connections.count - 1
            }
            return (index, behaviour(index))
        }

        func record(_ packet: [UInt8], connection index: Int) {
            state.withLock {
                $0.connections[index].received.append(packet)
                $0.connections[index].lastReceived = FakeLFSHost.now()
            }
        }

        func silentFor(connection index: Int) -> Double { state.withLock { FakeLFSHost.now() - $0.connections[index].lastReceived } }

        func markClosedForSilence(connection index: Int) { state.withLock { $0.connections[index].closedForSilence = true } }
    }

    private final class ConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        // Touched only on the channel's event loop.
        private let core: Core
        private var index = 0
        private var behaviour = Behaviour()
        private var pending: [UInt8] = []
        private var pinged = false
        private var timers: [RepeatedTask] = []

        init(core: Core) { self.core = core }

        private func write(_ context: ChannelHandlerContext, _ bytes: [UInt8]) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
        }

        func channelActive(context: ChannelHandlerContext) {
            (index, behaviour) = core.accepted(context.channel)
            if behaviour.closeOnConnect {
                context.close(promise: nil)
                return
            }
            let channel = context.channel
            if let interval = behaviour.keepAliveInterval {
                let amount = TimeAmount.nanoseconds(Int64(interval * 1e9))
                timers.append(
                    channel.eventLoop.scheduleRepeatedTask(initialDelay: amount, delay: amount) { _ in
                        channel.writeAndFlush(ByteBuffer(bytes: LFSPacket.tiny(0)), promise: nil)
                    })
            }
            if let timeout = behaviour.silenceTimeout {
                let core = self.core
                let index = self.index
                timers.append(
                    channel.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(20), delay: .milliseconds(20)) { task in
                        if core.silentFor(connection: index) > timeout {
                            core.markClosedForSilence(connection: index)
                            channel.close(promise: nil)
                            task.cancel()
                        }
                    })
            }
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            for timer in timers { timer.cancel() }
            timers = []
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += Array(unwrapInboundIn(data).readableBytesView)
            while let sizeByte = pending.first, sizeByte > 0, pending.count >= Int(sizeByte) * 4 {
                let packet = Array(pending[0..<(Int(sizeByte) * 4)])
                pending.removeFirst(packet.count)
                core.record(packet, connection: index)
                respond(to: packet, context: context)
            }
        }

        private func startPeriodic(_ periodic: Behaviour.Periodic, channel: any Channel) {
            let amount = TimeAmount.nanoseconds(Int64(periodic.interval * 1e9))
            let counter = StepCounter()
            timers.append(
                channel.eventLoop.scheduleRepeatedTask(initialDelay: amount, delay: amount) { _ in
                    let current = counter.next()
                    channel.writeAndFlush(ByteBuffer(bytes: periodic.packets(current).flatMap { $0 }), promise: nil)
                })
        }

        private func respond(to packet: [UInt8], context: ChannelHandlerContext) {
            let type = packet[1]
            let requestID = packet[2]
            if type == 1, behaviour.replyToInit {
                write(context, LFSPacket.version(requestID: requestID, product: behaviour.versionProduct, insimVersion: behaviour.insimVersion))
                if let periodic = behaviour.periodic { startPeriodic(periodic, channel: context.channel) }
            } else if type == 3, requestID != 0, packet[3] == 3 {
                write(context, LFSPacket.tiny(4, requestID: requestID))  // TINY_PING answered with TINY_REPLY, as LFS does
                if !pinged {
                    pinged = true
                    if !behaviour.afterHandshake.isEmpty { write(context, behaviour.afterHandshake) }
                    if behaviour.closeAfterHandshake { context.close(promise: nil) }
                }
            } else if type == 3, requestID != 0, let replies = behaviour.responses[packet[3]] {
                for var reply in replies {
                    reply[2] = requestID
                    write(context, reply)
                }
            }
        }
    }
}

/// Counts the periodic steps of one connection.
private final class StepCounter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}
