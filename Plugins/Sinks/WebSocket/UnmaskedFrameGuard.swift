import NIOCore
import NIOWebSocket

/// Closes a connection whose client sends an unmasked frame, as RFC 6455 (5.1) requires of a
/// server: close frame 1002, then the connection closes. Neither NIO's frame decoder nor
/// hummingbird-websocket checks the mask bit, so without this such frames were taken as data.
/// It sits right after the frame decoder; `install` puts it there when the client's session
/// starts, just after the 101 goes out (hummingbird-websocket offers no earlier hook), so frames a
/// client pipelines before it has even seen the 101 can still slip through.
final class UnmaskedFrameGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var closing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        guard unwrapInboundIn(data).maskKey == nil else { return context.fireChannelRead(data) }
        closing = true
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: .protocolError)
        let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(close)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Adds a guard after `channel`'s WebSocket frame decoder.
    static func install(on channel: any Channel) async throws {
        try await channel.eventLoop.submit {
            let operations = channel.pipeline.syncOperations
            let decoder = try operations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
            try operations.addHandler(UnmaskedFrameGuard(), position: .after(decoder))
        }.get()
    }
}
