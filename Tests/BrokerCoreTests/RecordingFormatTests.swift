import BrokerCore
import Testing

/// The recording format both ways: what `RecordingFormat` writes for a source, it reads back to the
/// same variables and the same frame, bit for bit (the stdout sink writes these lines, the replay
/// source reads them).
@Suite struct RecordingFormatTests {
    static func catalogue(_ name: String) throws -> VariableInfo {
        try #require(VariableCatalogue.all.first { $0.name == name }, "\(name) is not in the catalogue")
    }

    @Test("declare and telemetry lines read back to the declared variables and the same row")
    func roundTrip() throws {
        let radio = VariableInfo(name: "TeamRadioChannel", type: .string, unit: "", description: "Radio channel \"name\"")
        let declarations = [
            VariableDeclaration(try Self.catalogue("Speed")), VariableDeclaration(try Self.catalogue("Gear")),
            VariableDeclaration(try Self.catalogue("SessionTime")), VariableDeclaration(try Self.catalogue("OnPitRoad")),
            VariableDeclaration(try Self.catalogue("EngineWarnings")), VariableDeclaration(try Self.catalogue("CarIdxLapDistPct")),
            VariableDeclaration(radio, stringCapacity: 24),
        ]
        let registry = VariableRegistry()
        let layout = SourceHub(id: "car", typeName: "test", registry: registry).declare(declarations)
        var row = FrameRow(layout: layout)
        row.set(0, 41.3)  // not exact in a float: must come back as the same float
        row.set(1, -1)
        row.set(2, 1234.567_890_123_45)
        row.set(3, true)
        row.set(4, 0x8000_0101)
        for car in 0..<64 { row.set(5, Double(car) / 63 - 0.5, element: car) }
        row.setNull(5, element: 3)
        row.setString(6, "Équipe A, \"pit\"\n")
        let frame = Frame(seq: 7, timestamp: 1_795_247_726.697, layout: layout, row: row.bytes)
        let selection = VariableSelection.all.resolve(sourceID: "car", layout: layout, registry: registry)

        let declareLine = RecordingFormat.declareLine(sourceID: "car", selection: selection, registry: registry, time: frame.timestamp)
        let telemetryLine = RecordingFormat.telemetryLine(sourceID: "car", frame: frame, selection: selection)
        #expect(!declareLine.contains(0x0A) && !telemetryLine.contains(0x0A), "a line must not hold a newline")

        // The declare line: the same variables, with their metadata and the string's capacity.
        let declaration = try declareLine.withUnsafeBytes { bytes in
            let line = try RecordingFormat.Line.parse(bytes)
            #expect(line.kind == .declare && line.source == "car" && line.time == frame.timestamp)
            return try RecordingFormat.Declaration(bytes, variables: try #require(line.variables))
        }
        #expect(declaration.dropped == 0)
        // What a declare line carries (not the catalogue's range, which the registry has anyway).
        func carried(_ info: VariableInfo) -> [String] { [info.name, info.type.rawValue, "\(info.count)", info.unit, info.description] }
        #expect(declaration.variables.map(carried) == declarations.map { carried($0.info) })
        #expect(declaration.stringSizes == [0, 0, 0, 0, 0, 0, 24])

        // The telemetry line, decoded into the layout a replay declares from it: the same bytes.
        let replayLayout = SourceHub(id: "car", typeName: "replay", registry: VariableRegistry()).declare(declaration.declarations)
        #expect(replayLayout.rowSize == layout.rowSize)
        let decoded = try telemetryLine.withUnsafeBytes { bytes in
            let line = try RecordingFormat.Line.parse(bytes)
            #expect(line.kind == .telemetry && line.source == "car" && line.time == frame.timestamp)
            let data = try #require(line.data)
            return try RecordingFormat.RowDecoder(layout: replayLayout).row(from: UnsafeRawBufferPointer(rebasing: bytes[data]))
        }
        #expect(decoded == row.bytes)
        let replayed = Frame(seq: 1, timestamp: 0, layout: replayLayout, row: decoded)
        for (index, field) in layout.fields.enumerated() {
            #expect(replayed.value(named: field.name) == frame.value(ofField: index), "\(field.name)")
        }
        #expect(replayed.value(named: "CarIdxLapDistPct")?.arrayValue?[3] == .null)
    }

    @Test("a line that is not one JSON object is refused with the byte where it goes wrong")
    func notAnObject() {
        for text in ["[1,2]", "{\"type\":\"telemetry\",", "{\"type\":\"declare\"} x", ""] {
            let bytes = Array(text.utf8)
            #expect(throws: JSONParseError.self, "\(text)") { try bytes.withUnsafeBytes { try RecordingFormat.Line.parse($0) } }
        }
    }
}
