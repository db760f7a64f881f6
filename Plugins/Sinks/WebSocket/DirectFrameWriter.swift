import NIOCore

/// Server-to-client WebSocket text frames encoded once and written as they are.
///
/// A telemetry message goes to every client of its subscription, so its frame header is added once
/// when the message is encoded rather than by NIO's frame encoder once per client.
enum TextFrame {
    /// `payload` as a whole, unmasked, final text frame (RFC 6455 5.2).
    static func encode(_ payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(payload.count + 10)
        buffer.writeInteger(UInt8(0x81))  // FIN, opcode text
        switch payload.count {
        case ..<126:
            buffer.writeInteger(UInt8(payload.count))
        case ..<65536:
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(payload.count))
        default:
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(payload.count))
        }
        buffer.writeBytes(payload)
        return buffer
    }
}

/// Writes frames encoded by `TextFrame` straight to the client's socket, past the rest of the
/// pipeline: it sits first, next to the socket, so the per-client cost of a telemetry message is
/// one buffer handed to the socket (no `WebSocketFrame` to box, no trip through the outbound
/// handlers, no header to encode). Replies and close frames still go through the whole pipeline;
/// both paths write on the event loop, so messages keep the order in which they were written.
///
/// Used only on the channel's event loop (its context is only touched there).
final class DirectFrameWriter: ChannelOutboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?
    /// Set once the server's close frame has gone out: nothing may follow it (RFC 6455 5.5.1).
    private var stopped = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // The client may have been closed before its session added this writer.
        if (try? context.pipeline.syncOperations.handler(type: ClientFrameGuard.self))?.closeSent == true { stopped = true }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Queues a whole frame; false when the handler has left the pipeline (the channel is closing)
    /// or the server's close frame has gone out.
    func write(_ frame: ByteBuffer) -> Bool {
        guard let context, !stopped else { return false }
        context.write(wrapOutboundOut(frame), promise: nil)
        return true
    }

    /// Refuses every later frame: the server's close frame has gone out.
    func stop() {
        stopped = true
    }

    func flush() {
        context?.flush()
    }
}
