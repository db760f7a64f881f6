import BrokerCore
import BrokerTestSupport
import Testing

@testable import IRacingSource

/// Bad offsets, counts and lengths in synthetic headers: every one is refused with an error that
/// names the field, and no input (mutated, truncated, random) makes the parser read out of bounds.
@Suite("Malformed irsdk input")
struct MalformedInputTests {
    let layout = SyntheticLayout.standard
    let sessionText = syntheticSessionInfo()

    var validIBT: [UInt8] {
        layout.ibtFile(sessionInfo: sessionText, rows: (0..<5).map { layout.row(["SessionTick": [Double($0)]]) })
    }

    func parseIBT(_ bytes: [UInt8]) throws -> IBTFile {
        try IBTFile(storage: InMemoryRegion(bytes), path: "synthetic.ibt")
    }

    /// `bytes` with the int32 at `offset` replaced.
    func patched(_ bytes: [UInt8], _ offset: Int, _ value: Int32) -> [UInt8] {
        var copy = bytes
        copy.put(value, at: offset)
        return copy
    }

    func expectRefusal(_ bytes: [UInt8], mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try parseIBT(bytes)
            Issue.record("accepted malformed input (expected an error mentioning \(words))", sourceLocation: sourceLocation)
        } catch let error as IRSDKFormatError {
            for word in words {
                #expect(error.message.contains(word), "'\(error.message)' should mention '\(word)'", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("the valid synthetic file parses (so the refusals below are due to the patch alone)")
    func baseline() throws {
        let file = try parseIBT(validIBT)
        #expect(file.rowCount == 5)
        #expect(file.description.variables.count == layout.variables.count)
        #expect(try file.withRow(4) { file.description.variable(named: "SessionTick")?.integer(in: $0) } == 4)
    }

    @Test("bad header fields are refused, naming the field")
    func badHeaderFields() {
        let v = validIBT
        let size = v.count
        expectRefusal(patched(v, 0, 3), mentioning: ["version is 3"])
        expectRefusal(patched(v, 0, -1), mentioning: ["version is -1"])
        expectRefusal(patched(v, 8, 0), mentioning: ["tickRate 0"])
        expectRefusal(patched(v, 8, -60), mentioning: ["tickRate -60"])
        expectRefusal(patched(v, 24, 0), mentioning: ["numVars 0"])
        expectRefusal(patched(v, 24, -5), mentioning: ["numVars -5"])
        expectRefusal(patched(v, 24, Int32.max), mentioning: ["numVars \(Int32.max)"])
        expectRefusal(patched(v, 24, 1000), mentioning: ["variable header table", "1000 x 144"])
        expectRefusal(patched(v, 28, -144), mentioning: ["varHeaderOffset -144"])
        expectRefusal(patched(v, 28, Int32(size - 100)), mentioning: ["varHeaderOffset \(size - 100)"])
        expectRefusal(patched(v, 28, Int32.max), mentioning: ["varHeaderOffset \(Int32.max)"])
        expectRefusal(patched(v, 32, 0), mentioning: ["numBuf 0"])
        expectRefusal(patched(v, 32, 5), mentioning: ["numBuf 5"])
        expectRefusal(patched(v, 36, 0), mentioning: ["bufLen 0"])
        expectRefusal(patched(v, 36, -1), mentioning: ["bufLen -1"])
        expectRefusal(patched(v, 36, Int32(size + 1)), mentioning: ["bufLen \(size + 1)"])
        expectRefusal(patched(v, 52, -4), mentioning: ["row buffer 0", "offset -4"])
        expectRefusal(patched(v, 52, Int32(size - 10)), mentioning: ["row buffer 0", "past the \(size) bytes"])
        expectRefusal(patched(v, 52, Int32.max), mentioning: ["row buffer 0"])
        expectRefusal(patched(v, 16, -1), mentioning: ["sessionInfoLen -1"])
        expectRefusal(patched(v, 16, Int32(size)), mentioning: ["sessionInfoLen \(size)"])
        expectRefusal(patched(v, 20, -8), mentioning: ["sessionInfoOffset -8"])
        expectRefusal(patched(v, 20, Int32.max), mentioning: ["sessionInfoOffset \(Int32.max)"])
        expectRefusal(patched(v, 140, -2), mentioning: ["sessionRecordCount -2"])
        expectRefusal(patched(v, 140, 6), mentioning: ["truncated", "promises 6 rows"])
        expectRefusal(patched(v, 140, Int32.max), mentioning: ["truncated"])
    }

    @Test("bad variable headers are refused, naming the variable")
    func badVariableHeaders() {
        let v = validIBT
        let speed = 144 + 144 * layout.variables.firstIndex { $0.name == "Speed" }!
        expectRefusal(patched(v, speed, 9), mentioning: ["'Speed'", "unknown type 9"])
        expectRefusal(patched(v, speed, -1), mentioning: ["'Speed'", "unknown type -1"])
        expectRefusal(patched(v, speed + 4, -3), mentioning: ["'Speed'", "row offset -3"])
        expectRefusal(patched(v, speed + 4, Int32(layout.rowLength - 2)), mentioning: ["'Speed'", "past the row length bufLen \(layout.rowLength)"])
        expectRefusal(patched(v, speed + 4, Int32.max), mentioning: ["'Speed'"])
        expectRefusal(patched(v, speed + 8, 0), mentioning: ["'Speed'", "count 0"])
        expectRefusal(patched(v, speed + 8, -64), mentioning: ["'Speed'", "count -64"])
        expectRefusal(patched(v, speed + 8, Int32.max), mentioning: ["'Speed'", "count \(Int32.max)"])
        let last = 144 + 144 * (layout.variables.count - 1)
        expectRefusal(patched(v, last + 8, 2), mentioning: ["'BrandNewSimVariable'", "(2 x 4 bytes)", "past the row length"])
        var unnamed = v
        unnamed.put("", at: speed + 16, length: 32)
        expectRefusal(unnamed, mentioning: ["empty name"])
    }

    @Test("a double declaration keeps the first and notes the second")
    func duplicateName() throws {
        var v = validIBT
        let rpm = 144 + 144 * layout.variables.firstIndex { $0.name == "RPM" }!
        v.put("Speed", at: rpm + 16, length: 32)
        let file = try parseIBT(v)
        #expect(file.description.variables.count == layout.variables.count - 1)
        #expect(file.description.variable(named: "Speed")?.offset == layout.variable("Speed").offset)
        #expect(file.description.notes.contains { $0.contains("'Speed' is declared twice") })
    }

    @Test("every truncation of a file is refused or parsed, never read past its end")
    func everyTruncation() {
        let bytes = validIBT
        var refused = 0
        for length in 0..<bytes.count {
            do {
                let file = try parseIBT(Array(bytes.prefix(length)))
                // Only cuts inside the last rows can parse, and then with whole rows only.
                #expect(file.firstRowOffset + file.rowCount * file.header.bufferLength <= length)
            } catch is IRSDKFormatError {
                refused += 1
            } catch {
                Issue.record("unexpected error at length \(length): \(error)")
            }
        }
        #expect(refused == bytes.count, "the sub-header promises 5 rows, so every shorter file is refused")
    }

    @Test("random corruption of headers never crashes the parser or the live reader")
    func randomCorruption() {
        var generator = SplitMix64(seed: 0x1BAC1)
        let map = layout.liveMap(sessionInfo: sessionText)
        let headerArea = layout.firstBufferOffset
        var accepted = 0
        var refused = 0
        for _ in 0..<1500 {
            var corrupt = map
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let at: Int
                if Bool.random(using: &generator) {
                    at = Int.random(in: 0..<IRSDK.headerSize, using: &generator)
                } else {
                    at = layout.variableHeaderOffset + Int.random(in: 0..<(headerArea - layout.variableHeaderOffset), using: &generator)
                }
                corrupt[at] = UInt8.random(in: 0...255, using: &generator)
            }
            let memory = TestMemory(corrupt)
            do {
                let description = try IRSDKParser.description(in: memory.bytes)
                for variable in description.variables { #expect(variable.offset + variable.byteSize <= description.header.bufferLength) }
                accepted += 1
            } catch is IRSDKFormatError {
                refused += 1
            } catch {
                Issue.record("unexpected error: \(error)")
            }
            var reader = IRSDKLiveReader()
            let poll = reader.poll(memory, now: 0)
            #expect((poll.row == nil) || (poll.row?.count == Int(RawIRSDK(bytes: corrupt).bufferLength)))
        }
        #expect(accepted > 0 && refused > 0, "the corruption should hit both harmless and fatal bytes (\(accepted)/\(refused))")
    }

    @Test("the live reader reports a malformed map and picks up once it is fixed")
    func liveReaderMalformedThenFixed() {
        var map = layout.liveMap(sessionInfo: sessionText)
        map.put(Int32(5), at: 32)  // numBuf 5
        let memory = TestMemory(map)
        var reader = IRSDKLiveReader()
        let bad = reader.poll(memory, now: 0)
        #expect(bad.row == nil && bad.declared == nil && bad.sessionInfo == nil)
        #expect(!reader.isConnected)
        #expect(reader.reason == "the map is not readable: numBuf 5 is out of range (1...4)")
        memory.write([3, 0, 0, 0], at: 32)
        let good = reader.poll(memory, now: 0.01)
        #expect(good.declared != nil)
        #expect(good.row != nil)
        #expect(reader.isConnected)

        let tiny = TestMemory([UInt8](repeating: 0, count: 40))
        var other = IRSDKLiveReader()
        #expect(other.poll(tiny, now: 0).row == nil)
        #expect(other.reason?.contains("holds 40 bytes, less than the 112-byte irsdk header") == true)
    }
}
