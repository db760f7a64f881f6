import BrokerCore
import Foundation
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Counts the WebSocket connections admitted and not yet closed, against `max_clients`.
final class ConnectionSlots: Sendable {
    private let used = Atomic<Int>(0)

    func tryReserve(limit: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = used.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() {
        used.subtract(1, ordering: .acquiringAndReleasing)
    }

    var inUse: Int { used.load(ordering: .relaxed) }
}

/// Decides, from the request head of a WebSocket upgrade, whether the client may connect: not
/// too many attempts from its address (429), the right path, a token when any is configured
/// (docs/PROTOCOL.md: 401 otherwise), not too many clients from its address (429) and a free slot (503).
struct AdmissionPolicy: Sendable {
    let path: String
    let tokens: AccessTokens
    let maxClients: Int
    let slots: ConnectionSlots
    /// `max_clients_per_address`, counted in `addressSlots`.
    let maxClientsPerAddress: Int
    let addressSlots: AddressSlots
    /// `max_connects_per_s`, per remote address.
    let throttle: ConnectionThrottle
    let clock: any BrokerClock
    /// Seconds from accepting a connection to having its first request head (then 408).
    let requestHeadTimeout: Double
    let metrics: SinkMetrics
    let logger: Logger

    enum Verdict: Equatable {
        case admit
        /// `retryAfter`: seconds, for the `Retry-After` header.
        case refuse(HTTPResponseStatus, message: String, retryAfter: Int? = nil)
    }

    /// The verdict for an upgrade request from `address` (the remote IP); `.admit` has reserved
    /// slots the caller must give back with `release(address:)`. Attempts are counted first,
    /// whatever their token, so the
    /// limit also slows down anyone guessing tokens.
    func verdict(uri: String, headers: HTTPHeaders, address: String) -> Verdict {
        if let wait = throttle.admit(address: address, now: clock.now()) {
            metrics.upgradesThrottled.increment()
            let message = "too many connection attempts from \(address) (max_connects_per_s is \(Int(throttle.rate))); try again later"
            if !throttle.refusalLogged.exchange(true, ordering: .relaxed) {
                logger.warning("\(message) (further refusals are logged at debug level and counted in metrics)")
            }
            return .refuse(.tooManyRequests, message: message, retryAfter: max(1, Int(wait.rounded(.up))))
        }
        let (requestPath, query) = Self.splitURI(uri)
        guard requestPath == path else {
            return .refuse(.notFound, message: "no WebSocket endpoint at \(requestPath); connect to \(path)")
        }
        if tokens.required, tokens.name(matching: Self.presentedTokens(query: query, headers: headers)) == nil {
            return .refuse(.unauthorized, message: "missing or wrong token: pass it as ?token= or 'Authorization: Bearer'")
        }
        guard addressSlots.tryReserve(address, limit: maxClientsPerAddress) else {
            metrics.upgradesOverAddressLimit.increment()
            let message = "too many clients from \(address) (max_clients_per_address is \(maxClientsPerAddress)); try again later"
            return .refuse(.tooManyRequests, message: message, retryAfter: 5)
        }
        guard slots.tryReserve(limit: maxClients) else {
            addressSlots.release(address)
            return .refuse(.serviceUnavailable, message: "too many clients (max_clients is \(maxClients)); try again later", retryAfter: 5)
        }
        return .admit
    }

    /// Gives back what an admitted connection from `address` held, once it closes.
    func release(address: String) {
        slots.release()
        addressSlots.release(address)
    }

    static func splitURI(_ uri: String) -> (path: String, query: Substring) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, "") }
        return (String(uri[..<mark]), uri[uri.index(after: mark)...])
    }

    /// Every token the request presents: `token=` query values (percent-decoded) and a Bearer
    /// `Authorization` header.
    static func presentedTokens(query: Substring, headers: HTTPHeaders) -> [[UInt8]] {
        presentedTokens(query: query, authorization: headers["authorization"])
    }

    static func presentedTokens(query: Substring, authorization: [String]) -> [[UInt8]] {
        var tokens: [[UInt8]] = []
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "token" else { continue }
            let raw = String(parts[1]).replacingOccurrences(of: "+", with: " ")
            tokens.append(Array((raw.removingPercentEncoding ?? raw).utf8))
        }
        for value in authorization {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { continue }
            tokens.append(Array(trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8))
        }
        return tokens
    }

    /// Compares without an early exit, so the time taken does not tell how much of a guess matched;
    /// it depends only on the configured token's length.
    static func constantTimeEqual(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = presented.count == expected.count ? 0 : 1
        for index in expected.indices {
            difference |= expected[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }
}

/// Sits between the HTTP decoder and the WebSocket upgrader and applies `AdmissionPolicy` to an
/// upgrade request, answering a refusal with a real HTTP status (hummingbird-websocket's own
/// refusal is always 400). It leaves the pipeline after the first request head.
///
/// Until then it also guards the connection's first moments, which nothing else does (the HTTP
/// idle timeout starts only after a first request): a connection that has not sent a whole
/// request head within `AdmissionPolicy.requestHeadTimeout` gets 408 and is closed, and one whose
/// first bytes are not HTTP gets 400 and is closed. Without this, silent, half-sent or garbage
/// connections stayed open for good, each holding a file descriptor.
final class AdmissionGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let policy: AdmissionPolicy
    private var refused = false
    private var deadline: Scheduled<Void>?

    init(policy: AdmissionPolicy) {
        self.policy = policy
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let timeout = policy.requestHeadTimeout
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { [self] in
            guard !refused else { return }
            refused = true
            policy.metrics.badRequests.increment()
            let seconds = timeout.rounded() == timeout ? "\(Int(timeout))" : "\(timeout)"
            refuse(status: .requestTimeout, message: "no request within \(seconds) s", retryAfter: nil, version: .http1_1, context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    /// A request the HTTP decoder cannot parse: 400, then the connection closes. (The error is not
    /// passed on: the upgrader would wait on for a request head that never comes.)
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else { return context.fireErrorCaught(error) }
        guard !refused else { return }
        refused = true
        policy.metrics.badRequests.increment()
        refuse(status: .badRequest, message: "malformed HTTP request", retryAfter: nil, version: .http1_1, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The rest of a refused request is dropped; the connection closes after the response.
        guard !refused else { return }
        guard case let .head(head) = unwrapInboundIn(data), Self.isWebSocketUpgrade(head) else {
            return pass(data, context: context)
        }
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown address"
        switch policy.verdict(uri: head.uri, headers: head.headers, address: address) {
        case .admit:
            let policy = self.policy
            context.channel.closeFuture.whenComplete { _ in policy.release(address: address) }
            pass(data, context: context)
        case let .refuse(status, message, retryAfter):
            refused = true
            policy.metrics.upgradesRefused.increment()
            let remote = context.channel.remoteAddress.map { "\($0)" } ?? "a client"
            policy.logger.debug("refused WebSocket upgrade from \(remote): \(status.code) \(message)")
            refuse(status: status, message: message, retryAfter: retryAfter, version: head.version, context: context)
        }
    }

    private func pass(_ data: NIOAny, context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func refuse(status: HTTPResponseStatus, message: String, retryAfter: Int?, version: HTTPVersion, context: ChannelHandlerContext) {
        var body = context.channel.allocator.buffer(capacity: message.utf8.count + 1)
        body.writeString(message + "\n")
        var headers = HTTPHeaders([
            ("content-type", "text/plain; charset=utf-8"), ("content-length", "\(body.readableBytes)"), ("connection", "close"),
        ])
        if status == .unauthorized { headers.add(name: "www-authenticate", value: "Bearer realm=\"telemetry broker\"") }
        if let retryAfter { headers.add(name: "retry-after", value: "\(retryAfter)") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        // Once the response is out, tell the upgrader the request is over: it closes the
        // connection and reports a quiet end instead of an upgrade failure.
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }

    static func isWebSocketUpgrade(_ head: HTTPRequestHead) -> Bool {
        head.headers["upgrade"].contains { $0.lowercased().contains("websocket") }
    }
}

/// hummingbird-websocket's HTTP/1 + WebSocket child channel with an `AdmissionGate` in front of
/// its upgrader and a `ClientFrameGuardInstaller` behind it, on sockets with a fixed send buffer;
/// with `tls`, behind a TLS handler made from the identity's current context (and a
/// `PlainRequestRefuser` in front of that).
struct GatedWebSocketChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    /// The kernel send buffer of each connection. Fixed rather than auto-tuned (which lets a socket
    /// hold up to 4 MiB on Linux), so a client that stops reading fills it within a fraction of a
    /// second at telemetry rates, its stall is seen at once, and the memory it can hold is bounded.
    /// 128 KiB still carries a full `sub all` stream at 60 Hz over a slow Wi-Fi hop.
    static let socketSendBuffer = 128 * 1024

    let upgradeChannel: HTTP1WebSocketUpgradeChannel
    let policy: AdmissionPolicy
    let tls: TLSIdentity?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let policy = self.policy
        let upgradeChannel = self.upgradeChannel
        return channel.eventLoop.makeCompletedFuture {
            if let tls {
                let operations = channel.pipeline.syncOperations
                try operations.addHandler(PlainRequestRefuser(metrics: policy.metrics))
                try operations.addHandler(NIOSSLServerHandler(context: tls.context))
                try operations.addHandler(TLSHandshakeDeadline(timeout: policy.requestHeadTimeout, metrics: policy.metrics))
            }
        }.flatMap {
            upgradeChannel.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            try channel.syncOptions?.setOption(.socketOption(.so_sndbuf), value: Self.socketSendBuffer)
            let operations = channel.pipeline.syncOperations
            let decoder = try operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try operations.addHandler(AdmissionGate(policy: policy), position: .after(decoder))
            try operations.addHandler(ClientFrameGuardInstaller())
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await upgradeChannel.handle(value: value, logger: logger)
    }
}
