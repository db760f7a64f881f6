#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plain IPv4 UDP socket that sends datagrams to one port on 127.0.0.1: the game's end, for tests
/// of UDP-listening sources. Each `send` returns once the kernel took the datagram.
public final class UDPTestSender: Sendable {
    private let descriptor: Int32
    private let port: Int

    public init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw UDPReceiverError("socket: \(String(cString: strerror(errno)))") }
        self.port = port
    }

    deinit { close(descriptor) }

    public func send(_ bytes: [UInt8]) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        _ = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }
}
