import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `target` key as the user wrote it: a host (name, IPv4 or IPv6 literal) and a port.
///
/// Parsed when the config loads, so a malformed target is a config error with its line and column;
/// names are resolved only when the sink starts (`resolve()`).
public struct UDPTarget: Sendable, Equatable, CustomStringConvertible {
    /// The host without brackets; an IPv6 literal may carry a `%interface` zone.
    public var host: String
    public var port: Int
    /// True when written as `[v6]:port`.
    public var isBracketed: Bool

    /// `host:port`, or `[v6]:port`.
    public var description: String { isBracketed ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension UDPTarget {
    /// Parses `host:port` or `[v6]:port`; the error says what is wrong and shows the expected form.
    public init(parsing text: String) throws(UDPTargetError) {
        let example = "expected host:port, e.g. 192.168.1.255:9999, or [ipv6]:port"
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw UDPTargetError("target '\(text)' has '[' without ']' (\(example))")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw UDPTargetError("target '\(text)' lacks ':port' after ']' (\(example))") }
            portPart = rest.dropFirst()
            guard Self.isIPv6Literal(String(hostPart)) else {
                throw UDPTargetError("target '\(text)': '\(hostPart)' in brackets is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw UDPTargetError("target '\(text)' has no port (\(example))") }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") {
                throw UDPTargetError("target '\(text)': an IPv6 address needs brackets, e.g. [\(hostPart)]:\(portPart)")
            }
            guard !hostPart.isEmpty else { throw UDPTargetError("target '\(text)' has no host (\(example))") }
            guard hostPart.utf8.allSatisfy(Self.isHostNameByte) else {
                throw UDPTargetError("target '\(text)': '\(hostPart)' is not a host name or IPv4 address")
            }
        }
        guard !portPart.isEmpty, portPart.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let port = Int(portPart), (1...65535).contains(port)
        else {
            throw UDPTargetError("target '\(text)': port must be a number between 1 and 65535, found '\(portPart)'")
        }
        self.host = String(hostPart)
        self.port = port
        isBracketed = text.hasPrefix("[")
    }

    private static func isHostNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    private static func isIPv6Literal(_ text: String) -> Bool {
        let address = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
        var scratch = in6_addr()
        return inet_pton(AF_INET6, address, &scratch) == 1
    }

    /// Resolves the host (blocking: call it off the cooperative pool) and classifies the address.
    ///
    /// When a name has both IPv4 and IPv6 addresses, IPv4 wins: most receivers bind `0.0.0.0`.
    public func resolve() throws(UDPTargetError) -> ResolvedUDPTarget {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        #else
        hints.ai_socktype = SOCK_DGRAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            throw UDPTargetError("cannot resolve target host '\(host)': \(reason)")
        }
        defer { freeaddrinfo(list) }

        var ipv4: sockaddr_in?
        var ipv6: sockaddr_in6?
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = current.pointee.ai_addr {
                if current.pointee.ai_family == AF_INET, ipv4 == nil, current.pointee.ai_addrlen >= MemoryLayout<sockaddr_in>.size {
                    ipv4 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
                } else if current.pointee.ai_family == AF_INET6, ipv6 == nil,
                    current.pointee.ai_addrlen >= MemoryLayout<sockaddr_in6>.size
                {
                    ipv6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self)
                }
            }
            entry = current.pointee.ai_next
        }
        if let ipv4 {
            let firstOctet = withUnsafeBytes(of: ipv4.sin_addr) { $0[0] }
            return ResolvedUDPTarget(target: self, address: SocketAddress(ipv4, host: host), isMulticast: (224...239).contains(firstOctet))
        }
        if let ipv6 {
            let firstByte = withUnsafeBytes(of: ipv6.sin6_addr) { $0[0] }
            return ResolvedUDPTarget(target: self, address: SocketAddress(ipv6, host: host), isMulticast: firstByte == 0xFF)
        }
        throw UDPTargetError("cannot resolve target host '\(host)': no IPv4 or IPv6 address")
    }
}

/// A target resolved to an address, and whether it is a multicast group (which takes a TTL).
///
/// Broadcast is not told apart from unicast: a directed broadcast address (`192.168.1.255`) looks
/// like any other without the interface's netmask, so every IPv4 socket is allowed to broadcast.
public struct ResolvedUDPTarget: Sendable {
    public let target: UDPTarget
    public let address: SocketAddress
    public let isMulticast: Bool

    public var isIPv6: Bool {
        if case .v6 = address { return true }
        return false
    }
}

/// A target that cannot be parsed or resolved; the message names it and says why.
public struct UDPTargetError: Error, CustomStringConvertible, Equatable {
    public var description: String
    init(_ description: String) { self.description = description }
}
