import Synchronization
import Testing

@testable import WebSocketSink

extension ConformanceTests {
    /// RFC 6455 5.5.1, 7.1 and 7.4: the closing handshake, close codes and reasons, and silence
    /// after the close (after Autobahn|Testsuite section 7).
    @Suite("closing")
    struct Closing {
        /// `code` and `reason` as a close frame's payload.
        static func close(_ code: UInt16, reason: [UInt8] = []) -> [UInt8] { ClientFrame.close(code: code, reason: reason) }

        @Test(
            "5.5.1, 7.4.1: a close with a valid code is answered with a close, then the server closes the connection",
            arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] as [UInt16])
        func validCodes(_ code: UInt16) async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                client.send(Self.close(code))
                // 1000 is echoed; for the other codes the sink answers 1000 as well (a choice: 5.5.1 says
                // an endpoint "typically" echoes the code).
                await client.expectClosed(code: 1000, "close \(code)")
            }
        }

        @Test("5.5.1: a close without a payload, and one with a valid UTF-8 reason of 123 bytes, are answered with 1000")
        func emptyCloseAndLongReason() async throws {
            try await withSinkHarness { harness in
                for (name, frame) in [
                    ("no payload", ClientFrame.close(code: nil)),
                    ("123-byte reason", Self.close(1000, reason: Array(String(repeating: "é", count: 61).utf8) + [0x21])),
                ] {
                    let client = try await WireClient(port: harness.port)
                    client.send(frame)
                    await client.expectClosed(code: 1000, name)
                }
            }
        }

        static let refused: [ConformanceCase] =
            [
                ConformanceCase("5.5.1", "a close payload of one byte", ClientFrame.make(opcode: ServerFrame.close, payload: [0x03]), closes: 1002),
                ConformanceCase("5.5.1, 8.1", "a close reason that is not UTF-8", close(1000, reason: [0x61, 0xFF, 0xFE]), closes: 1002),
            ]
            + ([0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535] as [UInt16]).map {
                ConformanceCase("7.4.1, 7.4.2", "close code \($0)", close($0), closes: 1002)
            }

        @Test("a close with an invalid payload is answered with 1002", arguments: refused)
        func refusedCloses(_ conformance: ConformanceCase) async throws {
            try await conformance.run()
        }

        @Test("5.5.1, 7.1.2: a client that sends its close and keeps sending gets nothing more: no pong, no reply")
        func keepsSendingAfterClose() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                client.send(Self.close(1000) + Frames.ping([1]) + Frames.text("ping") + Frames.text("status"))
                for _ in 0..<20 { client.send(Frames.text("ping") + Frames.ping([2])) }
                let frames = await client.expectClosed(code: 1000, "close then more")
                #expect(!frames.contains { $0.opcode == ServerFrame.pong || $0.isMessage(type: "pong") }, "\(frames)")
            }
        }

        @Test("5.5.1: nothing follows the server's close frame, even while telemetry streams at 1000/s")
        func nothingAfterClose() async throws {
            try await withSinkHarness(rate: 1000) { harness in
                let driver = FrameDriver(hub: harness.hub, variables: ProtocolTests.basicVariables)
                let publishing = Atomic<Bool>(true)
                let publisher = Task {
                    var n = 0
                    while publishing.load(ordering: .relaxed), n < 30_000 {
                        n += 1
                        driver.publish(n)
                        try? await Task.sleep(for: .milliseconds(1))
                    }
                }
                for attempt in 0..<5 {
                    let client = try await WireClient(port: harness.port)
                    client.send(Frames.text("sub Speed,RPM,Gear"))
                    var telemetry = 0
                    while telemetry < 5, let frame = await client.nextFrame() {
                        if frame.isMessage(type: "telemetry") { telemetry += 1 }
                    }
                    #expect(telemetry == 5, "attempt \(attempt): telemetry did not flow")
                    client.send(Self.close(1000))
                    await client.expectClosed(code: 1000, "attempt \(attempt)")
                }
                publishing.store(false, ordering: .relaxed)
                await publisher.value
            }
        }
    }
}
