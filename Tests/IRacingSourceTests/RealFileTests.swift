import BrokerCore
import BrokerTestSupport
import Foundation
import Testing

@testable import IRacingSource

/// What a real .ibt file in ../shared/data/iracing must read as. Literal values were taken from the
/// file with an independent script; every row value is also compared with `RawIRSDK`'s reading.
struct IBTCase: Sendable, CustomTestStringConvertible {
    var file: String
    var variableCount: Int
    var bufferLength: Int
    var rowCount: Int
    var startDate: Int64
    var lapCount: Int32
    var firstSessionTick: Int
    var lastSessionTick: Int
    var trackDisplayName: String
    var trackID: Int64
    var trackLength: String
    var date: String
    var carScreenName: String
    var userName: String
    var rows: [Int]

    var testDescription: String { file }

    static let all = [
        IBTCase(
            file: "formulavee_tsukuba.ibt", variableCount: 270, bufferLength: 1051, rowCount: 3429, startDate: 1_738_253_369,
            lapCount: 4, firstSessionTick: 11396, lastSessionTick: 14824, trackDisplayName: "Tsukuba Circuit 1k Outer",
            trackID: 328, trackLength: "0.68 km", date: "2025-05-15", carScreenName: "Formula Vee", userName: "Max Teichert2",
            rows: [0, 1, 214, 1769, 1774, 3428]),
        IBTCase(
            file: "w13_redbullring.ibt", variableCount: 276, bufferLength: 1072, rowCount: 390, startDate: 1_719_258_336,
            lapCount: 1, firstSessionTick: 56320, lastSessionTick: 56709, trackDisplayName: "Red Bull Ring", trackID: 403,
            trackLength: "4.28 km", date: "2024-04-01", carScreenName: "Mercedes-AMG W13 E Performance",
            userName: "George v Rensburg", rows: [0, 100, 389]),
    ]
}

/// Variables checked at every sampled row: scalars of each type, unaligned floats, a bitfield, an
/// array.
let sampledVariables = [
    "SessionTime", "SessionTick", "Speed", "RPM", "Gear", "Throttle", "Brake", "LapDistPct", "Lap", "LapCompleted",
    "LapLastLapTime", "SessionFlags", "IsOnTrack", "FrameRate", "SteeringWheelTorque_ST", "FuelLevel", "EngineWarnings",
]

@Suite("Real iRacing files", .enabled(if: TestData.isAvailable, "needs ../shared/data (the real-world test data)"))
struct RealFileTests {
    @Test("every irsdk file in the data folder parses, except the truncated fragment, which is refused")
    func everyFileParsesOrIsRefused() throws {
        let folder = TestData.path("iracing")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let irsdkFiles = names.filter { $0.hasSuffix(".ibt") || $0.hasSuffix(".bin") }
        #expect(irsdkFiles.count == 4, "expected the four irsdk files, found \(irsdkFiles)")
        for name in irsdkFiles {
            let bytes = try TestData.bytes("iracing/\(name)")
            let result = Result { try bytes.withUnsafeBytes { try IRSDKParser.description(in: $0) } }
            if name == "truncated_fragment.ibt" {
                #expect(throws: IRSDKFormatError.self, "\(name) must be refused") { try result.get() }
            } else {
                let description = try result.get()
                #expect(description.variables.count == RawIRSDK(bytes: bytes).variableCount, "\(name)")
            }
        }
    }

    @Test("the truncated fragment is refused with a clear error, by the parser and by the source")
    func truncatedFragmentRefused() throws {
        let path = TestData.path("iracing/truncated_fragment.ibt")
        do {
            _ = try IBTFile(path: path)
            Issue.record("a file starting inside a variable table was accepted")
        } catch let error as IRSDKFormatError {
            #expect(error.message.hasPrefix(path))
            #expect(error.message.contains("not an irsdk header"))
            #expect(error.message.contains("version is 1635021600"))
        }
        let harness = SourceHarness(clock: ScriptedClock(end: 1))
        #expect {
            _ = try harness.source(IRacingConfig(ibt: path))
        } throws: { error in
            "\(error)".contains("cannot replay") && "\(error)".contains("truncated_fragment.ibt")
        }
    }

    @Test("an .ibt file cut short inside its rows is refused as truncated")
    func cutShortIBTRefused() throws {
        let bytes = try TestData.bytes("iracing/w13_redbullring.ibt")
        let cut = Array(bytes.prefix(bytes.count - 5000))
        #expect {
            _ = try IBTFile(storage: InMemoryRegion(cut), path: "cut.ibt")
        } throws: { error in
            let message = "\(error)"
            return message.contains("truncated") && message.contains("390 rows of 1072 bytes") && message.contains("\(cut.count) bytes")
        }
    }

    @Test("header, variables, row values and session info of real .ibt files", arguments: IBTCase.all)
    func ibtFile(_ expected: IBTCase) throws {
        let bytes = try TestData.bytes("iracing/\(expected.file)")
        let raw = RawIRSDK(bytes: bytes)
        let file = try IBTFile(path: TestData.path("iracing/\(expected.file)"))

        // Header and disk sub-header, against literals and the raw reading.
        #expect(file.header.version == 2)
        #expect(file.header.tickRate == 60)
        #expect(file.header.buffers.count == 1)
        #expect(file.header.bufferLength == expected.bufferLength)
        #expect(file.header.variableCount == expected.variableCount)
        #expect(file.header.variableHeaderOffset == 144)
        #expect(file.header.sessionInfoOffset == raw.sessionInfoOffset)
        #expect(file.header.sessionInfoLength == raw.sessionInfoLength)
        #expect(file.firstRowOffset == raw.bufferOffset(0))
        #expect(file.rowCount == expected.rowCount)
        #expect(!file.rowCountFromFileSize)
        #expect(file.diskHeader.sessionStartDate == expected.startDate)
        #expect(file.diskHeader.sessionLapCount == expected.lapCount)
        #expect(file.firstRowOffset + file.rowCount * file.header.bufferLength == bytes.count)

        // Every variable header, field by field, against the raw table.
        #expect(file.description.variables.count == expected.variableCount)
        for (index, variable) in file.description.variables.enumerated() {
            let rawVariable = raw.variable(index)
            #expect(variable.name == rawVariable.name)
            #expect(variable.offset == rawVariable.offset)
            #expect(variable.count == rawVariable.count)
            #expect(variable.declaredType.rawValue == rawVariable.type)
            #expect(variable.unit == rawVariable.unit)
        }

        // Row values as clients get them (through the published layout), against the raw reading.
        let hub = SourceHub(id: "ibt", typeName: "iracing", registry: VariableRegistry())
        let layout = hub.declare(file.description.declarations, rowSize: file.header.bufferLength)
        #expect(layout.rowSize == expected.bufferLength)
        for rowIndex in expected.rows {
            let frame = Frame(seq: 1, timestamp: 0, layout: layout, row: try file.row(rowIndex))
            let rowOffset = file.firstRowOffset + rowIndex * expected.bufferLength
            for name in sampledVariables {
                let rawVariable = try #require(raw.variable(named: name), "\(name) in \(expected.file)")
                let served = try #require(frame.value(named: name), "\(name) is served")
                if rawVariable.count == 1 {
                    #expect(
                        served.doubleValue ?? served.boolValue.map { $0 ? 1 : 0 } == raw.value(name, rowOffset: rowOffset), "\(name) row \(rowIndex)")
                } else {
                    let elements = try #require(served.arrayValue, "\(name) is an array")
                    #expect(elements.count == rawVariable.count)
                    for (i, element) in elements.enumerated() {
                        #expect(element.doubleValue == raw.value(name, rowOffset: rowOffset, element: i), "\(name)[\(i)] row \(rowIndex)")
                    }
                }
            }
        }
        let firstTick = try file.withRow(0) { file.description.variable(named: "SessionTick")?.integer(in: $0) }
        let lastTick = try file.withRow(file.rowCount - 1) { file.description.variable(named: "SessionTick")?.integer(in: $0) }
        #expect(firstTick == expected.firstSessionTick)
        #expect(lastTick == expected.lastSessionTick)

        // Session info: track, car, driver, with PyYAML's typing and no timestamps.
        var parser = SessionInfoParser()
        let result = parser.parse(file.sessionInfoBytes)
        #expect(result.failures.isEmpty)
        let tree = result.tree
        #expect(tree.objectValue?.map(\.0) == ["WeekendInfo", "SessionInfo", "CameraInfo", "RadioInfo", "DriverInfo", "SplitTimeInfo", "CarSetup"])
        let weekend = try #require(tree["WeekendInfo"])
        #expect(weekend["TrackDisplayName"] == .string(expected.trackDisplayName))
        #expect(weekend["TrackID"] == .int(expected.trackID))
        #expect(weekend["TrackLength"] == .string(expected.trackLength))
        #expect(weekend["WeekendOptions"]?["Date"] == .string(expected.date))
        #expect(weekend["WeekendOptions"]?["CourseCautions"] == .bool(false))
        #expect(weekend["TelemetryOptions"]?["TelemetryDiskFile"] == .string(""))
        let driver = try #require(tree["DriverInfo"]?["Drivers"]?[0])
        #expect(driver["UserName"] == .string(expected.userName))
        #expect(driver["CarScreenName"] == .string(expected.carScreenName))
        #expect(driver["CarNumber"] == .string("64"))
        #expect(driver["CarNumberRaw"] == .int(64))
        #expect(driver["CarClassColor"] == .int(0xFFFFFF))
        #expect(driver["LicColor"] == .string("0xundefined"))
        #expect(driver["AbbrevName"] == .string(""))
        #expect(tree["DriverInfo"]?["DriverCarIdx"] == .int(0))
        #expect(tree["DriverInfo"]?["DriverCarIdleRPM"]?.doubleValue != nil)
        #expect(tree["RadioInfo"]?["Radios"]?[0]?["Frequencies"]?[0]?["FrequencyName"] == .string("@ALLTEAMS"))
    }

    @Test("the live-memory dump: header, 64-slot arrays, newest buffer, session info")
    func liveMemoryDump() throws {
        let bytes = try TestData.bytes("iracing/w13_monza_livemem.bin")
        let raw = RawIRSDK(bytes: bytes)
        let memory = InMemoryRegion(bytes)
        let description = try IRSDKParser.description(in: memory.bytes)
        #expect(bytes.count == IRSDK.liveMapSize)
        #expect(description.header.buffers.map(\.tickCount) == [2004, 2005, 2003])
        #expect(description.header.buffers.map(\.offset) == [1_114_224, 1_138_800, 1_163_376])
        #expect(description.header.bufferLength == 8154)
        #expect(description.header.variableCount == 323)
        #expect(description.header.sessionInfoUpdate == 3)
        #expect(description.header.sessionInfoLength == 524_288)
        #expect(description.variables.count == 323)
        #expect(description.variables.filter { $0.count == 64 }.count == raw.variableCount(withCount: 64))
        // Declared types where the unit decides: both are right in this 2024 dump, so nothing changes.
        #expect(description.variable(named: "CarLeftRight")?.type == .int)
        #expect(description.variable(named: "CarIdxPaceFlags")?.type == .bitField)

        var reader = IRSDKLiveReader()
        let poll = reader.poll(memory, now: 0)
        #expect(reader.isConnected && reader.reason == nil)
        #expect(poll.declared?.variables.count == 323)
        #expect(poll.tick == 2005, "the newest of the three buffers")
        let row = try #require(poll.row)
        #expect(row == Array(bytes[1_138_800..<(1_138_800 + 8154)]))
        let layout = SourceHub(id: "live", typeName: "iracing", registry: VariableRegistry())
            .declare(description.declarations, rowSize: 8154)
        let frame = Frame(seq: 1, timestamp: 0, layout: layout, row: row)
        #expect(frame.value(named: "SessionTick") == .int(3443))
        for name in ["CarIdxLap", "CarIdxLapDistPct", "CarIdxPosition", "CarIdxOnPitRoad", "CarIdxPaceFlags", "CarIdxRPM", "CarIdxGear"] {
            let elements = try #require(frame.value(named: name)?.arrayValue, "\(name)")
            #expect(elements.count == 64, "\(name)")
            for i in [0, 1, 31, 63] {
                let expected = raw.value(name, rowOffset: 1_138_800, element: i)
                #expect(elements[i].doubleValue ?? elements[i].boolValue.map { $0 ? 1 : 0 } == expected, "\(name)[\(i)]")
            }
        }
        for name in ["SessionTime", "RPM", "Speed", "Gear", "CarLeftRight", "SessionFlags", "VelocityX"] {
            let served = try #require(frame.value(named: name), "\(name)")
            let first = served.arrayValue?.first ?? served
            #expect(first.doubleValue == raw.value(name, rowOffset: 1_138_800), "\(name)")
        }

        let sessionText = try #require(poll.sessionInfo)
        #expect(sessionText.count == 15146, "the text stops at the first NUL of the 512 KiB area")
        var parser = SessionInfoParser()
        let tree = parser.parse(sessionText).tree
        #expect(tree["WeekendInfo"]?["TrackDisplayName"] == .string("Autodromo Nazionale Monza"))
        #expect(tree["WeekendInfo"]?["TrackLength"] == .string("5.75 km"))
        #expect(tree["DriverInfo"]?["Drivers"]?[0]?["UserName"] == .string("George v Rensburg"))
        #expect(tree["DriverInfo"]?["Drivers"]?[0]?["CarScreenName"] == .string("Mercedes-AMG W13 E Performance"))
        #expect(tree["DriverInfo"]?["DriverSetupName"] == .string("MONZA_TTT.sto"))
        #expect(tree["CarSetup"]?["UpdateCount"] == .int(1))
    }

    @Test("variables.json agrees with the parser on every variable's type and unit in each file")
    func catalogueOfRealVariablesAgrees() throws {
        let json = try TestData.bytes("iracing/variables.json")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [[String: Any]])
        #expect(entries.count == 410)
        let typeNames: [IRSDKVarType: String] = [.bool: "bool", .int: "int", .bitField: "bitfield", .float: "float", .double: "double"]
        for file in ["formulavee_tsukuba.ibt", "w13_redbullring.ibt", "w13_monza_livemem.bin"] {
            let bytes = try TestData.bytes("iracing/\(file)")
            let description = try bytes.withUnsafeBytes { try IRSDKParser.description(in: $0) }
            let expected = entries.filter { ($0["seen_in"] as? [String])?.contains(file) == true }
            #expect(expected.count == description.variables.count, "\(file)")
            for entry in expected {
                let name = try #require(entry["name"] as? String)
                let variable = try #require(description.variable(named: name), "\(name) in \(file)")
                #expect(typeNames[variable.type] == entry["type"] as? String, "\(name) in \(file)")
                #expect(variable.unit == entry["unit"] as? String, "\(name) in \(file)")
            }
        }
    }
}

extension RawIRSDK {
    func variableCount(withCount count: Int) -> Int {
        (0..<variableCount).filter { variable($0).count == count }.count
    }
}
