import BrokerCore
import CoreMetrics
import NIOCore
import NIOPosix
import Synchronization

/// Re-sends datagrams unchanged to fixed targets (`forward:` on UDP-listening sources), so the
/// user's other tools keep receiving what the game sends only to the broker.
///
/// One unconnected socket per address family, on the receiving socket's event loop: a write is
/// queued without waiting, and a socket whose send buffer is full drops the datagram (counted as
/// failed) rather than hold the receiver back.
public final class DatagramForwarder: Sendable {
    /// What forwarding to one target achieved so far.
    public struct Count: Sendable, Equatable {
        /// As configured: `host:port`.
        public var target: String
        public var sent: UInt64
        /// Not handed to the socket (its buffer full) or failed in the kernel.
        public var failed: UInt64
    }

    private struct Route: Sendable {
        let target: ResolvedUDPTarget
        let channel: any Channel
        /// The route's counts in the source's metrics (none without a source).
        let sentMetric: Counter?
        let failedMetric: Counter?
    }

    private let routes: [Route]
    /// Per route: datagrams sent and failed.
    private let tallies: Mutex<[(sent: UInt64, failed: UInt64)]>
    private let channels: [any Channel]

    private init(routes: [Route], channels: [any Channel]) {
        self.routes = routes
        self.channels = channels
        tallies = Mutex(routes.map { _ in (0, 0) })
    }

    static func open(targets: [ResolvedUDPTarget], eventLoop: any EventLoop, source: SourceHub?) async throws -> DatagramForwarder {
        var channels: [Bool: any Channel] = [:]
        var routes: [Route] = []
        for target in targets {
            if channels[target.isIPv6] == nil {
                channels[target.isIPv6] = try await DatagramBootstrap(group: eventLoop)
                    .channelOption(ChannelOptions.autoRead, value: false)
                    .channelOption(ChannelOptions.socketOption(.so_broadcast), value: target.isIPv6 ? 0 : 1)
                    .bind(host: target.isIPv6 ? "::" : "0.0.0.0", port: 0)
                    .get()
            }
            let labels = [("source", source?.id ?? ""), ("target", target.target.description)]
            let sent = source?.metrics.counter(
                "broker_source_forwarded_total", help: "Datagrams a source forwarded unchanged, per forward target.", labels: labels)
            let failed = source?.metrics.counter(
                "broker_source_forward_failures_total", help: "Datagrams a source could not forward, per forward target.", labels: labels)
            routes.append(Route(target: target, channel: channels[target.isIPv6]!, sentMetric: sent, failedMetric: failed))
        }
        return DatagramForwarder(routes: routes, channels: Array(channels.values))
    }

    /// Queues `buffer` to every target. Call on the event loop the forwarder was opened on.
    func forward(_ buffer: ByteBuffer) {
        for (index, route) in routes.enumerated() {
            guard route.channel.isActive, route.channel.isWritable else {
                tallies.withLock { $0[index].failed += 1 }
                route.failedMetric?.increment()
                continue
            }
            let promise = route.channel.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { [self] result in
                switch result {
                case .success:
                    tallies.withLock { $0[index].sent += 1 }
                    route.sentMetric?.increment()
                case .failure:
                    tallies.withLock { $0[index].failed += 1 }
                    route.failedMetric?.increment()
                }
            }
            route.channel.writeAndFlush(AddressedEnvelope(remoteAddress: route.target.address, data: buffer), promise: promise)
        }
    }

    /// Per target, in the order configured.
    public var counts: [Count] {
        let tallies = tallies.withLock { $0 }
        return routes.indices.map { index in
            Count(target: routes[index].target.target.description, sent: tallies[index].sent, failed: tallies[index].failed)
        }
    }

    func close() async {
        for channel in channels { try? await channel.close() }
    }
}
