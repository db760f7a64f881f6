import BrokerCore
import Testing

@testable import IRacingSource

/// The live reader against a synthetic sim writing into memory: newest buffer, torn copies,
/// restarts, staleness, status changes, session-info changes, 64-slot arrays, type repairs. Times
/// are passed explicitly, so every case is deterministic.
@Suite("Live memory reader")
struct LiveReaderTests {
    let layout = SyntheticLayout.standard

    func makeSim(update: Int32 = 1) -> (TestMemory, SyntheticSim) {
        let memory = TestMemory(layout.liveMap(sessionInfo: syntheticSessionInfo(), update: update))
        return (memory, SyntheticSim(layout: layout, destination: memory))
    }

    func value(_ name: String, in row: [UInt8]?, element: Int = 0) -> Double? {
        guard let row else { return nil }
        let raw = RawIRSDK(bytes: row)
        let v = layout.variable(name)
        switch v.type {
        case 1: return Double(row[v.offset + element])
        case 2: return Double(raw.i32(v.offset + 4 * element))
        case 3: return Double(raw.u32(v.offset + 4 * element))
        case 4: return Double(raw.f32(v.offset + 4 * element))
        default: return raw.f64(v.offset + 8 * element)
        }
    }

    @Test("the newest of the row buffers is read, whichever slot holds it")
    func newestBuffer() {
        let (memory, sim) = makeSim()
        sim.write(["Speed": [10]], tick: 7, slot: 0)
        sim.write(["Speed": [30]], tick: 9, slot: 2)
        sim.write(["Speed": [20]], tick: 8, slot: 1)
        var reader = IRSDKLiveReader()
        let poll = reader.poll(memory, now: 0)
        #expect(poll.tick == 9)
        #expect(value("Speed", in: poll.row) == 30)
        #expect(poll.declared?.variables.count == layout.variables.count)
        #expect(reader.isConnected)
        #expect(reader.reason == nil)

        let again = reader.poll(memory, now: 0.01)
        #expect(again.row == nil, "nothing new")
        #expect(again.declared == nil, "the layout did not change")
        sim.write(["Speed": [40]], tick: 10, slot: 0)
        let next = reader.poll(memory, now: 0.02)
        #expect(next.tick == 10)
        #expect(value("Speed", in: next.row) == 40)
    }

    @Test("a copy torn by the sim rewriting the buffer is retried and the retry's row is kept")
    func tornOnce() {
        let (memory, sim) = makeSim()
        var reader = IRSDKLiveReader()
        _ = reader.poll(memory, now: 0)
        sim.writeRow(["Speed": [50], "RPM": [5000]])
        let newestSlot = Int(sim.tick - 1) % layout.bufferCount
        var tears = 1
        memory.duringCopy = { offset, _ in
            guard tears > 0, offset == layout.bufferOffset(newestSlot) else { return }
            tears -= 1
            // The sim laps the buffers and rewrites this slot mid-copy with a newer row.
            sim.write(["Speed": [60], "RPM": [6000]], tick: sim.tick + 3, slot: newestSlot)
        }
        let poll = reader.poll(memory, now: 0.01)
        #expect(poll.tornCopies == 1)
        #expect(poll.tick == sim.tick)
        #expect(value("Speed", in: poll.row) == 60, "the row from the untorn second copy")
        #expect(value("RPM", in: poll.row) == 6000, "values from one row, never mixed")
        #expect(reader.tornSkips == 0)
    }

    @Test("a copy torn twice is skipped; the next poll reads the row")
    func tornTwice() {
        let (memory, sim) = makeSim()
        var reader = IRSDKLiveReader()
        _ = reader.poll(memory, now: 0)
        sim.writeRow(["Speed": [70]])
        memory.duringCopy = { offset, count in
            guard count == layout.rowLength else { return }
            let slot = (offset - layout.firstBufferOffset) / layout.bufferStride
            sim.write(["Speed": [Double(sim.tick + 1)]], tick: sim.tick + 1, slot: slot)
        }
        let torn = reader.poll(memory, now: 0.01)
        #expect(torn.row == nil)
        #expect(torn.tornCopies == IRSDKLiveReader.copyAttempts)
        #expect(reader.tornSkips == 1)
        #expect(reader.isConnected, "one skipped row is not a disconnect")

        memory.duringCopy = nil
        let next = reader.poll(memory, now: 0.02)
        #expect(next.tick == sim.tick)
        #expect(value("Speed", in: next.row) == Double(sim.tick))
    }

    @Test("a tick going backwards is a restart: reported, and the new rows are read at once")
    func restart() {
        let (memory, sim) = makeSim()
        var reader = IRSDKLiveReader()
        for i in 0..<5 {
            sim.writeRow(["Lap": [Double(i)]])
            _ = reader.poll(memory, now: Double(i) / 60)
        }
        let before = sim.tick
        sim.restart(["Lap": [0], "Speed": [1]], tick: 2)
        let poll = reader.poll(memory, now: 0.2)
        #expect(poll.restartedFrom == before)
        #expect(poll.tick == 2)
        #expect(value("Speed", in: poll.row) == 1)
        #expect(poll.declared == nil, "same variables after the restart: no new declaration")
        #expect(poll.sessionInfo != nil, "session info is read again after a restart")
        #expect(reader.restarts == 1)
        sim.writeRow(["Speed": [2]])
        #expect(value("Speed", in: reader.poll(memory, now: 0.25).row) == 2)
    }

    @Test("a restart with another car's variables declares the new set")
    func restartWithNewVariables() {
        let (memory, sim) = makeSim()
        var reader = IRSDKLiveReader()
        sim.writeRow([:])
        _ = reader.poll(memory, now: 0)
        // Same layout size, one variable renamed: the table bytes differ.
        var other = layout
        other.variables[3].name = "SpeedRenamed"
        memory.write(other.variableHeaders(), at: layout.variableHeaderOffset)
        sim.restart(["Speed": [3]], tick: 1)
        let poll = reader.poll(memory, now: 0.1)
        #expect(poll.restartedFrom != nil)
        #expect(poll.declared?.variable(named: "SpeedRenamed") != nil)
        #expect(poll.declared?.variable(named: "Speed") == nil)
    }

    @Test("no new tick for 2 s is a disconnect; a new tick reconnects")
    func staleness() {
        let (memory, sim) = makeSim()
        var reader = IRSDKLiveReader()
        var time = 0.0
        for _ in 0..<60 {
            sim.writeRow([:])
            _ = reader.poll(memory, now: time)
            time += 1.0 / 60
        }
        let lastRow = time - 1.0 / 60
        _ = reader.poll(memory, now: lastRow + 1.99)
        #expect(reader.isConnected, "1.99 s without a tick is still connected")
        _ = reader.poll(memory, now: lastRow + 2.0)
        #expect(!reader.isConnected)
        #expect(reader.reason == "no new data for 2 s: the sim is paused or gone")
        sim.writeRow(["Speed": [5]])
        let back = reader.poll(memory, now: lastRow + 3)
        #expect(value("Speed", in: back.row) == 5)
        #expect(reader.isConnected)
    }

    @Test("the status bit: the sim going away disconnects at once, coming back reconnects")
    func statusBit() {
        let (memory, sim) = makeSim()
        var reader = IRSDKLiveReader()
        sim.writeRow([:])
        _ = reader.poll(memory, now: 0)
        #expect(reader.isConnected)
        sim.setConnected(false)
        let gone = reader.poll(memory, now: 0.1)
        #expect(gone.row == nil)
        #expect(!reader.isConnected)
        #expect(reader.reason?.contains("not running") == true)
        sim.setConnected(true)
        sim.writeRow(["Gear": [3]])
        let back = reader.poll(memory, now: 0.2)
        #expect(reader.isConnected)
        #expect(value("Gear", in: back.row) == 3)
        #expect(back.sessionInfo != nil, "session info is read again after the sim comes back")
    }

    @Test("session info is read when sessionInfoUpdate changes, up to the first NUL")
    func sessionInfoChanges() throws {
        let (memory, sim) = makeSim(update: 4)
        var reader = IRSDKLiveReader()
        let first = reader.poll(memory, now: 0)
        #expect(first.sessionInfoUpdate == 4)
        #expect(first.sessionInfo == Array(syntheticSessionInfo().utf8))
        #expect(reader.poll(memory, now: 0.01).sessionInfo == nil, "same update: not read again")

        let text = syntheticSessionInfo(drivers: ["Ada Driver", "Bo Racer"])
        sim.setSessionInfo(text, update: 5)
        let second = reader.poll(memory, now: 0.02)
        #expect(second.sessionInfoUpdate == 5)
        let bytes = try #require(second.sessionInfo)
        #expect(bytes == Array(text.utf8))
        var parser = SessionInfoParser()
        #expect(parser.parse(bytes).tree["DriverInfo"]?["Drivers"]?[1]?["UserName"] == .string("Bo Racer"))
    }

    @Test("session text rewritten during its copy is copied again")
    func sessionInfoTorn() {
        let (memory, sim) = makeSim(update: 1)
        var reader = IRSDKLiveReader()
        var tears = 1
        let newer = syntheticSessionInfo(track: "Rewritten Raceway")
        memory.duringCopy = { offset, _ in
            guard offset == layout.sessionInfoOffset, tears > 0 else { return }
            tears -= 1
            sim.setSessionInfo(newer, update: 2)
        }
        let poll = reader.poll(memory, now: 0)
        #expect(poll.tornCopies == 1)
        #expect(poll.sessionInfoUpdate == 2)
        #expect(poll.sessionInfo == Array(newer.utf8))
    }

    @Test("64-slot CarIdx arrays, a char string and unaligned scalars are served as the sim wrote them")
    func arraysAndStrings() throws {
        let (memory, sim) = makeSim()
        let distances = (0..<64).map { Double($0) / 64 }
        let positions = (0..<64).map { Double(64 - $0) }
        let onPitRoad = (0..<64).map { Double($0 % 3 == 0 ? 1 : 0) }
        var name = [Double](repeating: 0, count: 16)
        for (i, c) in "Ada".utf8.enumerated() { name[i] = Double(c) }
        sim.writeRow([
            "CarIdxLapDistPct": distances, "CarIdxPosition": positions, "CarIdxOnPitRoad": onPitRoad, "PlayerName": name,
            "SessionTime": [123.456], "SessionFlags": [Double(0x8000_0004)], "CarIdxPaceFlags": Array(repeating: 2, count: 64),
        ])
        var reader = IRSDKLiveReader()
        let poll = reader.poll(memory, now: 0)
        let description = try #require(poll.declared)
        let registry = VariableRegistry()
        let layout = SourceHub(id: "live", typeName: "iracing", registry: registry)
            .declare(description.declarations, rowSize: description.header.bufferLength)
        let frame = Frame(seq: 1, timestamp: 0, layout: layout, row: try #require(poll.row))
        #expect(frame.value(named: "CarIdxLapDistPct") == .array(distances.map { .float(Float($0)) }))
        #expect(frame.value(named: "CarIdxPosition") == .array(positions.map { .int(Int64($0)) }))
        #expect(frame.value(named: "CarIdxOnPitRoad") == .array(onPitRoad.map { .bool($0 != 0) }))
        #expect(frame.value(named: "CarIdxPaceFlags") == .array(Array(repeating: .int(2), count: 64)))
        #expect(frame.value(named: "PlayerName") == .string("Ada"))
        #expect(frame.value(named: "SessionTime") == .double(123.456))
        #expect(frame.value(named: "SessionFlags") == .int(0x8000_0004), "bitfields are unsigned")
        var writer = JSONWriter()
        frame.writeValue(ofField: try #require(layout.fieldIndex(named: "CarIdxPosition")), to: &writer)
        #expect(writer.string == "[" + positions.map { String(Int($0)) }.joined(separator: ",") + "]")
        // The variable the catalogue lacks is registered with the sim's own unit and description.
        let entry = try #require(registry.entries().first { $0.info.name == "BrandNewSimVariable" })
        #expect(entry.info.unit == "furlongs")
        #expect(entry.info.description == "Not in the catalogue")
        #expect(entry.providers == ["live"])
        #expect(!entry.inCatalogue)
    }

    @Test("declared types the unit contradicts are read by the unit; misnamed shock vars are renamed")
    func typeRepairs() throws {
        var repaired = SyntheticLayout([
            SyntheticVariable(name: "CarLeftRight", type: 3, unit: "irsdk_CarLeftRight"),
            SyntheticVariable(name: "CarIdxPaceFlags", type: 2, count: 64, unit: "irsdk_PaceFlags"),
            SyntheticVariable(name: "SessionFlags", type: 3, unit: "irsdk_Flags"),
            SyntheticVariable(name: "Gear", type: 2),
            SyntheticVariable(name: "LFSHshockDefl", type: 4, unit: "m"),
            SyntheticVariable(name: "CRSHshockVel_ST", type: 4, count: 6, unit: "m/s"),
        ])
        repaired.bufferCount = 1
        let memory = TestMemory(repaired.liveMap(sessionInfo: "", row: repaired.row(["CarLeftRight": [4], "CarIdxPaceFlags": [1, 2, 4]])))
        let description = try IRSDKParser.description(in: memory.bytes)
        #expect(description.variable(named: "CarLeftRight")?.type == .int)
        #expect(description.variable(named: "CarLeftRight")?.declaredType == .bitField)
        #expect(description.variable(named: "CarIdxPaceFlags")?.type == .bitField)
        #expect(description.variable(named: "SessionFlags")?.type == .bitField)
        #expect(description.variable(named: "Gear")?.type == .int)
        #expect(description.variable(named: "LFshockDefl")?.declaredName == "LFSHshockDefl")
        #expect(description.variable(named: "CRshockVel_ST")?.count == 6)
        #expect(description.variable(named: "LFSHshockDefl") == nil)
        #expect(description.notes.count == 4, "\(description.notes)")
        let infos = description.declarations.map(\.info)
        #expect(infos.first { $0.name == "CarLeftRight" }?.type == .int)
        #expect(infos.first { $0.name == "CarIdxPaceFlags" }?.type == .bitfield)
    }
}
