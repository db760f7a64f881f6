import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// A WebSocket server on 127.0.0.1 whose every connection runs the test's `serve` closure: a
/// stand-in for the Python bridge, or for an upstream that misbehaves.
struct UpstreamStub {
    let port: Int
    let task: Task<Void, any Error>

    var url: String { "ws://127.0.0.1:\(port)/" }

    static func start(
        port: Int, maxFrameSize: Int = 1 << 24,
        serve: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async throws -> Void
    ) async throws -> UpstreamStub {
        let router = Router()
        var logger = Logger(label: "upstream-stub")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(configuration: .init(ws: .init(maxFrameSize: maxFrameSize))) { _, _, _ in
                .upgrade([:]) { inbound, outbound, _ in try await serve(inbound, outbound) }
            },
            configuration: .init(address: .hostname("127.0.0.1", port: port), reuseAddress: true),
            logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        return UpstreamStub(port: port, task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// The commands a stub connection received, and helpers to answer like the Python bridge.
enum PythonBridge {
    /// The bridge's replies to what our source sends: `status` and `sessioninfo` answered, `sub all`
    /// starts telemetry (`frames` called with the tick number), everything else refused as the
    /// bridge does with an unknown command. Telemetry messages carry neither `source` nor `seq`.
    static func serve(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, sessionInfo: String, hz: Double = 50,
        frame: @escaping @Sendable (Int) -> String
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for try await message in inbound.messages(maxSize: 1 << 16) {
                guard case let .text(command) = message else { continue }
                switch command {
                case "status": try await outbound.write(.text(#"{"type":"status","connected":true}"#))
                case "sessioninfo": try await outbound.write(.text(#"{"type":"sessionInfo","data":\#(sessionInfo)}"#))
                case "sub all":
                    group.addTask {
                        var tick = 0
                        while !Task.isCancelled {
                            try await outbound.write(.text(#"{"type":"telemetry","data":\#(frame(tick))}"#))
                            tick += 1
                            try await Task.sleep(for: .milliseconds(Int64(1000 / hz)))
                        }
                    }
                default:
                    try await outbound.write(.text(#"{"type":"error","message":"Unknown command: \#(command)"}"#))
                }
            }
            group.cancelAll()
        }
    }
}
