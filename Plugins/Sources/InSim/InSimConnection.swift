import NIOCore
import NIOPosix
import Synchronization

/// Why a connection to LFS ended (besides a bad packet, which is an `InSimDecodingError`).
enum InSimConnectionError: Error, CustomStringConvertible {
    case idle(seconds: Double)
    case noVersionReply(seconds: Double)
    case closedByLFS(afterHandshake: Bool)
    case unsupportedVersion(UInt8)

    var description: String {
        switch self {
        case let .idle(seconds): return "no data from LFS for \(formatSeconds(seconds)) s"
        case let .noVersionReply(seconds): return "no IS_VER reply within \(formatSeconds(seconds)) s of IS_ISI"
        case .closedByLFS(afterHandshake: true): return "LFS closed the connection"
        case .closedByLFS(afterHandshake: false):
            return "LFS closed the connection before its version reply (wrong admin password, or InSim slots full?)"
        case let .unsupportedVersion(version): return "LFS speaks InSim \(version); this source needs 9 or later"
        }
    }
}

func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
}

/// Turns the read-idle event of NIO's `IdleStateHandler` into an error that ends the connection.
final class InSimIdleHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.fireErrorCaught(InSimConnectionError.idle(seconds: seconds))
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// Opens the TCP connection to LFS: InSim framing, an idle watchdog, async reads and writes.
enum InSimConnection {
    typealias Channel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(host: String, port: Int, connectTimeout: Double, idleTimeout: Double) async throws -> Channel {
        try await returningOnCancellation(
            {
                let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.nanoseconds(Int64(connectTimeout * 1e9)))
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                return try await bootstrap.connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(InSimFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .nanoseconds(Int64(idleTimeout * 1e9))))
                        try channel.pipeline.syncOperations.addHandler(InSimIdleHandler(seconds: idleTimeout))
                        return try Channel(wrappingChannelSynchronously: channel)
                    }
                }
            },
            discard: { channel in try? await channel.executeThenClose { _, _ in } })
    }
}

/// Awaits `operation`, but throws `CancellationError` as soon as the caller is cancelled, so a slow
/// connect never delays shutdown; a result that arrives after that is handed to `discard`.
func returningOnCancellation<Value: Sendable>(
    _ operation: @escaping @Sendable () async throws -> Value, discard: @escaping @Sendable (Value) async -> Void
) async throws -> Value {
    let waiter = OneShotWaiter<Value>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            waiter.install(continuation)
            Task {
                do {
                    let value = try await operation()
                    if !waiter.resume(with: .success(value)) { await discard(value) }
                } catch {
                    waiter.resume(with: .failure(error))
                }
            }
        }
    } onCancel: {
        waiter.resume(with: .failure(CancellationError()))
    }
}

/// A continuation resumed exactly once, by whichever comes first.
private final class OneShotWaiter<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var early: Result<Value, any Error>?
        var done = false
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<Value, any Error>) {
        let early = state.withLock { state -> Result<Value, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Resumes the waiter unless it already was; returns whether this call did it.
    @discardableResult
    func resume(with result: Result<Value, any Error>) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<Value, any Error>?? in
            guard !state.done else { return .none }
            state.done = true
            guard let continuation = state.continuation else {
                state.early = result
                return .some(nil)
            }
            state.continuation = nil
            return .some(continuation)
        }
        switch continuation {
        case .none: return false
        case let .some(continuation):
            continuation?.resume(with: result)
            return true
        }
    }
}
