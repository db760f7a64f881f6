import BrokerTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The WebSocket sink on a free loopback port (mDNS off); the probe is a minimal WebSocket client
/// on a plain socket that upgrades, sends `sub all` and reads frames until a telemetry message.
let websocketFixture = PluginCompliance.SinkFixture(typeName: "websocket") {
    let port = try freeLoopbackPort()
    return PluginCompliance.SinkProbe(
        entry: "type: websocket\nhost: 127.0.0.1\nport: \(port)\nmdns:\n  enabled: false\nrate: 30",
        receiveTelemetry: {
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                if let client = try? MinimalWebSocketClient(port: port) {
                    return try client.firstMessage(startingWith: "{\"type\":\"telemetry\"", after: "sub all", until: deadline)
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw TestSetupError("no telemetry from the websocket sink on 127.0.0.1:\(port) within 20 s")
        })
}

/// Just enough of RFC 6455 to subscribe and read text frames: an upgrade request, one masked text
/// frame out, unmasked frames in.
final class MinimalWebSocketClient {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSetupError("socket() failed") }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw TestSetupError("connect failed")
        }
        let request =
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try write(Array(request.utf8))
        var found = buffer.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound
        while found == nil {
            try receive()
            found = buffer.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound
        }
        let headEnd = found ?? 0
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd)
        guard head.hasPrefix("HTTP/1.1 101") else { throw TestSetupError("upgrade refused: \(head)") }
    }

    deinit { close(descriptor) }

    /// Sends `command`, then returns the first text message that starts with `prefix`.
    func firstMessage(startingWith prefix: String, after command: String, until deadline: Date) throws -> String {
        let payload = Array(command.utf8)
        let mask: [UInt8] = [1, 2, 3, 4]
        try write([0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        while Date() < deadline {
            let text = try nextTextMessage()
            if text.hasPrefix(prefix) { return text }
        }
        throw TestSetupError("no message starting with \(prefix)")
    }

    private func nextTextMessage() throws -> String {
        while true {
            while buffer.count < 2 { try receive() }
            var length = Int(buffer[1] & 0x7F)
            var offset = 2
            if length == 126 {
                while buffer.count < 4 { try receive() }
                length = Int(buffer[2]) << 8 | Int(buffer[3])
                offset = 4
            } else if length == 127 {
                while buffer.count < 10 { try receive() }
                length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
                offset = 10
            }
            while buffer.count < offset + length { try receive() }
            let opcode = buffer[0] & 0x0F
            let payload = Array(buffer[offset..<(offset + length)])
            buffer.removeFirst(offset + length)
            if opcode == 0x1 { return String(decoding: payload, as: UTF8.self) }
            if opcode == 0x8 { throw TestSetupError("the server closed the connection") }
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw TestSetupError("send failed") }
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(descriptor, &chunk, chunk.count, 0)
        guard count > 0 else { throw TestSetupError("the connection ended or timed out") }
        buffer += chunk[..<count]
    }
}
