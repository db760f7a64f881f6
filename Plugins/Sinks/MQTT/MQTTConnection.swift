import BrokerCore
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// One TCP connection to the MQTT server: the socket, what the server has told us on it, and the
/// QoS 1 messages awaiting their PUBACK.
///
/// The event loop feeds in what the server sends (through `MQTTInboundHandler`); the session's
/// task reads the outcome and writes. Every change wakes that task through `events`, a coalescing
/// stream, so it never polls and never misses a close.
struct MQTTConnection: Sendable {
    let channel: any Channel
    let state: MQTTConnectionState

    /// How long the TCP connect (and name resolution) may take.
    static let connectTimeout = TimeAmount.seconds(5)

    /// Opens a TCP connection to `server`; returns at once with `CancellationError` when the task is
    /// cancelled meanwhile (a late socket is then closed).
    static func open(to server: MQTTServerAddress, state: MQTTConnectionState, group: any EventLoopGroup) async throws -> MQTTConnection {
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(MQTTPacketDecoder()),
                        MQTTInboundHandler(state: state),
                    ])
                }
            }
        let channel = try await awaitCancellably(bootstrap.connect(host: server.host, port: server.port)) { late in
            late.close(promise: nil)
        }
        return MQTTConnection(channel: channel, state: state)
    }

    /// Encodes `packets` into one buffer and writes it; counts QoS 0 publishes once written.
    /// (The session admits only messages MQTT can carry, so encoding does not fail; a packet that
    /// did would be left out rather than sent half-written.)
    func send(_ packets: [MQTTClientPacket], statistics: MQTTStatistics? = nil) {
        guard !packets.isEmpty else { return }
        var buffer = channel.allocator.buffer(capacity: 256)
        var plainPublishes: UInt64 = 0
        for packet in packets {
            guard (try? MQTTPacketCoder.encode(packet, into: &buffer)) != nil else { continue }
            if case let .publish(publish) = packet, publish.qos == .atMostOnce { plainPublishes += 1 }
        }
        let written = channel.writeAndFlush(buffer)
        if let statistics, plainPublishes > 0 {
            let count = plainPublishes
            written.whenSuccess { statistics.update { $0.published += count } }
        }
    }

    /// Sends `packets` (the goodbye), then closes; gives up on the write after `grace` seconds.
    /// Returns once the socket is closed.
    func sendAndClose(_ packets: [MQTTClientPacket], grace: TimeAmount) async {
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
    func abort() {
        channel.close(promise: nil)
    }
}

/// What has happened on one connection, written by the event loop and read by the session task.
final class MQTTConnectionState: Sendable {
    /// How the server answered CONNECT.
    enum Handshake: Sendable, Equatable {
        case waiting
        case accepted
        case refused(MQTTConnectReturnCode)
    }

    private struct Fields {
        var handshake = Handshake.waiting
        /// Why the connection is over (the first reason wins).
        var failure: String?
        var inFlight: [UInt16: OutboundMessage] = [:]
        /// Packet identifiers in the order they were sent, for putting messages back in order.
        var sendOrder: [UInt16] = []
        var nextPacketID: UInt16 = 1
        var pingSentAt: Double?
    }

    private let fields = Mutex(Fields())
    private let wake: AsyncStream<Void>.Continuation
    private let statistics: MQTTStatistics

    init(wake: AsyncStream<Void>.Continuation, statistics: MQTTStatistics) {
        self.wake = wake
        self.statistics = statistics
    }

    var handshake: Handshake { fields.withLock { $0.handshake } }
    var failure: String? { fields.withLock { $0.failure } }
    var inFlightCount: Int { fields.withLock { $0.inFlight.count } }
    var pingSentAt: Double? { fields.withLock { $0.pingSentAt } }

    func wakeUp() { wake.yield() }

    /// Records a packet from the server; returns a protocol violation to close the connection for.
    func received(_ packet: MQTTServerPacket) -> String? {
        let violation: String? = fields.withLock { fields in
            switch packet {
            case let .connack(sessionPresent, returnCode):
                guard fields.handshake == .waiting else { return "a second CONNACK" }
                if sessionPresent { return "CONNACK claims a stored session although a clean one was asked for" }
                fields.handshake = returnCode == .accepted ? .accepted : .refused(returnCode)
                return nil
            case let .puback(packetID):
                guard fields.handshake == .accepted else { return "PUBACK before the connection was accepted" }
                guard fields.inFlight.removeValue(forKey: packetID) != nil else { return "PUBACK for packet \(packetID), which is not in flight" }
                if let index = fields.sendOrder.firstIndex(of: packetID) { fields.sendOrder.remove(at: index) }
                statistics.update {
                    $0.published += 1
                    $0.inFlight -= 1
                }
                return nil
            case .pingresp:
                guard fields.handshake == .accepted else { return "PINGRESP before the connection was accepted" }
                fields.pingSentAt = nil
                return nil
            }
        }
        if let violation { end("protocol violation by the server: \(violation)") }
        wake.yield()
        return violation
    }

    /// Records why the connection is over (the first reason wins) and wakes the session.
    func end(_ reason: String) {
        fields.withLock { if $0.failure == nil { $0.failure = reason } }
        wake.yield()
    }

    /// Registers a QoS 1 message as in flight and returns its packet identifier.
    func registerInFlight(_ message: OutboundMessage) -> UInt16 {
        let id: UInt16 = fields.withLock { fields in
            var id = fields.nextPacketID
            while fields.inFlight[id] != nil || id == 0 { id = id == UInt16.max ? 1 : id + 1 }
            fields.nextPacketID = id == UInt16.max ? 1 : id + 1
            fields.inFlight[id] = message
            fields.sendOrder.append(id)
            return id
        }
        statistics.update { $0.inFlight += 1 }
        return id
    }

    /// Takes the unacknowledged messages, oldest first (the connection is gone).
    func takeInFlight() -> [OutboundMessage] {
        let messages: [OutboundMessage] = fields.withLock { fields in
            let messages = fields.sendOrder.compactMap { fields.inFlight[$0] }
            fields.inFlight.removeAll()
            fields.sendOrder.removeAll()
            return messages
        }
        statistics.update { $0.inFlight -= messages.count }
        return messages
    }

    func pingSent(at time: Double) {
        fields.withLock { $0.pingSentAt = time }
    }
}

/// Splits the server's bytes into packets with `MQTTPacketCoder`'s strict decoder.
struct MQTTPacketDecoder: ByteToMessageDecoder {
    typealias InboundOut = MQTTServerPacket

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let packet = try MQTTPacketCoder.decodeServerPacket(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(packet))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

/// Hands decoded packets, closes, errors and writability changes to the connection's state.
final class MQTTInboundHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTServerPacket

    private let state: MQTTConnectionState

    init(state: MQTTConnectionState) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if state.received(unwrapInboundIn(data)) != nil { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.end("the server closed the connection")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.end(describeConnectionError(error))
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        state.wakeUp()
        context.fireChannelWritabilityChanged()
    }
}

/// A short, user-facing reason for a network or protocol error.
func describeConnectionError(_ error: any Error) -> String {
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
        return "no answer within \(MQTTConnection.connectTimeout.nanoseconds / 1_000_000_000) s"
    default:
        return "\(error)"
    }
}

/// Awaits `future`, but throws `CancellationError` at once when the task is cancelled; a value
/// that arrives after that is handed to `abandon` (e.g. to close a socket nobody will use).
func awaitCancellably<Value: Sendable>(
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
