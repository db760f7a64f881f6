import BrokerCore
import Foundation
import Testing

@Suite struct FrameEncodingTests {
    let registry = VariableRegistry()

    func layout() -> FrameLayout {
        FrameLayout(
            declaring: [
                VariableDeclaration(VariableInfo(name: "Speed", type: .float)),
                VariableDeclaration(VariableInfo(name: "Gear", type: .int)),
                VariableDeclaration(VariableInfo(name: "IsOnTrack", type: .bool)),
                VariableDeclaration(VariableInfo(name: "SessionFlags", type: .bitfield)),
                VariableDeclaration(VariableInfo(name: "SessionTime", type: .double)),
                VariableDeclaration(VariableInfo(name: "CarIdxLap", type: .int, count: 4)),
                VariableDeclaration(VariableInfo(name: "MyLabel", type: .string, unit: "", description: "a sim's own"), stringCapacity: 8),
            ], registry: registry, sourceID: "s")
    }

    @Test func everyTypeEncodesAsJSON() throws {
        let layout = layout()
        var row = FrameRow(layout: layout)
        row.set(0, 0.1)
        row.set(1, -1)
        row.set(2, true)
        row.set(3, Int(0x8000_0004 as UInt32))
        row.set(4, 1234.5)
        for i in 0..<4 { row.set(5, i * 10, element: i) }
        row.setString(6, "Zoë \"Z\"")
        let frame = Frame(seq: 7, timestamp: 0, layout: layout, row: row.bytes)
        let selection = VariableSelection.all.resolve(sourceID: "s", layout: layout, registry: registry)
        let text = String(decoding: BrokerMessages.telemetry(sourceID: "s", frame: frame, selection: selection), as: UTF8.self)
        #expect(
            text
                == #"{"type":"telemetry","source":"s","seq":7,"data":{"Speed":0.1,"Gear":-1,"IsOnTrack":true,"SessionFlags":2147483652,"SessionTime":1234.5,"CarIdxLap":[0,10,20,30],"MyLabel":"Zoë \"Z\""}}"#
        )
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil)
    }

    @Test func missingNaNAndUnknownValuesAreNull() {
        let layout = layout()
        var row = FrameRow(layout: layout)
        row.setNull(0)
        row.set(1, -1)
        row.set(4, Double.infinity)
        let frame = Frame(seq: 1, timestamp: 0, layout: layout, row: row.bytes)
        let selection = VariableSelection.names(["Speed", "SessionTime", "RPM", "other/Gear", "s/Gear", "NotAVariable"])
            .resolve(sourceID: "s", layout: layout, registry: registry)
        var writer = JSONWriter()
        selection.writeData(of: frame, to: &writer)
        #expect(writer.string == #"{"Speed":null,"SessionTime":null,"RPM":null,"Gear":-1}"#)
    }

    @Test func floatsPrintShortestAtTheirOwnPrecision() {
        var writer = JSONWriter()
        for value: Float in [0.1, 1, -0.0, 1e-7, 3.4028235e38, 16777216] {
            writer.float(value)
            writer.byte(UInt8(ascii: " "))
        }
        writer.double(0.1)
        #expect(writer.string == "0.1 1.0 -0.0 1e-07 3.4028235e+38 16777216.0 0.1")
        for text in writer.string.split(separator: " ") {
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil, "\(text)")
        }
    }

    @Test("whole floats and integers take a fast path that prints exactly what Swift's description prints")
    func wholeNumbersMatchDescription() {
        let floats: [Float] = [0, -0.0, 1, -1, 3, 255, -65536, 16_777_215, 16_777_216, -16_777_216, 16_777_218, 2e7, 1e-45, 0.5, -2.5]
        for value in floats {
            var writer = JSONWriter()
            writer.float(value)
            #expect(writer.string == value.description, "\(value)")
        }
        let doubles: [Double] = [
            0, -0.0, 7, -123_456, 1e15, 9_007_199_254_740_991, 9_007_199_254_740_992, -9_007_199_254_740_992, 1e16, 1e300, 0.25, -1e-9,
        ]
        for value in doubles {
            var writer = JSONWriter()
            writer.double(value)
            #expect(writer.string == value.description, "\(value)")
        }
        var writer = JSONWriter()
        for value: Int64 in [0, 9, 10, -1, .min, .max] {
            writer.int(value)
            writer.byte(UInt8(ascii: " "))
        }
        writer.int(UInt64.max)
        writer.byte(UInt8(ascii: " "))
        writer.int(Int32.min)
        writer.byte(UInt8(ascii: " "))
        writer.int(UInt32.max)
        writer.byte(UInt8(ascii: " "))
        writer.int(Int16(-300))
        #expect(writer.string == "0 9 10 -1 -9223372036854775808 9223372036854775807 18446744073709551615 -2147483648 4294967295 -300")
    }

    @Test func stringsAreEscaped() {
        var writer = JSONWriter()
        writer.string("a\"b\\c\n\u{01}é")
        #expect(writer.string == #""a\"b\\c\n\u0001é""#)
    }

    @Test func longStringsAreCutOnACharacterBoundary() {
        let layout = layout()
        var row = FrameRow(layout: layout)
        row.setString(6, "Zoë Zoë Zoë")
        #expect(Frame(seq: 1, timestamp: 0, layout: layout, row: row.bytes).value(named: "MyLabel") == "Zoë Zo")
    }

    @Test func truncatedRowsReadAsNullNeverOutOfBounds() {
        let layout = layout()
        let frame = Frame(seq: 1, timestamp: 0, layout: layout, row: [0, 0])
        #expect(frame.value(named: "Speed") == .null)
        #expect(frame.value(named: "CarIdxLap") == .null)
    }

    @Test func windows1252FallbackForInvalidUTF8() {
        #expect(TextDecoding.utf8OrWindows1252([0x43, 0x7A, 0x65, 0x72, 0x77, 0x69, 0xF1, 0x73, 0x6B, 0x69]) == "Czerwiñski")
        #expect(TextDecoding.utf8OrWindows1252(Array("Łukasz".utf8)) == "Łukasz")
        #expect(TextDecoding.windows1252([0x80, 0x81, 0x9F]) == "€\u{FFFD}Ÿ")
    }

    @Test func registryAddsSimDeclaredVariablesAndTracksProviders() {
        let registry = VariableRegistry()
        let catalogueCount = registry.count
        #expect(catalogueCount == VariableCatalogue.all.count)
        let speed = registry.register(VariableInfo(name: "Speed", type: .float, unit: "m/s"), providedBy: "a")
        let custom = registry.register(
            VariableInfo(name: "CarIdxHeading", type: .float, count: 64, unit: "rad", description: "heading"), providedBy: "lfs")
        registry.register(VariableInfo(name: "Speed", type: .float), providedBy: "lfs")
        #expect(registry.count == catalogueCount + 1)
        let entries = registry.entries()
        #expect(entries[Int(speed.rawValue)].providers == ["a", "lfs"])
        #expect(entries[Int(custom.rawValue)].info.unit == "rad")
        #expect(entries[Int(custom.rawValue)].inCatalogue == false)
    }

    @Test func catalogueCoversTheSeedCatalogueWithDescriptions() {
        let names = Set(VariableCatalogue.all.map(\.name))
        #expect(VariableCatalogue.all.count >= 250)
        #expect(names.count == VariableCatalogue.all.count)
        #expect(VariableCatalogue.all.allSatisfy { !$0.description.isEmpty })
        for required in ["Speed", "RPM", "Gear", "Throttle", "Brake", "Clutch", "LapDistPct", "FuelLevelPct", "CarIdxLap", "CarIdxPosition"] {
            #expect(names.contains(required))
        }
    }
}
