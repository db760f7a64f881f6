import Testing

@testable import WebSocketSink

extension ConformanceTests {
    /// RFC 6455 5.1 and 5.3: every client frame must be masked, and a server must close the
    /// connection on one that is not, whenever it arrives (Autobahn|Testsuite has no case for this
    /// server rule; ours are written from the RFC).
    @Suite("masking")
    struct Masking {
        @Test("5.1: an unmasked frame pipelined with the upgrade request is refused with 1002, never taken as data")
        func unmaskedPipelinedWithRequest() async throws {
            try await withSinkHarness { harness in
                for attempt in 0..<10 {
                    let client = try await WireClient(
                        port: harness.port, pipelined: ClientFrame.make(opcode: ServerFrame.text, payload: Array("ping".utf8), mask: nil))
                    let frames = await client.expectClosed(code: 1002, "pipelined, attempt \(attempt)")
                    #expect(!frames.contains { $0.isMessage(type: "pong") }, "attempt \(attempt): the unmasked frame was taken as a command")
                }
            }
        }

        @Test("5.1: an unmasked frame sent right after the 101, before the session starts, is refused with 1002")
        func unmaskedRightAfterTheUpgrade() async throws {
            try await withSinkHarness { harness in
                for attempt in 0..<10 {
                    let client = try await WireClient(port: harness.port)
                    client.send(ClientFrame.make(opcode: ServerFrame.text, payload: Array("ping".utf8), mask: nil))
                    let frames = await client.expectClosed(code: 1002, "right after the 101, attempt \(attempt)")
                    #expect(!frames.contains { $0.isMessage(type: "pong") }, "attempt \(attempt): the unmasked frame was taken as a command")
                }
            }
        }

        @Test("5.1: an unmasked frame in the middle of a session is refused with 1002")
        func unmaskedMidSession() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                await client.expectServing("before the unmasked frame")
                client.send(ClientFrame.make(opcode: ServerFrame.ping, payload: [1, 2, 3], mask: nil))
                let frames = await client.expectClosed(code: 1002, "unmasked ping mid-session")
                #expect(!frames.contains { $0.opcode == ServerFrame.pong }, "the unmasked ping was answered")
            }
        }

        @Test("5.1: a frame exactly as a server sends it (the sink's own status message, unmasked) is refused with 1002")
        func serverStyleFrame() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                let status = try #require(await client.nextFrame(), "no status message on connect")
                #expect(status.isMessage(type: "status") && !status.masked, "\(status)")
                client.send(ClientFrame.make(opcode: status.opcode, payload: status.payload, mask: nil))
                await client.expectClosed(code: 1002, "the server's own frame sent back")
            }
        }

        @Test("5.3: a masked frame is taken whatever its key, including the all-zero key and a second frame with another key")
        func anyMaskKeyAccepted() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                for mask: [UInt8] in [[0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF], [0x01, 0x80, 0x7F, 0xFE]] {
                    client.send(ClientFrame.make(opcode: ServerFrame.text, payload: Array("ping".utf8), mask: mask))
                    let reply = await client.nextNonTelemetryFrame()
                    #expect(reply?.isMessage(type: "pong") == true, "mask \(mask): \(reply.map(String.init(describing:)) ?? "nothing")")
                }
            }
        }
    }
}
