import Foundation
import NIOCore
import NIOPosix

/// What one load client saw: when each telemetry message arrived and which frame it carried.
///
/// Touched only on the client's event loop while the run lasts, read by the main thread after the
/// clients are closed (the group's shutdown orders the two).
final class ClientRecord: @unchecked Sendable {
    /// Monotonic arrival times (seconds), the frame's `seq` and the mock's `SessionTime`, for
    /// telemetry messages that arrived after recording started.
    var arrivals: [Double] = []
    var seqs: [UInt64] = []
    var sessionTimes: [Double] = []
    /// Payload bytes of the recorded messages (the floor server is then run at their mean size).
    var payloadBytes = 0
    var recording = false
    /// Counts every text message as a delivery, not only broker telemetry: the floor server sends
    /// a fixed filler message with no `seq` or `SessionTime`.
    let everyMessageCounts: Bool

    init(everyMessageCounts: Bool) {
        self.everyMessageCounts = everyMessageCounts
    }
    var upgraded = false
    var telemetryBeforeRecording = 0
    var otherMessages = 0
    var errors: [String] = []
}

/// Monotonic seconds (CLOCK_MONOTONIC), comparable across threads of this process.
@inline(__always) func monotonicNow() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

/// A minimal RFC 6455 client over a raw NIO channel (behind a TLS handler for `wss://`): one
/// upgrade request, then it reads server frames (unmasked), answers pings, and sends its masked
/// `sub` command once upgraded.
///
/// It parses only what the benchmark needs out of each telemetry message (`seq` and `SessionTime`),
/// so one process can hold thousands of clients without spending the CPU a full JSON parse costs.
final class LoadClientHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let record: ClientRecord
    private let host: String
    private let path: String
    private let command: String
    private let upgradedPromise: EventLoopPromise<Void>
    private var pending = ByteBuffer()
    private var pendingMessageOpcode: UInt8 = 0

    init(record: ClientRecord, host: String, path: String, command: String, upgraded: EventLoopPromise<Void>) {
        self.record = record
        self.host = host
        self.path = path
        self.command = command
        upgradedPromise = upgraded
    }

    func channelActive(context: ChannelHandlerContext) {
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        pending.writeBuffer(&incoming)
        if !record.upgraded {
            guard let end = pending.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            let headerLength = pending.readableBytesView.distance(from: pending.readableBytesView.startIndex, to: end.upperBound)
            let header = pending.readString(length: headerLength) ?? ""
            guard header.hasPrefix("HTTP/1.1 101") else {
                record.errors.append("upgrade refused: \(header.prefix(40))")
                upgradedPromise.fail(LoadError("upgrade refused: \(header.prefix(40))"))
                context.close(promise: nil)
                return
            }
            record.upgraded = true
            send(opcode: 0x1, payload: Array(command.utf8), context: context)
            upgradedPromise.succeed(())
        }
        parseFrames(context: context)
        pending.discardReadBytes()
    }

    private func parseFrames(context: ChannelHandlerContext) {
        while pending.readableBytes >= 2 {
            let start = pending.readerIndex
            guard let first = pending.getInteger(at: start, as: UInt8.self), let second = pending.getInteger(at: start + 1, as: UInt8.self)
            else { return }
            var headerLength = 2
            var length = Int(second & 0x7F)
            if length == 126 {
                guard let extended = pending.getInteger(at: start + 2, as: UInt16.self) else { return }
                length = Int(extended)
                headerLength = 4
            } else if length == 127 {
                guard let extended = pending.getInteger(at: start + 2, as: UInt64.self) else { return }
                length = Int(extended)
                headerLength = 10
            }
            guard pending.readableBytes >= headerLength + length else { return }
            let opcode = first & 0x0F
            pending.moveReaderIndex(forwardBy: headerLength)
            let payload = pending.readSlice(length: length)!
            switch opcode {
            case 0x1, 0x0: handleText(payload)
            case 0x9: send(opcode: 0xA, payload: Array(payload.readableBytesView), context: context)
            case 0x8: context.close(promise: nil)
            default: break
            }
        }
    }

    private static let seqKey = Array("\"seq\":".utf8)
    private static let sessionTimeKey = Array("\"SessionTime\":".utf8)
    private static let telemetryPrefix = Array("{\"type\":\"telemetry\"".utf8)

    private func handleText(_ payload: ByteBuffer) {
        let now = monotonicNow()
        payload.withUnsafeReadableBytes { bytes in
            guard record.everyMessageCounts || bytes.starts(with: Self.telemetryPrefix) else {
                record.otherMessages += 1
                return
            }
            guard record.recording else {
                record.telemetryBeforeRecording += 1
                return
            }
            record.payloadBytes += bytes.count
            if record.everyMessageCounts {
                record.arrivals.append(now)
                record.seqs.append(0)
                record.sessionTimes.append(.nan)
                return
            }
            let seq = Self.number(after: Self.seqKey, in: bytes, from: 0)
            let sessionTime = Self.number(after: Self.sessionTimeKey, in: bytes, from: 0)
            record.arrivals.append(now)
            record.seqs.append(UInt64(seq ?? 0))
            record.sessionTimes.append(sessionTime ?? .nan)
        }
    }

    /// The decimal number right after `key` (first occurrence), or nil.
    static func number(after key: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Double? {
        let count = bytes.count
        var i = from
        outer: while i + key.count < count {
            for k in 0..<key.count where bytes[i + k] != key[k] {
                i += 1
                continue outer
            }
            var j = i + key.count
            let begin = j
            while j < count, bytes[j] != UInt8(ascii: ","), bytes[j] != UInt8(ascii: "}") { j += 1 }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[begin..<j]), as: UTF8.self)
            return Double(text)
        }
        return nil
    }

    /// Sends one masked frame (RFC 6455: every client frame is masked).
    private func send(opcode: UInt8, payload: [UInt8], context: ChannelHandlerContext) {
        var frame = context.channel.allocator.buffer(capacity: payload.count + 14)
        frame.writeInteger(0x80 | opcode)
        if payload.count < 126 {
            frame.writeInteger(UInt8(0x80 | payload.count))
        } else {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(payload.count))
        }
        let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        frame.writeBytes(mask)
        frame.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset & 3] })
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if record.errors.count < 3 { record.errors.append("\(error)") }
        upgradedPromise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        upgradedPromise.fail(LoadError("connection closed"))
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
