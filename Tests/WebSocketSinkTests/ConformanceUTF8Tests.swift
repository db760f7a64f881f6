import Testing

@testable import WebSocketSink

extension ConformanceTests {
    /// RFC 6455 5.6 and 8.1: text messages must be valid UTF-8 (RFC 3629), checked on the whole
    /// message, whatever its fragments (after Autobahn|Testsuite section 6).
    @Suite("UTF-8")
    struct UTF8 {
        @Test("5.6: valid UTF-8, whole or split inside a character across fragments, is taken (the error reply repeats it)")
        func validTextAccepted() async throws {
            try await withSinkHarness { harness in
                let client = try await WireClient(port: harness.port)
                let word = "é€𝄞\u{FFFF}\u{10FFFF}"
                let bytes = Array(word.utf8)
                for (name, frames) in [
                    ("whole", Frames.text(bytes)),
                    ("split after the first byte of é", Frames.text(Array(bytes[..<1]), fin: false) + Frames.continuation(Array(bytes[1...]))),
                    (
                        "split inside 𝄞, one byte a fragment",
                        Frames.text(Array(bytes[..<6]), fin: false)
                            + bytes[6..<9].map { Frames.continuation([$0], fin: false) }.joined() + Frames.continuation(Array(bytes[9...]))
                    ),
                ] {
                    client.send(frames)
                    let reply = await client.nextNonTelemetryFrame()
                    #expect(
                        reply?.isMessage(type: "error") == true && reply?.text.contains(word) == true,
                        "\(name): \(reply.map(String.init(describing:)) ?? "nothing")")
                }
            }
        }

        static let refused: [ConformanceCase] = [
            ConformanceCase("8.1", "invalid bytes in one frame", Frames.text(Array("sub ".utf8) + [0xFF, 0xFE]), closes: 1007),
            ConformanceCase("8.1", "a continuation byte with no lead byte", Frames.text([0x70, 0x80, 0x69]), closes: 1007),
            ConformanceCase("8.1", "a character cut short at the end of the message", Frames.text([0x61, 0xE2, 0x82]), closes: 1007),
            ConformanceCase(
                "8.1", "invalid across a fragment boundary (a lead byte, then no continuation)",
                Frames.text([0x70, 0xC3], fin: false) + Frames.continuation([0x28, 0x69]), closes: 1007),
            ConformanceCase(
                "8.1", "invalid in the last of three fragments",
                Frames.text("pi", fin: false) + Frames.continuation("n", fin: false)
                    + Frames.continuation([0x67, 0xF8]), closes: 1007),
            ConformanceCase("8.1, RFC 3629 3", "an overlong 2-byte encoding of '/'", Frames.text([0xC0, 0xAF]), closes: 1007),
            ConformanceCase("8.1, RFC 3629 3", "an overlong 3-byte encoding of '/'", Frames.text([0xE0, 0x80, 0xAF]), closes: 1007),
            ConformanceCase("8.1, RFC 3629 3", "an overlong 4-byte encoding of '/'", Frames.text([0xF0, 0x80, 0x80, 0xAF]), closes: 1007),
            ConformanceCase("8.1, RFC 3629 3", "a high surrogate U+D800", Frames.text([0xED, 0xA0, 0x80]), closes: 1007),
            ConformanceCase("8.1, RFC 3629 3", "a low surrogate U+DFFF", Frames.text([0xED, 0xBF, 0xBF]), closes: 1007),
            ConformanceCase(
                "8.1, RFC 3629 3", "a surrogate pair encoded as two characters", Frames.text([0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80]), closes: 1007),
            ConformanceCase("8.1, RFC 3629 3", "a code point above U+10FFFF", Frames.text([0xF4, 0x90, 0x80, 0x80]), closes: 1007),
            ConformanceCase("8.1, RFC 3629 3", "bytes 0xFE and 0xFF", Frames.text([0xFE, 0xFF]), closes: 1007),
        ]

        @Test("text that is not UTF-8 closes the connection with 1007", arguments: refused)
        func invalidText(_ conformance: ConformanceCase) async throws {
            try await conformance.run()
        }
    }
}
