import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Enforces the rules of RFC 6455 on client frames that neither NIO's frame decoder nor
/// hummingbird-websocket enforce, and keeps the server silent once its close frame is out.
///
/// Inbound it sits right after the frame decoder, so every client frame passes it before anything
/// else reads it: an unmasked frame (5.1: a server MUST close the connection) and a frame with a
/// reserved bit set (5.2: no extension is negotiated, so none may be) fail the connection with 1002:
/// close frame, then the connection closes, and nothing the client sent after that frame is read.
///
/// Outbound it sees every frame written through the pipeline (replies, pongs, close frames; not
/// the telemetry `DirectFrameWriter` writes next to the socket). Once a close frame has passed,
/// further frames are dropped and the `DirectFrameWriter` is stopped, since after sending a close
/// frame an endpoint MUST NOT send any more data frames (5.5.1).
final class ClientFrameGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Whether the server's close frame has gone out.
    private(set) var closeSent = false
    /// Set once this guard has failed the connection: what follows is not read.
    private var failing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failing else { return }
        let frame = unwrapInboundIn(data)
        guard frame.maskKey != nil, frame.reservedBits.isEmpty else { return fail(context: context) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closeSent else {
            // hummingbird-websocket treats this error as "the connection is already closed".
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if unwrapOutboundIn(data).opcode == .connectionClose { markCloseSent(context: context) }
        context.write(data, promise: promise)
    }

    /// Sends the close frame with 1002 (protocol error) and closes the connection once it is out.
    private func fail(context: ChannelHandlerContext) {
        failing = true
        guard !closeSent else { return context.close(promise: nil) }
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: .protocolError)
        markCloseSent(context: context)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    private func markCloseSent(context: ChannelHandlerContext) {
        closeSent = true
        (try? context.pipeline.syncOperations.handler(type: DirectFrameWriter.self))?.stop()
    }
}

/// Puts a `ClientFrameGuard` after the WebSocket frame decoder at the moment the upgrade has built
/// the WebSocket pipeline: NIO's upgrade handler announces the completed upgrade before it replays
/// the bytes that came with or after the request, so no client frame, however early, reaches
/// anything before the guard. (hummingbird-websocket builds that pipeline itself and offers no
/// hook into it; a guard added when the client's session starts came too late for frames sent
/// together with the request or right after the 101.) Sits at the end of every connection's HTTP
/// pipeline and leaves it after the upgrade.
final class ClientFrameGuardInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let upgrade = event as? HTTPServerUpgradeEvents, case .upgradeComplete = upgrade else {
            return context.fireUserInboundEventTriggered(event)
        }
        let operations = context.pipeline.syncOperations
        do {
            let decoder = try operations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
            try operations.addHandler(ClientFrameGuard(), position: .after(decoder))
        } catch {
            // Without the guard the connection is not served.
            context.close(promise: nil)
        }
        operations.removeHandler(context: context, promise: nil)
        context.fireUserInboundEventTriggered(event)
    }
}
