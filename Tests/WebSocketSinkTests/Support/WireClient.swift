import BrokerTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A frame as the server put it on the wire (RFC 6455 5.2), for the conformance suite to check
/// every bit of it, not only what a client library would pass on.
struct ServerFrame: CustomStringConvertible {
    let fin: Bool
    /// RSV1, RSV2 and RSV3 as the low three bits.
    let reservedBits: UInt8
    let opcode: UInt8
    let masked: Bool
    let payload: [UInt8]

    static let continuation: UInt8 = 0x0, text: UInt8 = 0x1, binary: UInt8 = 0x2
    static let close: UInt8 = 0x8, ping: UInt8 = 0x9, pong: UInt8 = 0xA

    var text: String { String(decoding: payload, as: UTF8.self) }
    var isClose: Bool { opcode == Self.close }
    /// The status code of a close frame (nil when it carries none).
    var closeCode: UInt16? { isClose && payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil }
    /// Whether this is a text frame carrying a JSON message of `type` (`{"type":"pong",...}`).
    func isMessage(type: String) -> Bool { opcode == Self.text && text.contains("\"type\":\"\(type)\"") }

    var description: String {
        "frame(op \(opcode)\(fin ? "" : " no-FIN")\(reservedBits != 0 ? " rsv \(reservedBits)" : "")\(masked ? " masked" : ""), "
            + "\(payload.count) B: \(isClose ? "close \(closeCode.map(String.init) ?? "-")" : String(text.prefix(60))))"
    }
}

/// Builds client frames byte by byte, including the ones a conforming client never sends.
enum ClientFrame {
    /// How the payload length is written: the shortest form (as RFC 6455 5.2 requires), or forced
    /// into the 16-bit or 64-bit extended form.
    enum LengthForm { case shortest, extended16, extended64 }

    static let defaultMask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]

    /// One frame; `mask` nil sends it unmasked (as a server would), `rsv` sets RSV1-3 (low 3 bits).
    static func make(
        opcode: UInt8, payload: [UInt8] = [], fin: Bool = true, rsv: UInt8 = 0, mask: [UInt8]? = defaultMask,
        lengthForm: LengthForm = .shortest
    ) -> [UInt8] {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x7) << 4 | (opcode & 0xF)]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        let length = payload.count
        switch lengthForm {
        case .shortest where length < 126:
            frame.append(maskBit | UInt8(length))
        case .shortest where length < 65536, .extended16:
            frame += [maskBit | 126, UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        default:
            frame.append(maskBit | 127)
            frame += withUnsafeBytes(of: UInt64(length).bigEndian, Array.init)
        }
        guard let mask else { return frame + payload }
        return frame + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    static func text(_ text: String, fin: Bool = true) -> [UInt8] { make(opcode: ServerFrame.text, payload: Array(text.utf8), fin: fin) }

    /// A close frame with `code` (none when nil) and `reason` bytes after it.
    static func close(code: UInt16?, reason: [UInt8] = []) -> [UInt8] {
        make(opcode: ServerFrame.close, payload: (code.map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } ?? []) + reason)
    }
}

/// A WebSocket client over a plain socket to 127.0.0.1: sends exactly the bytes a test gives it
/// and parses every frame the server sends, so a test sees what a library would hide or refuse to
/// produce (unmasked or reserved-bit frames, frames pipelined with the upgrade request...).
final class WireClient {
    let socket: RawSocket
    private var received: [UInt8] = []
    /// Set once a read found the end of the stream (or a reset).
    private(set) var ended = false

    /// Connects and sends the upgrade request, followed in the same write by `pipelined` (frames a
    /// client sends before it has seen the 101); throws unless the answer is 101.
    init(port: Int, pipelined: [UInt8] = []) async throws {
        socket = try RawSocket(port: port)
        try socket.send(Array(RawSocket.upgradeRequest(port: port).utf8) + pipelined)
        let deadline = Date().addingTimeInterval(5)
        while received.firstRange(of: [13, 10, 13, 10]) == nil, !ended, Date() < deadline { await fill() }
        guard let end = received.firstRange(of: [13, 10, 13, 10]) else {
            throw TestSetupError("no HTTP response head: \(String(decoding: received, as: UTF8.self))")
        }
        let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
        received.removeSubrange(..<end.upperBound)
        guard RawSocket.status(of: head) == 101 else { throw TestSetupError("upgrade refused: \(head)") }
    }

    /// Sends bytes; false when the server has already closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool { (try? socket.send(bytes)) != nil }

    /// The next frame, waiting up to `timeout` seconds; nil when the connection ended or the time
    /// ran out first (`ended` tells which).
    func nextFrame(timeout: Double = 5) async -> ServerFrame? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let frame = takeFrame() { return frame }
            guard !ended, Date() < deadline else { return nil }
            await fill()
        }
    }

    /// The next frame that is not a telemetry, status or event message (those arrive whenever the
    /// sink has them); nil as for `nextFrame`.
    func nextNonTelemetryFrame(timeout: Double = 5) async -> ServerFrame? {
        let deadline = Date().addingTimeInterval(timeout)
        while let frame = await nextFrame(timeout: deadline.timeIntervalSinceNow) {
            if !["telemetry", "status", "event"].contains(where: frame.isMessage(type:)) { return frame }
        }
        return nil
    }

    /// Every frame until the server ends the connection, waiting up to `timeout` seconds for the end.
    func framesUntilEnd(timeout: Double = 5) async -> [ServerFrame] {
        var frames: [ServerFrame] = []
        let deadline = Date().addingTimeInterval(timeout)
        while let frame = await nextFrame(timeout: deadline.timeIntervalSinceNow) { frames.append(frame) }
        return frames
    }

    /// Pulls one whole frame off the received bytes, if they hold one.
    private func takeFrame() -> ServerFrame? {
        guard received.count >= 2 else { return nil }
        let masked = received[1] & 0x80 != 0
        var length = Int(received[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard received.count >= 4 else { return nil }
            length = Int(received[2]) << 8 | Int(received[3])
            offset = 4
        } else if length == 127 {
            guard received.count >= 10 else { return nil }
            length = received[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        let mask = masked ? Array(received[offset..<min(offset + 4, received.count)]) : []
        offset += mask.count
        guard mask.count == (masked ? 4 : 0), received.count >= offset + length else { return nil }
        var payload = Array(received[offset..<offset + length])
        if masked { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
        let frame = ServerFrame(
            fin: received[0] & 0x80 != 0, reservedBits: received[0] >> 4 & 0x7, opcode: received[0] & 0xF, masked: masked, payload: payload)
        received.removeSubrange(..<(offset + length))
        return frame
    }

    /// Appends what one read returns, or sleeps a moment when nothing has arrived. (It never
    /// blocks a thread: the sink under test runs on the same few threads as the tests.)
    private func fill() async {
        var poller = pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) > 0 else {
            try? await Task.sleep(for: .milliseconds(5))
            return
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(socket.descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        if count > 0 {
            received += buffer[..<count]
        } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
            ended = true
        }
    }
}

extension WireClient {
    /// Expects the server to have closed the connection (RFC 6455 7.1.7 when it fails it, 7.1.2
    /// when it answers a close): a close frame with `code`, nothing after it, and the TCP
    /// connection closed, all within `timeout` seconds. Returns every frame the server sent meanwhile.
    @discardableResult
    func expectClosed(code: UInt16, timeout: Double = 5, _ name: String, sourceLocation: SourceLocation = #_sourceLocation)
        async -> [ServerFrame]
    {
        let frames = await framesUntilEnd(timeout: timeout)
        let close = frames.firstIndex(where: \.isClose)
        #expect(close.map { frames[$0].closeCode } == code, "\(name): \(frames.suffix(4))", sourceLocation: sourceLocation)
        #expect(close == frames.count - 1, "\(name): frames after the close: \(frames.suffix(4))", sourceLocation: sourceLocation)
        #expect(ended, "\(name): the server left the connection open", sourceLocation: sourceLocation)
        return frames
    }

    /// Expects the connection to be open and serving: a `ping` command is answered with `pong`.
    func expectServing(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        send(ClientFrame.text("ping"))
        let reply = await nextNonTelemetryFrame()
        #expect(
            reply?.isMessage(type: "pong") == true, "\(name): \(reply.map(String.init(describing:)) ?? "nothing")", sourceLocation: sourceLocation)
    }
}
