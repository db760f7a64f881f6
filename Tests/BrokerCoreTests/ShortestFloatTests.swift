import BrokerTestSupport
import Foundation
import Testing

@testable import BrokerCore

/// The writer prints floats with its own shortest-digits search (`ShortestFloat`) instead of
/// `description`; these hold its text to `description`'s, byte for byte.
@Suite struct ShortestFloatTests {
    /// The values in `floats` whose JSON is not their `description` (`null` for NaN and infinities).
    func mismatches(_ floats: some Sequence<Float>) -> [String] {
        var found: [String] = []
        for value in floats {
            var writer = JSONWriter()
            writer.float(value)
            let expected = value.isFinite ? value.description : "null"
            if writer.string != expected { found.append("\(expected) (bits \(String(value.bitPattern, radix: 16))) printed as \(writer.string)") }
        }
        return found
    }

    /// `value` and `steps` neighbours on each side.
    func around(_ value: Float, steps: Int = 8) -> [Float] {
        var values = [value]
        var up = value
        var down = value
        for _ in 0..<steps {
            up = up.nextUp
            down = down.nextDown
            values += [up, down]
        }
        return values
    }

    @Test func edgeValuesPrintAsDescription() {
        var values: [Float] = [
            0, -0.0, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
            .infinity, -.infinity, .nan, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 1e-4, 9.9999e-5, 123.456, 16_777_216, 16_777_218, 8_388_607.5,
        ]
        for exponent in -45...38 {
            values += around(Float("1e\(exponent)")!)  // powers of ten, including subnormal ones
            values += around(Float("5e\(exponent)")!, steps: 2)
        }
        for exponent in -149...127 { values += around(Float(sign: .plus, exponent: exponent, significand: 1)) }
        values += around(1e16, steps: 64) + around(1e-4, steps: 256) + around(16_777_216, steps: 64) + around(8_388_608, steps: 64)
        values += (1..<100_000).map { Float(bitPattern: $0) }  // the smallest subnormals
        values += (0..<100_000).map { Float(bitPattern: 0x0080_0000 - $0) }  // the largest subnormals
        values += (-2000...2000).map { Float($0) / 4 }  // whole numbers and halves
        values += values.map { -$0 }
        #expect(mismatches(values) == [])
    }

    @Test func randomFloatsPrintAsDescription() {
        var generator = SplitMix64(seed: 2026_11_21)
        let bitPatterns = (0..<300_000).map { _ in Float(bitPattern: UInt32.random(in: .min ... .max, using: &generator)) }
        #expect(mismatches(bitPatterns) == [])
        // Telemetry-like values: few decimals, where the interval's ends and ties matter most.
        let decimals = (0..<200_000).map { _ in
            Float(
                Double(Int.random(in: -10_000_000...10_000_000, using: &generator)) / [1, 10, 100, 1000, 1e4, 1e5, 1e7, 1e9].randomElement(
                    using: &generator)!)
        }
        #expect(mismatches(decimals) == [])
    }

    @Test func doublesPrintAsDescription() {
        var generator = SplitMix64(seed: 42)
        var values: [Double] = [0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, 1e-5, 1e16, 1e-4, .nan, .infinity, -.infinity]
        values += (0..<200_000).map { _ in Double(bitPattern: UInt64.random(in: .min ... .max, using: &generator)) }
        values += (0..<100_000).map { _ in
            Double(Int.random(in: -1 << 54...1 << 54, using: &generator)) / [1, 2, 10, 1e3].randomElement(using: &generator)!
        }
        for value in values {
            var writer = JSONWriter()
            writer.double(value)
            #expect(writer.string == (value.isFinite ? value.description : "null"), "\(value.bitPattern)")
        }
    }

    @Test func tablesAndEstimatesAreExact() {
        for e2 in -151...102 {
            #expect(ShortestFloat.decimalExponent(ofPowerOfTwo: e2) == Int((Double(e2) * log10(2.0)).rounded(.down)), "\(e2)")
        }
        var power: UInt128 = 1
        for p in 0...47 {
            #expect(ShortestFloat.powerOfFive(p) == power, "5^\(p)")
            power *= 5
        }
        var tens: UInt64 = 1
        for digits in 1...20 {
            let below = digits == 20 ? UInt64.max : tens * 10 - 1
            #expect(JSONCursor.decimalDigitCount(tens) == digits && JSONCursor.decimalDigitCount(below) == digits, "\(digits) digits")
            if digits < 20 { tens *= 10 }
        }
        #expect(JSONCursor.decimalDigitCount(0) == 1)
    }

    /// `writeData` against a reference that prints every value through `description`.
    @Test func telemetryDataMatchesADescriptionReference() {
        let registry = VariableRegistry()
        let layout = FrameLayout(
            declaring: [
                VariableDeclaration(VariableInfo(name: "Speed", type: .float)),
                VariableDeclaration(VariableInfo(name: "Gear", type: .int)),
                VariableDeclaration(VariableInfo(name: "OnTrack", type: .bool)),
                VariableDeclaration(VariableInfo(name: "Flags", type: .bitfield)),
                VariableDeclaration(VariableInfo(name: "Time", type: .double)),
                VariableDeclaration(VariableInfo(name: "CarIdxLapDistPct", type: .float, count: 64)),
                VariableDeclaration(VariableInfo(name: "CarIdxPosition", type: .int, count: 64)),
                VariableDeclaration(VariableInfo(name: "CarIdxF2Time", type: .double, count: 8)),
                VariableDeclaration(VariableInfo(name: "Label", type: .string, unit: "", description: "text"), stringCapacity: 16),
            ], registry: registry, sourceID: "s")
        var generator = SplitMix64(seed: 7)
        for _ in 0..<200 {
            var row = FrameRow(layout: layout)
            for (index, field) in layout.fields.enumerated() {
                for element in 0..<field.count {
                    switch Int.random(in: 0..<10, using: &generator) {
                    case 0: row.setNull(index, element: element)
                    case 1: row.set(index, Double(Int.random(in: -500...500, using: &generator)), element: element)
                    default: row.set(index, Double.random(in: -1e5...1e5, using: &generator) / 7, element: element)
                    }
                }
            }
            row.setString(8, ["", "Zoë \"Z\"\\", "a\u{01}\n\tb", "€uro"].randomElement(using: &generator)!)
            let frame = Frame(seq: 1, timestamp: 0, layout: layout, row: row.bytes)
            for selection in [VariableSelection.all, .names(["CarIdxPosition", "Nope", "Time", "Label", "Speed"])] {
                let resolved = selection.resolve(sourceID: "s", layout: layout, registry: registry)
                var writer = JSONWriter()
                resolved.writeData(of: frame, to: &writer)
                let reference = resolved.entries.map { entry in
                    String(decoding: entry.jsonKey, as: UTF8.self) + Self.reference(entry.field.map { frame.value(ofField: $0) } ?? .null)
                }
                #expect(writer.string == "{" + reference.joined(separator: ",") + "}")
            }
        }
    }

    /// Plain JSON text for the values a frame holds, numbers through `description`.
    static func reference(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .float(f): return f.description
        case let .double(d): return d.description
        case let .array(items): return "[" + items.map(reference).joined(separator: ",") + "]"
        case let .string(s):
            let escaped = s.unicodeScalars.map { scalar -> String in
                switch scalar {
                case "\"": return "\\\""
                case "\\": return "\\\\"
                case "\n": return "\\n"
                case "\r": return "\\r"
                case "\t": return "\\t"
                case _ where scalar.value < 0x20: return String(format: "\\u%04x", scalar.value)
                default: return String(scalar)
                }
            }
            return "\"" + escaped.joined() + "\""
        case .object: return "?"
        }
    }
}
