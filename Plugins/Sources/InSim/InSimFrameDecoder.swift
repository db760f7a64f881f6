import NIOCore

/// Splits the InSim TCP byte stream into packets: read the Size byte, take Size x 4 bytes.
///
/// A Size byte of 0 cannot be framed past, and a stream that ends inside a packet lost data, so
/// both are errors that end the connection; the packet's own checks happen in `InSimDecoder`.
public struct InSimFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let sizeByte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .needMoreData }
        guard sizeByte != 0 else { throw InSimDecodingError.zeroSize }
        let length = Int(sizeByte) * 4
        guard let packet = buffer.readSlice(length: length) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(packet))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0, let sizeByte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            let received = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: received)
            throw InSimDecodingError.truncated(expected: Int(sizeByte) * 4, received: received)
        }
        return .needMoreData
    }
}
