import Foundation
import Testing

@testable import ReplaySource

/// The block reader hands out every line whole, across block boundaries, and bounds long lines.
@Suite struct RecordingLineReaderTests {
    func readAll(_ reader: RecordingLineReader) throws -> [(text: String, slice: RecordingLineSlice)] {
        var lines: [(String, RecordingLineSlice)] = []
        while let slice = try reader.next() {
            lines.append((reader.withBytes(of: slice) { String(decoding: $0, as: UTF8.self) }, slice))
        }
        return lines
    }

    @Test func linesCrossingBlocksComeOutWhole() throws {
        // Lines of many lengths, so newlines fall on and around the 1 MiB block boundaries.
        let expected = (0..<3000).map { i in String(repeating: Character(UnicodeScalar(UInt8(97 + i % 26))), count: (i * 7919) % 3000) }
        let file = try TemporaryFile(expected.joined(separator: "\n") + "\n")
        let reader = try RecordingLineReader(path: file.path)
        let lines = try readAll(reader)
        #expect(lines.map(\.text) == expected)
        #expect(lines.map(\.slice.number) == Array(1...3000))
        #expect(lines.allSatisfy { $0.slice.terminated && !$0.slice.tooLong })

        try reader.rewind()
        #expect(try readAll(reader).map(\.text) == expected, "a second pass differs")
    }

    @Test func aLastLineWithoutNewlineIsMarked() throws {
        let file = try TemporaryFile("one\ntwo\nthr")
        let lines = try readAll(try RecordingLineReader(path: file.path))
        #expect(lines.map(\.text) == ["one", "two", "thr"])
        #expect(lines.map(\.slice.terminated) == [true, true, false])
    }

    @Test func aLineOverTheLimitIsDroppedAndTheNextOnesStillCome() throws {
        let long = String(repeating: "x", count: 3 << 20)
        let file = try TemporaryFile("short\n\(long)\nafter\n\(long)")
        let lines = try readAll(try RecordingLineReader(path: file.path, maxLineBytes: 1 << 20))
        #expect(lines.map(\.text) == ["short", "", "after", ""])
        #expect(lines.map(\.slice.tooLong) == [false, true, false, true])
        #expect(lines.map(\.slice.number) == [1, 2, 3, 4])
    }

    @Test func aMissingFileSaysWhy() {
        #expect {
            _ = try RecordingLineReader(path: "/nonexistent/recording.ndjson")
        } throws: { error in
            "\(error)" == "cannot open /nonexistent/recording.ndjson: No such file or directory"
        }
    }
}
