import NIOCore
import NIOPosix
import UDPSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The sink's SwiftNIO datagram channel: opened with the socket options the target needs, and
/// opened again (at most once a second) if a send error made NIO close it.
///
/// Every IPv4 socket may broadcast (SO_BROADCAST only permits it; unicast is unaffected); a
/// multicast target gets its TTL (hop limit on IPv6), other targets the TTL only when configured.
/// The channel never reads: nobody is expected to answer, and stray datagrams are left to the kernel.
final class DatagramSender {
    /// What one `send` achieved.
    struct Outcome {
        var sent: Int
        var failed: Int
        var firstError: (any Error)?
    }

    let destination: ResolvedUDPTarget
    let ttl: Int?
    private var channel: (any Channel)?
    private var reopenNotBefore = -Double.infinity
    static let reopenInterval = 1.0

    init(destination: ResolvedUDPTarget, ttl: Int?) {
        self.destination = destination
        self.ttl = ttl
    }

    /// Opens the channel; throws when no socket can be had at all (e.g. IPv6 disabled).
    func open() async throws {
        channel = try await makeChannel()
    }

    private func makeChannel() async throws -> any Channel {
        var bootstrap = DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.autoRead, value: false)
        if destination.isIPv6 {
            if destination.isMulticast {
                bootstrap = bootstrap.channelOption(
                    ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_multicast_hops),
                    value: SocketOptionValue(ttl ?? UDPConfig.defaultMulticastTTL))
            } else if let ttl {
                bootstrap = bootstrap.channelOption(
                    ChannelOptions.Types.SocketOption(level: .ipv6, name: NIOBSDSocket.Option(rawValue: IPV6_UNICAST_HOPS)),
                    value: SocketOptionValue(ttl))
            }
        } else {
            bootstrap = bootstrap.channelOption(ChannelOptions.socketOption(.so_broadcast), value: 1)
            if destination.isMulticast {
                bootstrap = bootstrap.channelOption(
                    ChannelOptions.ipOption(.ip_multicast_ttl), value: SocketOptionValue(ttl ?? UDPConfig.defaultMulticastTTL))
            } else if let ttl {
                bootstrap = bootstrap.channelOption(
                    ChannelOptions.ipOption(NIOBSDSocket.Option(rawValue: IP_TTL)), value: SocketOptionValue(ttl))
            }
        }
        return try await bootstrap.bind(host: destination.isIPv6 ? "::" : "0.0.0.0", port: 0).get()
    }

    /// Sends `datagrams` in order, in one flush. Never throws: failures are counted in the outcome.
    func send(_ datagrams: [[UInt8]], now: Double) async -> Outcome {
        if channel?.isActive != true {
            channel = nil
            guard now >= reopenNotBefore else {
                return Outcome(sent: 0, failed: datagrams.count, firstError: DatagramSenderError.socketClosed)
            }
            do {
                channel = try await makeChannel()
            } catch {
                reopenNotBefore = now + Self.reopenInterval
                return Outcome(sent: 0, failed: datagrams.count, firstError: error)
            }
        }
        guard let channel else { return Outcome(sent: 0, failed: datagrams.count, firstError: DatagramSenderError.socketClosed) }
        let writes = datagrams.map { datagram in
            channel.write(AddressedEnvelope(remoteAddress: destination.address, data: channel.allocator.buffer(bytes: datagram)))
        }
        channel.flush()
        var outcome = Outcome(sent: 0, failed: 0, firstError: nil)
        for write in writes {
            do {
                try await write.get()
                outcome.sent += 1
            } catch {
                outcome.failed += 1
                if outcome.firstError == nil { outcome.firstError = error }
            }
        }
        if !channel.isActive {
            self.channel = nil
            reopenNotBefore = now + Self.reopenInterval
        }
        return outcome
    }

    func close() async {
        try? await channel?.close()
        channel = nil
    }
}

/// Why a datagram could not even be handed to a socket.
enum DatagramSenderError: Error, CustomStringConvertible {
    case socketClosed

    var description: String { "the socket was closed after a send error; it is reopened within a second" }
}
