import BrokerCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization
import TLSClient

/// One TCP (or TLS) connection to the MQTT server: the socket, what the server has told us on it,
/// and the QoS 1 messages awaiting their PUBACK (`Pending` is what the owner keeps for each; a
/// connection that only subscribes uses `Never`).
///
/// The event loop feeds in what the server sends (through `MQTTInboundHandler`); the owner's task
/// reads the outcome and writes. Every change wakes that task through `events`, a coalescing
/// stream, so it never polls and never misses a close.
public struct MQTTConnection<Pending: Sendable>: Sendable {
    public let channel: any Channel
    public let state: MQTTConnectionState<Pending>

    /// How long the TCP connect (and name resolution) may take.
    public static var connectTimeout: TimeAmount { MQTTConnectionDefaults.connectTimeout }

    /// Opens a connection to `server` (with TLS when `tls` is given); returns at once with
    /// `CancellationError` when the task is cancelled meanwhile (a late socket is then closed).
    /// A PUBLISH longer than `maximumPublishLength` is handed on as oversized, its payload skipped.
    public static func open(
        to server: MQTTServerAddress, tls: MQTTTLSClient? = nil, state: MQTTConnectionState<Pending>, group: any EventLoopGroup,
        maximumPublishLength: Int = MQTTConnectionDefaults.maximumPublishLength
    ) async throws -> MQTTConnection {
        let serverName = server.hostIsIPAddress ? nil : server.host
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(MQTTConnectionDefaults.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls.context, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(MQTTPacketDecoder(maximumPublishLength: maximumPublishLength)),
                        MQTTInboundHandler(state: state, awaitsTLSHandshake: tls != nil),
                    ])
                }
            }
        let channel = try await awaitCancellably(bootstrap.connect(host: server.host, port: server.port)) { late in
            late.close(promise: nil)
        }
        return MQTTConnection(channel: channel, state: state)
    }

    /// Encodes `packets` into one buffer and writes it; `whenWritten` gets the number of QoS 0
    /// publishes among them once they are written. (Owners admit only messages MQTT can carry, so
    /// encoding does not fail; a packet that did would be left out rather than sent half-written.)
    public func send(_ packets: [MQTTClientPacket], whenWritten: (@Sendable (UInt64) -> Void)? = nil) {
        guard !packets.isEmpty else { return }
        var buffer = channel.allocator.buffer(capacity: 256)
        var plainPublishes: UInt64 = 0
        for packet in packets {
            guard (try? MQTTPacketCoder.encode(packet, into: &buffer)) != nil else { continue }
            if case let .publish(publish) = packet, publish.qos == .atMostOnce { plainPublishes += 1 }
        }
        let written = channel.writeAndFlush(buffer)
        if let whenWritten, plainPublishes > 0 {
            let count = plainPublishes
            written.whenSuccess { whenWritten(count) }
        }
    }

    /// Sends `packets` (the goodbye), then closes; gives up on the write after `grace`.
    /// Returns once the socket is closed.
    public func sendAndClose(_ packets: [MQTTClientPacket], grace: TimeAmount) async {
        var buffer = channel.allocator.buffer(capacity: 256)
        for packet in packets { try? MQTTPacketCoder.encode(packet, into: &buffer) }
        let channel = self.channel
        let fallback = channel.eventLoop.scheduleTask(in: grace) { channel.close(promise: nil) }
        channel.writeAndFlush(buffer).whenComplete { _ in
            fallback.cancel()
            channel.close(promise: nil)
        }
        try? await channel.closeFuture.get()
    }

    /// Closes the socket without a DISCONNECT, as a crash would (the server then sends the will).
    public func abort() {
        channel.close(promise: nil)
    }

    /// Sends CONNECT and waits for the CONNACK (or a close, a timeout, a cancellation). Nil when
    /// the server accepted; else how the attempt ended.
    public func handshake(
        _ connect: MQTTConnect, events: inout AsyncStream<Void>.AsyncIterator, clock: any BrokerClock, timeout: Double
    ) async -> MQTTConnectionOutcome? {
        send([.connect(connect)])
        let deadline = clock.now() + timeout
        while state.handshake == .waiting {
            if let failure = state.failure { return .unreachable(failure) }
            if clock.now() >= deadline { return .unreachable("no CONNACK within \(Int(timeout)) s") }
            if await events.next() == nil { return .stopped }
        }
        if case let .refused(code) = state.handshake { return .refused(code) }
        return nil
    }
}

/// Limits and timings shared by every connection.
public enum MQTTConnectionDefaults {
    public static let connectTimeout = TimeAmount.seconds(5)
    /// How long the server has to answer CONNECT (and SUBSCRIBE).
    public static let handshakeTimeout = 10.0
    /// How often a connection's task wakes to check keep-alive and handshake deadlines.
    public static let tick = TimeAmount.milliseconds(250)
    /// The largest PUBLISH kept by default: session info of a full iRacing grid is a few hundred
    /// kilobytes; anything beyond this is skipped as it streams past.
    public static let maximumPublishLength = 4 * 1024 * 1024
}

/// How one connection ended.
public enum MQTTConnectionOutcome: Sendable, Equatable {
    /// The task was cancelled; the owner said goodbye.
    case stopped
    /// No TCP (or TLS) connection, or no CONNACK.
    case unreachable(String)
    /// The server answered CONNECT with a refusal.
    case refused(MQTTConnectReturnCode)
    /// An accepted connection ended.
    case lost(String, connectedFor: Double)
}

/// What arrives on a subscription: a message, or one too large to keep (its payload skipped).
public enum MQTTInbound: Sendable, Equatable {
    case message(MQTTPublish)
    case oversized(topic: String, bytes: Int)
}

/// What has happened on one connection, written by the event loop and read by the owner's task.
public final class MQTTConnectionState<Pending: Sendable>: Sendable {
    /// How the server answered CONNECT.
    public enum Handshake: Sendable, Equatable {
        case waiting
        case accepted
        case refused(MQTTConnectReturnCode)
    }

    /// What the event loop does after a packet from the server.
    enum Reply: Equatable {
        case nothing
        case acknowledge(UInt16)
        case close
    }

    private struct Fields: Sendable {
        var handshake = Handshake.waiting
        /// Why the connection is over (the first reason wins).
        var failure: String?
        var inFlight: [UInt16: Pending] = [:]
        /// Packet identifiers in the order they were sent, for putting messages back in order.
        var sendOrder: [UInt16] = []
        /// SUBSCRIBEs awaiting their SUBACK (nil), and the answers that came.
        var subscriptions: [UInt16: [MQTTSubscribeResult]?] = [:]
        var nextPacketID: UInt16 = 1
        var pingSentAt: Double?
    }

    private let fields = Mutex(Fields())
    private let wake: AsyncStream<Void>.Continuation
    private let onAcknowledged: @Sendable (Pending) -> Void
    private let onInbound: (@Sendable (MQTTInbound) -> Void)?

    /// `onAcknowledged` runs for each PUBACK (on the event loop); `onInbound`, for each message
    /// delivered on a subscription, before it is acknowledged. Without `onInbound` a PUBLISH from
    /// the server is a protocol violation (a publisher never subscribes).
    public init(
        wake: AsyncStream<Void>.Continuation, onAcknowledged: @escaping @Sendable (Pending) -> Void = { _ in },
        onInbound: (@Sendable (MQTTInbound) -> Void)? = nil
    ) {
        self.wake = wake
        self.onAcknowledged = onAcknowledged
        self.onInbound = onInbound
    }

    public var handshake: Handshake { fields.withLock { $0.handshake } }
    public var failure: String? { fields.withLock { $0.failure } }
    public var inFlightCount: Int { fields.withLock { $0.inFlight.count } }
    public var pingSentAt: Double? { fields.withLock { $0.pingSentAt } }

    public func wakeUp() { wake.yield() }

    /// Records a packet from the server and says what to answer.
    func received(_ packet: MQTTServerPacket) -> Reply {
        var acknowledged: Pending?
        let outcome: Result<Reply, Violation> = fields.withLock { fields in
            switch packet {
            case let .connack(sessionPresent, returnCode):
                guard fields.handshake == .waiting else { return .failure("a second CONNACK") }
                if sessionPresent { return .failure("CONNACK claims a stored session although a clean one was asked for") }
                fields.handshake = returnCode == .accepted ? .accepted : .refused(returnCode)
                return .success(.nothing)
            case let .puback(packetID):
                guard fields.handshake == .accepted else { return .failure("PUBACK before the connection was accepted") }
                guard let message = fields.inFlight.removeValue(forKey: packetID) else {
                    return .failure(Violation("PUBACK for packet \(packetID), which is not in flight"))
                }
                if let index = fields.sendOrder.firstIndex(of: packetID) { fields.sendOrder.remove(at: index) }
                acknowledged = message
                return .success(.nothing)
            case let .suback(packetID, results):
                guard fields.handshake == .accepted else { return .failure("SUBACK before the connection was accepted") }
                guard let waiting = fields.subscriptions[packetID], waiting == nil else {
                    return .failure(Violation("SUBACK for packet \(packetID), which subscribed nothing"))
                }
                fields.subscriptions[packetID] = .some(results)
                return .success(.nothing)
            case let .publish(publish):
                guard onInbound != nil else { return .failure("unexpected PUBLISH packet from the server (nothing was subscribed)") }
                guard fields.handshake == .accepted else { return .failure("PUBLISH before the connection was accepted") }
                return .success(publish.packetID.map { .acknowledge($0) } ?? .nothing)
            case let .oversizedPublish(_, _, packetID, _):
                guard onInbound != nil else { return .failure("unexpected PUBLISH packet from the server (nothing was subscribed)") }
                guard fields.handshake == .accepted else { return .failure("PUBLISH before the connection was accepted") }
                return .success(packetID.map { .acknowledge($0) } ?? .nothing)
            case .pingresp:
                guard fields.handshake == .accepted else { return .failure("PINGRESP before the connection was accepted") }
                fields.pingSentAt = nil
                return .success(.nothing)
            }
        }
        switch outcome {
        case let .failure(violation):
            end("protocol violation by the server: \(violation.reason)")
            return .close
        case let .success(reply):
            if let acknowledged { onAcknowledged(acknowledged) }
            switch packet {
            case let .publish(publish): onInbound?(.message(publish))
            case let .oversizedPublish(topic, _, _, bytes): onInbound?(.oversized(topic: topic, bytes: bytes))
            default: break
            }
            wake.yield()
            return reply
        }
    }

    /// Records why the connection is over (the first reason wins) and wakes the owner.
    public func end(_ reason: String) {
        fields.withLock { if $0.failure == nil { $0.failure = reason } }
        wake.yield()
    }

    /// Registers a QoS 1 message as in flight and returns its packet identifier.
    public func registerInFlight(_ message: Pending) -> UInt16 {
        fields.withLock { fields in
            let id = Self.allocatePacketID(&fields)
            fields.inFlight[id] = message
            fields.sendOrder.append(id)
            return id
        }
    }

    /// Takes the unacknowledged messages, oldest first (the connection is gone).
    public func takeInFlight() -> [Pending] {
        fields.withLock { fields in
            let messages = fields.sendOrder.compactMap { fields.inFlight[$0] }
            fields.inFlight.removeAll()
            fields.sendOrder.removeAll()
            return messages
        }
    }

    /// Reserves a packet identifier for a SUBSCRIBE about to be sent.
    public func registerSubscription() -> UInt16 {
        fields.withLock { fields in
            let id = Self.allocatePacketID(&fields)
            fields.subscriptions[id] = .some(nil)
            return id
        }
    }

    /// The server's answers to the SUBSCRIBE `packetID`, once its SUBACK has come.
    public func subscribeResults(_ packetID: UInt16) -> [MQTTSubscribeResult]? {
        fields.withLock { $0.subscriptions[packetID] ?? nil }
    }

    public func pingSent(at time: Double) {
        fields.withLock { $0.pingSentAt = time }
    }

    /// The next identifier not in use by a message in flight or a SUBSCRIBE (never 0).
    private static func allocatePacketID(_ fields: inout Fields) -> UInt16 {
        var id = fields.nextPacketID
        while id == 0 || fields.inFlight[id] != nil || fields.subscriptions[id] != nil { id = id == UInt16.max ? 1 : id + 1 }
        fields.nextPacketID = id == UInt16.max ? 1 : id + 1
        return id
    }

    /// A packet the server must not send now, in words.
    private struct Violation: Error, ExpressibleByStringLiteral {
        let reason: String
        init(stringLiteral reason: String) { self.reason = reason }
        init(_ reason: String) { self.reason = reason }
    }
}

/// Decides when to send PINGREQ and when the server has gone quiet for too long.
public struct MQTTKeepAlive: Sendable {
    public enum Step: Sendable, Equatable {
        case nothing
        case ping
        /// The last PINGREQ went unanswered for a whole keep-alive: the connection was ended.
        case timedOut
    }

    /// Seconds told to the server in CONNECT; 0 turns keep-alive off.
    public let seconds: Int
    private var lastPingAt: Double

    public init(seconds: Int, connectedAt: Double) {
        self.seconds = seconds
        lastPingAt = connectedAt
    }

    /// A PINGREQ goes out every half keep-alive; a missing PINGRESP after a whole one ends the
    /// connection (so a dead link is noticed even while only QoS 0 messages flow).
    public mutating func step<Pending>(now: Double, state: MQTTConnectionState<Pending>) -> Step {
        guard seconds > 0 else { return .nothing }
        let interval = Double(seconds)
        if let sentAt = state.pingSentAt {
            guard now - sentAt > interval else { return .nothing }
            state.end("no PINGRESP within \(seconds) s")
            return .timedOut
        }
        guard now - lastPingAt >= interval / 2 else { return .nothing }
        state.pingSent(at: now)
        lastPingAt = now
        return .ping
    }
}

/// Splits the server's bytes into packets with `MQTTPacketCoder`'s strict decoder, skipping the
/// payload of a PUBLISH over the length limit as it streams in.
struct MQTTPacketDecoder: ByteToMessageDecoder {
    typealias InboundOut = MQTTServerPacket

    let maximumPublishLength: Int
    /// Bytes of an oversized payload still to throw away.
    private var skipping = 0

    init(maximumPublishLength: Int) {
        self.maximumPublishLength = maximumPublishLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if skipping > 0 {
            let skipped = min(skipping, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: skipped)
            skipping -= skipped
            return skipping > 0 ? .needMoreData : .continue
        }
        guard let packet = try MQTTPacketCoder.decodeServerPacket(from: &buffer, maximumPublishLength: maximumPublishLength) else {
            return .needMoreData
        }
        if case let .oversizedPublish(_, _, _, bytes) = packet { skipping = bytes }
        context.fireChannelRead(wrapInboundOut(packet))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

/// Hands decoded packets, closes, errors and writability changes to the connection's state, and
/// acknowledges QoS 1 messages once they have been handed over.
final class MQTTInboundHandler<Pending: Sendable>: ChannelInboundHandler {
    typealias InboundIn = MQTTServerPacket
    typealias OutboundOut = ByteBuffer

    private let state: MQTTConnectionState<Pending>
    /// True until a TLS connection's handshake completes: a close or error meanwhile is a failed
    /// handshake, said so (a plain server on the port closes without a word).
    private var awaitsTLSHandshake: Bool

    init(state: MQTTConnectionState<Pending>, awaitsTLSHandshake: Bool) {
        self.state = state
        self.awaitsTLSHandshake = awaitsTLSHandshake
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { awaitsTLSHandshake = false }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state.received(unwrapInboundIn(data)) {
        case .nothing:
            break
        case let .acknowledge(packetID):
            var buffer = context.channel.allocator.buffer(capacity: 4)
            try? MQTTPacketCoder.encode(.puback(packetID: packetID), into: &buffer)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .close:
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.end(awaitsTLSHandshake ? Self.endedDuringHandshake("the server closed the connection") : "the server closed the connection")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case NIOSSLError.uncleanShutdown where awaitsTLSHandshake:
            state.end(Self.endedDuringHandshake("the server closed the connection"))
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError:
            state.end(describeConnectionError(error))
        default:
            state.end(awaitsTLSHandshake ? Self.endedDuringHandshake(describeConnectionError(error)) : describeConnectionError(error))
        }
        context.close(promise: nil)
    }

    /// A connection that ended before TLS was up: most likely a plain server on the port, or one
    /// that wants a client certificate.
    static func endedDuringHandshake(_ reason: String) -> String {
        "TLS handshake failed: \(reason) during the handshake (does the server speak TLS on this port, and does it want a client certificate?)"
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        state.wakeUp()
        context.fireChannelWritabilityChanged()
    }
}

/// A short, user-facing reason for a network, TLS or protocol error.
public func describeConnectionError(_ error: any Error) -> String {
    switch error {
    case let error as MQTTProtocolError:
        return "malformed data from the server: \(error)"
    case let error as IOError:
        return String(cString: strerror(error.errnoCode)).lowercased()
    case let error as NIOConnectionError:
        if let failure = error.connectionErrors.first { return describeConnectionError(failure.error) }
        if error.dnsAError != nil || error.dnsAAAAError != nil { return "cannot resolve host '\(error.host)'" }
        return "\(error)"
    case ChannelError.connectTimeout:
        return "no answer within \(MQTTConnectionDefaults.connectTimeout.nanoseconds / 1_000_000_000) s"
    default:
        return describeTLSFailure(error, plainScheme: "mqtt") ?? "\(error)"
    }
}

/// Awaits `future`, but throws `CancellationError` at once when the task is cancelled; a value
/// that arrives after that is handed to `abandon` (e.g. to close a socket nobody will use).
public func awaitCancellably<Value: Sendable>(
    _ future: EventLoopFuture<Value>, abandon: @escaping @Sendable (Value) -> Void
) async throws -> Value {
    let waiter = OneShotWaiter<Value>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            waiter.install(continuation)
            future.whenComplete { result in
                if !waiter.resume(with: result), case let .success(value) = result { abandon(value) }
            }
        }
    } onCancel: {
        waiter.resume(with: .failure(CancellationError()))
    }
}

/// A continuation resumed exactly once, by whichever of a result or a cancellation comes first.
private final class OneShotWaiter<Value: Sendable>: Sendable {
    private enum Slot {
        case empty
        case waiting(CheckedContinuation<Value, any Error>)
        case early(Result<Value, any Error>)
        case done
    }

    private let slot = Mutex(Slot.empty)

    func install(_ continuation: CheckedContinuation<Value, any Error>) {
        let early: Result<Value, any Error>? = slot.withLock { slot in
            if case let .early(result) = slot {
                slot = .done
                return result
            }
            slot = .waiting(continuation)
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Delivers `result` (now, or to `install` if it comes later); false when an earlier result
    /// or a cancellation got there first, so this one is not used.
    @discardableResult
    func resume(with result: Result<Value, any Error>) -> Bool {
        let (used, continuation): (Bool, CheckedContinuation<Value, any Error>?) = slot.withLock { slot in
            switch slot {
            case .empty:
                slot = .early(result)
                return (true, nil)
            case let .waiting(continuation):
                slot = .done
                return (true, continuation)
            case .early, .done:
                return (false, nil)
            }
        }
        continuation?.resume(with: result)
        return used
    }
}
