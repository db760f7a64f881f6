import MQTTClient
import NIOCore
import NIOPosix
import Synchronization

/// A scripted MQTT server on loopback for what a real one will not do on demand: withhold
/// PUBACKs, ignore PINGREQs, answer with malformed bytes.
final class FakeMQTTServer: Sendable {
    enum Behaviour: Sendable {
        /// Accepts, answers PINGREQ, never acknowledges a PUBLISH.
        case withholdAcknowledgements
        /// Accepts, acknowledges, never answers PINGREQ.
        case ignorePings
        /// Answers CONNECT with these bytes.
        case answerConnect([UInt8])
    }

    struct Observed: Sendable {
        var connections = 0
        var publishes = 0
        var pings = 0
    }

    let behaviour: Behaviour
    private let observed = Mutex(Observed())
    private let channel: any Channel

    var port: Int { channel.localAddress?.port ?? 0 }
    var seen: Observed { observed.withLock { $0 } }

    init(_ behaviour: Behaviour) async throws {
        self.behaviour = behaviour
        let box = ServerBox()
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    guard let server = box.server else { throw ChannelError.ioOnClosedChannel }
                    try child.pipeline.syncOperations.addHandler(FakeSessionHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        box.server = self
    }

    func close() async {
        try? await channel.close()
    }

    func note(_ change: (inout Observed) -> Void) {
        observed.withLock { change(&$0) }
    }
}

/// Lets the child initializer reach the server object created after the bind.
private final class ServerBox: @unchecked Sendable {
    private let lock = Mutex<FakeMQTTServer?>(nil)
    var server: FakeMQTTServer? {
        get { lock.withLock { $0 } }
        set { lock.withLock { $0 = newValue } }
    }
}

/// One client connection to the fake server: splits packets by their fixed header and answers.
private final class FakeSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: FakeMQTTServer
    private var pending = ByteBuffer()

    init(server: FakeMQTTServer) {
        self.server = server
    }

    func channelActive(context: ChannelHandlerContext) {
        server.note { $0.connections += 1 }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        while let first = pending.getInteger(at: pending.readerIndex, as: UInt8.self),
            let length = try? MQTTPacketCoder.readRemainingLength(in: pending, at: pending.readerIndex + 1),
            pending.readableBytes >= 1 + length.byteCount + length.value
        {
            pending.moveReaderIndex(forwardBy: 1 + length.byteCount)
            let body = pending.readSlice(length: length.value) ?? ByteBuffer()
            answer(type: first >> 4, flags: first & 0x0F, body: body, context: context)
        }
    }

    private func answer(type: UInt8, flags: UInt8, body: ByteBuffer, context: ChannelHandlerContext) {
        var reply: [UInt8] = []
        switch (type, server.behaviour) {
        case let (1, .answerConnect(bytes)):
            reply = bytes
        case (1, _):
            reply = [0x20, 0x02, 0x00, 0x00]
        case (3, let behaviour):
            server.note { $0.publishes += 1 }
            let qos = (flags >> 1) & 0x03
            if qos == 1, case .ignorePings = behaviour,
                let topicLength = body.getInteger(at: body.readerIndex, as: UInt16.self),
                let packetID = body.getInteger(at: body.readerIndex + 2 + Int(topicLength), as: UInt16.self)
            {
                reply = [0x40, 0x02, UInt8(packetID >> 8), UInt8(packetID & 0xFF)]
            }
        case (12, let behaviour):
            server.note { $0.pings += 1 }
            if case .ignorePings = behaviour { return }
            reply = [0xD0, 0x00]
        default:
            return
        }
        guard !reply.isEmpty else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: reply)), promise: nil)
    }
}
