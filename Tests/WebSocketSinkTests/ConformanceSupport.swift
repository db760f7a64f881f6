import Testing

@testable import WebSocketSink

/// The sink's conformance to RFC 6455 over real sockets, at the byte level, written from the RFC
/// with Autobahn|Testsuite's case list as the reference. One case at a time: each runs a sink of
/// its own, and dozens side by side on a small machine would time out on load, not on the sink.
@Suite("WebSocket conformance", .serialized)
struct ConformanceTests {}

/// One conformance case: what the client sends after the upgrade, and the close code the sink must
/// answer with (then close the connection), with the RFC 6455 section it checks.
struct ConformanceCase: CustomTestStringConvertible, Sendable {
    let section: String
    let name: String
    let bytes: [UInt8]
    let code: UInt16

    init(_ section: String, _ name: String, _ bytes: [UInt8], closes code: UInt16) {
        self.section = section
        self.name = name
        self.bytes = bytes
        self.code = code
    }

    var testDescription: String { "RFC 6455 \(section): \(name) -> \(code)" }

    /// Runs the case against a fresh sink: the client's bytes, then the sink's close frame with
    /// `code`, nothing after it, the connection closed, no command carried out; the sink serves on.
    func run(_ config: WebSocketSinkConfig = SinkHarness.config()) async throws {
        try await withSinkHarness(config) { harness in
            let client = try await WireClient(port: harness.port)
            client.send(bytes)
            let frames = await client.expectClosed(code: code, testDescription)
            #expect(!frames.contains { $0.isMessage(type: "pong") || $0.isMessage(type: "error") }, "\(testDescription): \(frames)")
            let next = try await WireClient(port: harness.port)
            await next.expectServing("\(testDescription): a new client afterwards")
        }
    }
}

/// Masked client frames for the conformance cases, shortened.
enum Frames {
    static func text(_ bytes: [UInt8], fin: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
        ClientFrame.make(opcode: ServerFrame.text, payload: bytes, fin: fin, rsv: rsv)
    }
    static func text(_ string: String, fin: Bool = true) -> [UInt8] { text(Array(string.utf8), fin: fin) }
    static func binary(_ bytes: [UInt8], fin: Bool = true) -> [UInt8] { ClientFrame.make(opcode: ServerFrame.binary, payload: bytes, fin: fin) }
    static func continuation(_ bytes: [UInt8], fin: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
        ClientFrame.make(opcode: ServerFrame.continuation, payload: bytes, fin: fin, rsv: rsv)
    }
    static func continuation(_ string: String, fin: Bool = true) -> [UInt8] { continuation(Array(string.utf8), fin: fin) }
    static func ping(_ bytes: [UInt8] = [], fin: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
        ClientFrame.make(opcode: ServerFrame.ping, payload: bytes, fin: fin, rsv: rsv)
    }
    static func pong(_ bytes: [UInt8] = [], fin: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
        ClientFrame.make(opcode: ServerFrame.pong, payload: bytes, fin: fin, rsv: rsv)
    }
    /// `count` bytes of a repeating pattern.
    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }
    /// "ping" padded with spaces to `count` bytes: the sink trims it and answers pong.
    static func paddedPing(_ count: Int) -> String { "ping" + String(repeating: " ", count: count - 4) }
}
