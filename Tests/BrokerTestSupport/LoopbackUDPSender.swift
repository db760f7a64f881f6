import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain UDP socket that sends datagrams to a loopback port, standing in for a game that sends
/// telemetry (Forza, F1...) in tests.
public final class LoopbackUDPSender: Sendable {
    private let descriptor: Int32
    private let destination: sockaddr_in

    public init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSetupError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        destination = address
    }

    deinit { close(descriptor) }

    public func send(_ bytes: [UInt8]) {
        var address = destination
        _ = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }
}
