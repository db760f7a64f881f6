import Dispatch
import Foundation
import Synchronization

/// A UDP socket bound to loopback on a free port that collects every datagram it receives, with
/// its arrival time, on a queue of its own until stopped: the far end for tests of UDP senders.
public final class LoopbackUDPReceiver: Sendable {
    public struct Datagram: Sendable {
        public var bytes: [UInt8]
        /// Monotonic seconds.
        public var arrival: Double
        public var text: String { String(decoding: bytes, as: UTF8.self) }
        /// The datagram as a JSON object, or nil when it is not one.
        public var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] }
    }

    public let port: Int
    private let descriptor: Int32
    private let received = Mutex<[Datagram]>([])
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Binds 127.0.0.1 (or ::1) on a port the kernel picks.
    public init(ipv6: Bool = false) throws {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var bufferSize: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufferSize, socklen_t(MemoryLayout<Int32>.size))
        var boundPort: UInt16 = 0
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else {
                close(fd)
                throw TestSetupError("bind [::1]: \(String(cString: strerror(errno)))")
            }
            boundPort = UInt16(bigEndian: address.sin6_port)
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else {
                close(fd)
                throw TestSetupError("bind 127.0.0.1: \(String(cString: strerror(errno)))")
            }
            boundPort = UInt16(bigEndian: address.sin_port)
        }
        descriptor = fd
        port = Int(boundPort)
        DispatchQueue(label: "udp-test-receiver").async { [self] in receiveUntilStopped() }
    }

    deinit {
        stop()
    }

    private func receiveUntilStopped() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !stopRequested.load(ordering: .acquiring) {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count >= 0 {
                let datagram = Datagram(bytes: Array(buffer[..<count]), arrival: Self.now())
                received.withLock { $0.append(datagram) }
            }
        }
        close(descriptor)
        finished.signal()
    }

    /// Stops receiving and closes the socket (waits at most one receive timeout).
    public func stop() {
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
    }

    public var datagrams: [Datagram] { received.withLock { $0 } }

    /// Waits until `done` holds for what has arrived, or `timeout` seconds; returns what arrived.
    public func wait(timeout: Double, until done: ([Datagram]) -> Bool) async throws -> [Datagram] {
        let deadline = Self.now() + timeout
        while Self.now() < deadline {
            let current = datagrams
            if done(current) { return current }
            try await Task.sleep(for: .milliseconds(10))
        }
        return datagrams
    }

    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
