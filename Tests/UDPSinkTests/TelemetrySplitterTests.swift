import BrokerCore
import Foundation
import MockSource
import Testing
import UDPSink

/// The splitting rules, checked on the mock's full catalogue without a network.
@Suite struct TelemetrySplitterTests {
    struct MockFrames {
        let registry = VariableRegistry()
        let layout: FrameLayout
        let frames: [Frame]

        init(count: Int, seed: UInt64 = 3) {
            let layout = FrameLayout(declaring: MockSimulation.declarations(), registry: registry, sourceID: "mock")
            var simulation = MockSimulation(layout: layout, cars: 64, seed: seed, overrides: [:])
            self.layout = layout
            frames = (1...count).map { Frame(seq: UInt64($0), timestamp: 0, layout: layout, row: simulation.step(dt: 0.5).bytes) }
        }

        func selection(_ variables: VariableSelection) -> ResolvedSelection {
            variables.resolve(sourceID: "mock", layout: layout, registry: registry)
        }
    }

    static let mock = MockFrames(count: 3)

    /// Every datagram fits, is a telemetry object with the frame's seq, parts count 1...N, and the
    /// variables' text joined back is the unsplit text minus the variables reported as dropped.
    @Test(arguments: [256, 300, 700, 1400, 4096, 65507])
    func partsFitAndReassembleToTheUnsplitText(limit: Int) throws {
        let selection = Self.mock.selection(.all)
        let splitter = TelemetrySplitter(limit: limit, sourceID: "mock", selection: selection, registry: Self.mock.registry)
        for frame in Self.mock.frames {
            let whole = BrokerMessages.telemetry(sourceID: "mock", frame: frame, selection: selection)
            let output = splitter.datagrams(for: frame)
            #expect(output.isSplit == (whole.count > limit))
            if !output.isSplit {
                #expect(output.datagrams == [whole], "a frame that fits goes out exactly as the core writes it")
                continue
            }
            for (index, datagram) in output.datagrams.enumerated() {
                #expect(datagram.count <= limit, "part \(index + 1) has \(datagram.count) bytes, limit \(limit)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(datagram)) as? [String: Any])
                #expect(object["type"] as? String == "telemetry" && object["source"] as? String == "mock")
                #expect(object["seq"] as? Int == Int(frame.seq))
                #expect(object["part"] as? Int == index + 1 && object["parts"] as? Int == output.datagrams.count)
                #expect(object["data"] is [String: Any])
            }
            let dropped = Set(output.dropped.map(\.name))
            let expected = Self.entries(of: SplitText.dataInner(whole)).filter { !dropped.contains(Self.name(of: $0)) }
            let reassembled = output.datagrams.flatMap { Self.entries(of: SplitText.dataInner($0)) }
            #expect(reassembled == expected, "limit \(limit), seq \(frame.seq): the parts' variables differ from the unsplit message")
            for (name, needed) in output.dropped {
                #expect(needed > limit, "\(name) was dropped though \(needed) bytes fit \(limit)")
            }
            // Packing is greedy: no part could have taken the next part's first variable.
            for (part, next) in zip(output.datagrams, output.datagrams.dropFirst()) {
                let first = try #require(Self.entries(of: SplitText.dataInner(next)).first)
                #expect(part.count + 1 + first.count > limit, "a part was closed early")
            }
        }
    }

    @Test func atTheSmallestLimitOnlyTheBigArraysAreDroppedAndPartNumbersGrowDigits() throws {
        let selection = Self.mock.selection(.all)
        let output = TelemetrySplitter(limit: 256, sourceID: "mock", selection: selection, registry: Self.mock.registry)
            .datagrams(for: Self.mock.frames[0])
        #expect(output.datagrams.count >= 10, "enough parts to need two-digit part numbers")
        #expect(!output.dropped.isEmpty)
        #expect(output.dropped.allSatisfy { $0.name.hasPrefix("CarIdx") || $0.bytesNeeded > 256 })
        #expect(!output.dropped.contains { $0.name == "Speed" || $0.name == "RPM" })
    }

    @Test func aVariableExactlyFillingTheLimitIsKept() throws {
        let selection = Self.mock.selection(.names(["Speed", "CarIdxLapDistPct", "RPM"]))
        let frame = Self.mock.frames[1]
        let probe = TelemetrySplitter(limit: 256, sourceID: "mock", selection: selection, registry: Self.mock.registry).datagrams(for: frame)
        let needed = try #require(probe.dropped.first { $0.name == "CarIdxLapDistPct" }?.bytesNeeded)
        for (limit, kept) in [(needed, true), (needed - 1, false)] {
            let output = TelemetrySplitter(limit: limit, sourceID: "mock", selection: selection, registry: Self.mock.registry).datagrams(for: frame)
            #expect(output.datagrams.allSatisfy { $0.count <= limit })
            #expect(output.dropped.isEmpty == kept, "limit \(limit), needed \(needed)")
            #expect(output.datagrams.contains { $0.count == limit } == kept)
        }
    }

    @Test func aSourceIdTooLongForAnyDatagramSendsNothing() {
        let selection = Self.mock.selection(.names(["Speed"]))
        let longID = String(repeating: "s", count: 300)
        let output = TelemetrySplitter(limit: 256, sourceID: longID, selection: selection, registry: Self.mock.registry)
            .datagrams(for: Self.mock.frames[0])
        #expect(output.datagrams.isEmpty)
    }

    /// `"Name":value` items of a data object's inner text (values hold no top-level commas
    /// except inside arrays, which are bracketed; strings are skipped properly).
    static func entries(of inner: [UInt8]) -> [[UInt8]] {
        var items: [[UInt8]] = []
        var current: [UInt8] = []
        var depth = 0
        var inString = false
        var escaped = false
        for byte in inner {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                depth += 1
            } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                depth -= 1
            } else if byte == UInt8(ascii: ","), depth == 0 {
                items.append(current)
                current = []
                continue
            }
            current.append(byte)
        }
        if !current.isEmpty { items.append(current) }
        return items
    }

    static func name(of entry: [UInt8]) -> String {
        let key = entry.prefix { $0 != UInt8(ascii: ":") }
        return String(decoding: key.dropFirst().dropLast(), as: UTF8.self)
    }
}
