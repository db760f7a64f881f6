import BrokerCore
import BrokerTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization
import Testing

/// A WebSocket client for the tests, on hummingbird-websocket's `WebSocketClient`: it keeps what
/// the server sends in an inbox the test reads with timeouts.
final class TestClient: Sendable {
    let outbound: WebSocketOutboundWriter
    let inbox = Inbox()

    init(outbound: WebSocketOutboundWriter) {
        self.outbound = outbound
    }

    func send(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    /// The next message (parsed) matching `predicate`; messages before it are dropped. Throws on
    /// timeout or when the connection ends first.
    func next(timeout: Double = 15, where predicate: (JSONValue) -> Bool = { _ in true }) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while true {
            guard let text = await inbox.next(until: deadline) else {
                throw TestSetupError(
                    inbox.isFinished ? "the connection closed while waiting for a message" : "no matching message within \(timeout) s")
            }
            let value = try parseJSON(text)
            if predicate(value) { return value }
        }
    }

    /// The next message of `type`.
    func next(type: String, timeout: Double = 15) async throws -> JSONValue {
        try await next(timeout: timeout) { $0["type"]?.stringValue == type }
    }

    /// Sends `command` and returns the next message of `type`.
    func request(_ command: String, reply type: String, timeout: Double = 15) async throws -> JSONValue {
        try await send(command)
        return try await next(type: type, timeout: timeout)
    }

    /// Messages of `type` that arrive within `seconds`, raw text. (The sink writes `type` first, so
    /// a prefix test does; load tests with thousands of messages need it cheap.)
    func collect(type: String, for seconds: Double) async -> [String] {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        let prefix = "{\"type\":\"\(type)\""
        var collected: [String] = []
        while let text = await inbox.next(until: deadline) {
            if text.hasPrefix(prefix) { collected.append(text) }
        }
        return collected
    }

    /// Connects, runs `body`, closes normally. Returns `body`'s result and the server's close frame.
    @discardableResult
    static func connect<T: Sendable>(
        _ url: String, headers: HTTPFields = [:], _ body: @escaping @Sendable (TestClient) async throws -> T
    ) async throws -> (value: T, close: WebSocketCloseFrame?) {
        let result = Mutex<Result<T, any Error>?>(nil)
        var logger = Logger(label: "test-client")
        logger.logLevel = .warning
        let close = try await WebSocketClient.connect(
            url: url, configuration: .init(maxFrameSize: 1 << 22, additionalHeaders: headers, closeTimeout: .seconds(3)), logger: logger
        ) { inbound, outbound, _ in
            let client = TestClient(outbound: outbound)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { client.inbox.finish() }
                    for try await message in inbound.messages(maxSize: 1 << 22) {
                        if case let .text(text) = message { client.inbox.push(text) }
                    }
                }
                let outcome: Result<T, any Error>
                do {
                    outcome = .success(try await body(client))
                } catch {
                    outcome = .failure(error)
                }
                result.withLock { $0 = outcome }
                if !client.inbox.isFinished { try? await outbound.close(.normalClosure, reason: nil) }
                // The reader ends with the server's close reply; don't wait forever for a broken one.
                group.addTask {
                    try await Task.sleep(for: .seconds(5))
                    throw TestSetupError("the server did not answer the close within 5 s")
                }
                try await group.next()
                group.cancelAll()
            }
        }
        guard let outcome = result.withLock({ $0 }) else { throw TestSetupError("the client handler did not run") }
        return (try outcome.get(), close)
    }
}

/// Text messages received by a test client, read with deadlines.
final class Inbox: Sendable {
    private struct State {
        var queue: [String] = []
        var head = 0
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    var isFinished: Bool { state.withLock { $0.finished && $0.head == $0.queue.count } }

    func push(_ text: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.queue.append(text)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private func poke() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private func pop() -> (text: String?, finished: Bool) {
        state.withLock { state in
            guard state.head < state.queue.count else { return (nil, state.finished) }
            let text = state.queue[state.head]
            state.head += 1
            if state.head > 256 {
                state.queue.removeFirst(state.head)
                state.head = 0
            }
            return (text, false)
        }
    }

    /// The next message, or nil at `deadline` or when the connection ended.
    func next(until deadline: ContinuousClock.Instant) async -> String? {
        while true {
            let (text, finished) = pop()
            if let text { return text }
            if finished || ContinuousClock.now >= deadline { return nil }
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    self.poke()
                }
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state -> Bool in
                        if state.head < state.queue.count || state.finished { return true }
                        state.waiter = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
                group.cancelAll()
            }
        }
    }
}

/// Parses JSON text into a `JSONValue` (object keys sorted; order is not what tests check).
func parseJSON(_ text: String) throws -> JSONValue {
    try JSONDecoder().decode(DecodedJSON.self, from: Data(text.utf8)).value
}

private struct DecodedJSON: Decodable {
    let value: JSONValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        } else if let bool = try? container.decode(Bool.self) {
            value = .bool(bool)
        } else if let int = try? container.decode(Int64.self) {
            value = .int(int)
        } else if let double = try? container.decode(Double.self) {
            value = .double(double)
        } else if let string = try? container.decode(String.self) {
            value = .string(string)
        } else if let array = try? container.decode([DecodedJSON].self) {
            value = .array(array.map(\.value))
        } else {
            let object = try container.decode([String: DecodedJSON].self)
            value = .object(object.sorted { $0.key < $1.key }.map { ($0.key, $0.value.value) })
        }
    }
}

extension JSONValue {
    /// The keys of an object, sorted.
    var keys: [String] { objectValue?.map(\.0).sorted() ?? [] }
}

/// The `seq` of a telemetry message without parsing the rest of it.
func telemetrySeq(_ text: String) -> Int? {
    guard let key = text.range(of: "\"seq\":") else { return nil }
    return Int(text[key.upperBound...].prefix { $0.isNumber })
}

extension TestClient {
    /// Measures this client's telemetry for `seconds` and checks it against its rate `hz` (docs/PROTOCOL.md:
    /// at most `rate` per second) for a source publishing at `sourceHz`.
    ///
    /// The cap is checked on the sink's own count of frames it took for this client (`get_count`
    /// from `metrics`, before and after), against the time between the two replies, so messages
    /// queued in this client before the window cannot inflate it. The lower bound is checked on what
    /// arrived, against the frames the source really published meanwhile (from `seq`), so a test
    /// machine busy enough to slow the source does not fail it.
    func expectRate(hz: Double, sourceHz: Double, seconds: Double, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let before = try await request("metrics", reply: "metrics")["data"]?["loop"]?["get_count"]?.intValue ?? 0
        let started = ContinuousClock.now
        let messages = await collect(type: "telemetry", for: seconds)
        let after = try await request("metrics", reply: "metrics")["data"]?["loop"]?["get_count"]?.intValue ?? 0
        let elapsed = (ContinuousClock.now - started) / .seconds(1)
        let taken = Double(after - before)
        #expect(taken <= hz * elapsed + 2, "the sink took \(taken) frames in \(elapsed) s at \(hz) Hz", sourceLocation: sourceLocation)

        let seqs = messages.compactMap(telemetrySeq)
        let published = Double((seqs.max() ?? 0) - (seqs.min() ?? 0) + 1)
        let allowed = published * min(hz, sourceHz) / sourceHz
        let summary = "\(seqs.count) messages over \(seconds) s at \(hz) Hz; the source published \(Int(published)) frames meanwhile"
        #expect(Double(seqs.count) >= 0.75 * allowed, "\(summary)", sourceLocation: sourceLocation)
        #expect(published >= sourceHz * seconds * 0.25, "the source hardly published: \(summary)", sourceLocation: sourceLocation)
    }
}
