import Testing

@testable import WebSocketSink

extension ConformanceTests {
    /// RFC 6455 5.2 and 5.4: payload lengths in each of their three forms, messages over
    /// `max_message_bytes`, fragmented messages, and control frames between fragments (after
    /// Autobahn|Testsuite sections 1, 5 and 9).
    @Suite("framing")
    struct Framing {
        @Test("5.2: 7-bit, 16-bit and 64-bit payload lengths are read (125, 126, 4096 and 70000 bytes)")
        func payloadLengths() async throws {
            try await withSinkHarness(SinkHarness.config(maxMessageBytes: 100_000)) { harness in
                let client = try await WireClient(port: harness.port)
                for size in [125, 126, 4096, 65535, 65536, 70000] {
                    client.send(Frames.text(Frames.paddedPing(size)))
                    let reply = await client.nextNonTelemetryFrame()
                    #expect(reply?.isMessage(type: "pong") == true, "\(size) bytes: \(reply.map(String.init(describing:)) ?? "nothing")")
                }
            }
        }

        @Test("5.2: a length in a longer form than needed is read too (a choice: the RFC asks senders for the shortest)")
        func nonMinimalLengths() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                for form in [ClientFrame.LengthForm.extended16, .extended64] {
                    client.send(ClientFrame.make(opcode: ServerFrame.text, payload: Array("ping".utf8), lengthForm: form))
                    let reply = await client.nextNonTelemetryFrame()
                    #expect(reply?.isMessage(type: "pong") == true, "\(form): \(reply.map(String.init(describing:)) ?? "nothing")")
                }
            }
        }

        @Test("5.4: a fragmented text message is put together (two fragments, three with an empty one)")
        func fragmentedText() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                for fragments in [
                    Frames.text("pi", fin: false) + Frames.continuation("ng"),
                    Frames.text("p", fin: false) + Frames.continuation("", fin: false) + Frames.continuation("ing"),
                    Frames.text("", fin: false) + Frames.continuation("ping"),
                ] {
                    client.send(fragments)
                    let reply = await client.nextNonTelemetryFrame()
                    #expect(reply?.isMessage(type: "pong") == true, "\(reply.map(String.init(describing:)) ?? "nothing")")
                }
            }
        }

        @Test("5.4: a fragmented binary message is put together and answered like any binary message (an error reply; the sink takes text)")
        func fragmentedBinary() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                client.send(Frames.binary([1, 2, 3], fin: false) + Frames.continuation([4, 5], fin: false) + Frames.continuation([6]))
                let reply = await client.nextNonTelemetryFrame()
                #expect(reply?.isMessage(type: "error") == true, "\(reply.map(String.init(describing:)) ?? "nothing")")
                await client.expectServing("after the binary message")
            }
        }

        @Test("5.4, 5.5: control frames between fragments are answered at once, and the message completes")
        func controlFramesBetweenFragments() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                client.send(Frames.text("p", fin: false) + Frames.ping([7, 8, 9]) + Frames.continuation("in", fin: false) + Frames.pong([1]))
                let pong = await client.nextNonTelemetryFrame()
                #expect(pong?.opcode == ServerFrame.pong && pong?.payload == [7, 8, 9], "\(pong.map(String.init(describing:)) ?? "nothing")")
                client.send(Frames.continuation("g"))
                let reply = await client.nextNonTelemetryFrame()
                #expect(reply?.isMessage(type: "pong") == true, "\(reply.map(String.init(describing:)) ?? "nothing")")
            }
        }

        @Test("5.4: a close between fragments ends the connection normally")
        func closeBetweenFragments() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                client.send(Frames.text("pi", fin: false) + ClientFrame.close(code: 1000))
                let frames = await client.expectClosed(code: 1000, "close between fragments")
                #expect(!frames.contains { $0.isMessage(type: "pong") })
            }
        }

        static let refused: [ConformanceCase] = [
            ConformanceCase("10.4, 7.4.1", "one frame one byte over max_message_bytes (4096)", Frames.text(Frames.paddedPing(4097)), closes: 1009),
            ConformanceCase(
                "10.4, 7.4.1", "a header claiming 2^62 bytes",
                ClientFrame.make(opcode: ServerFrame.text, payload: [1, 2, 3, 4], lengthForm: .extended64)
                    .enumerated().map { $0.offset == 2 ? 0x40 : $0.element }, closes: 1009),
            ConformanceCase(
                "5.2, 10.4", "a 64-bit length with its top bit set (a choice: 1009, as for any length over the limit)",
                ClientFrame.make(opcode: ServerFrame.text, payload: [1, 2, 3, 4], lengthForm: .extended64)
                    .enumerated().map { $0.offset == 2 ? 0x80 : $0.element }, closes: 1009),
            ConformanceCase(
                "10.4, 7.4.1", "fragments adding up to more than max_message_bytes",
                Frames.text(Frames.pattern(3000).map { $0 & 0x3F | 0x20 }, fin: false)
                    + Frames.continuation(Frames.pattern(3000).map { $0 & 0x3F | 0x20 }),
                closes: 1009),
            ConformanceCase("5.4", "a continuation frame with no message to continue", Frames.continuation("ping"), closes: 1002),
            ConformanceCase("5.4", "a final continuation frame with no message to continue", Frames.continuation("ping", fin: true), closes: 1002),
            ConformanceCase(
                "5.4", "a new text frame while a fragmented message is open", Frames.text("pi", fin: false) + Frames.text("ping"), closes: 1002),
            ConformanceCase(
                "5.4", "a new binary frame while a fragmented message is open", Frames.text("pi", fin: false) + Frames.binary([1]), closes: 1002),
        ]

        @Test("a frame the sink must refuse closes the connection with the right code", arguments: refused)
        func refusedFrames(_ conformance: ConformanceCase) async throws {
            try await conformance.run()
        }
    }
}
