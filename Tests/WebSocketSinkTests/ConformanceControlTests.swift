import Testing

@testable import WebSocketSink

extension ConformanceTests {
    /// RFC 6455 5.5: control frames, and reserved bits and opcodes (5.2) (after Autobahn|Testsuite
    /// sections 2, 3 and 4).
    @Suite("control frames, reserved bits and opcodes")
    struct Control {
        @Test("5.5.2, 5.5.3: a ping is answered by a pong with the same payload (empty, binary, 125 bytes)")
        func pongEchoesPing() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                for payload in [[], [0x00, 0xFF, 0xFE, 0x80], Frames.pattern(125)] as [[UInt8]] {
                    client.send(Frames.ping(payload))
                    let pong = await client.nextNonTelemetryFrame()
                    #expect(pong?.opcode == ServerFrame.pong && pong?.fin == true, "\(pong.map(String.init(describing:)) ?? "nothing")")
                    #expect(pong?.payload == payload)
                    #expect(pong?.masked == false, "5.1: a server never masks")
                }
            }
        }

        @Test("5.5.3: an unsolicited pong is ignored: no reply, the connection serves on")
        func unsolicitedPong() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                client.send(Frames.pong([1, 2, 3]) + Frames.pong())
                await client.expectServing("after two unsolicited pongs")
            }
        }

        static let refused: [ConformanceCase] =
            [
                ConformanceCase("5.5", "a ping with a 126-byte payload", Frames.ping(Frames.pattern(126)), closes: 1002),
                ConformanceCase("5.5", "a pong with a 126-byte payload", Frames.pong(Frames.pattern(126)), closes: 1002),
                ConformanceCase(
                    "5.5", "a close with a 126-byte payload", ClientFrame.close(code: 1000, reason: Array(repeating: 0x61, count: 124)), closes: 1002),
                ConformanceCase("5.5", "a fragmented ping", Frames.ping([1, 2], fin: false) + Frames.continuation([3], fin: true), closes: 1002),
                ConformanceCase(
                    "5.5", "a fragmented close",
                    ClientFrame.make(opcode: ServerFrame.close, payload: [0x03, 0xE8], fin: false) + Frames.continuation([]),
                    closes: 1002),
                ConformanceCase("5.2", "RSV1 on a text frame", Frames.text(Array("ping".utf8), rsv: 0b100), closes: 1002),
                ConformanceCase("5.2", "RSV2 on a text frame", Frames.text(Array("ping".utf8), rsv: 0b010), closes: 1002),
                ConformanceCase("5.2", "RSV3 on a text frame", Frames.text(Array("ping".utf8), rsv: 0b001), closes: 1002),
                ConformanceCase("5.2", "all RSV bits on a text frame", Frames.text(Array("ping".utf8), rsv: 0b111), closes: 1002),
                ConformanceCase(
                    "5.2", "RSV1 on a continuation frame", Frames.text("pi", fin: false) + Frames.continuation(Array("ng".utf8), rsv: 0b100),
                    closes: 1002),
                ConformanceCase("5.2", "RSV2 on a ping", Frames.ping([1], rsv: 0b010), closes: 1002),
                ConformanceCase("5.2", "RSV3 on a pong", Frames.pong([1], rsv: 0b001), closes: 1002),
                ConformanceCase(
                    "5.2", "RSV1 on a close", ClientFrame.make(opcode: ServerFrame.close, payload: [0x03, 0xE8], rsv: 0b100), closes: 1002),
            ]
            + ([3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8]).map { opcode in
                ConformanceCase("5.2", "reserved opcode \(opcode)", ClientFrame.make(opcode: opcode, payload: Array("ping".utf8)), closes: 1002)
            }

        @Test("a control frame or reserved bit the sink must refuse closes the connection with 1002", arguments: refused)
        func refusedFrames(_ conformance: ConformanceCase) async throws {
            try await conformance.run()
        }
    }
}
