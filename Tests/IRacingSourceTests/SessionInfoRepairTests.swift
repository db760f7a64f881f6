import BrokerCore
import Testing

@testable import IRacingSource

/// One test per defect in irsdk-yaml-quirks.md: each feeds text shaped like the sim's with the
/// defect in it and checks the value that comes out, and that the neighbours survive.
@Suite("Session info repairs")
struct SessionInfoRepairTests {
    /// A DriverInfo section with one driver whose `UserName` line is `nameLine` (raw bytes allowed).
    func driverInfo(_ lines: [UInt8]) -> [UInt8] {
        Array("---\nWeekendInfo:\n TrackName: synthetic\n TrackID: 7\n\nDriverInfo:\n DriverCarIdx: 0\n Drivers:\n - CarIdx: 0\n".utf8)
            + lines + Array("\n   CarNumber: \"12\"\n   IRating: 1350\n\nSplitTimeInfo:\n Sectors:\n - SectorNum: 0\n\n...\n".utf8)
    }

    func driverInfo(_ text: String) -> [UInt8] { driverInfo(Array(text.utf8)) }

    func parse(_ bytes: [UInt8]) -> SessionInfoParser.Result {
        var parser = SessionInfoParser()
        return parser.parse(bytes)
    }

    /// The first driver's entry, after checking that the whole text parsed and the neighbours are intact.
    func firstDriver(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        let result = parse(bytes)
        #expect(result.failures.isEmpty, "\(result.failures)", sourceLocation: sourceLocation)
        #expect(result.tree["WeekendInfo"]?["TrackID"] == .int(7), sourceLocation: sourceLocation)
        #expect(result.tree["SplitTimeInfo"]?["Sectors"]?[0]?["SectorNum"] == .int(0), sourceLocation: sourceLocation)
        let driver = try #require(result.tree["DriverInfo"]?["Drivers"]?[0], sourceLocation: sourceLocation)
        #expect(driver["CarNumber"] == .string("12"), sourceLocation: sourceLocation)
        #expect(driver["IRating"] == .int(1350), sourceLocation: sourceLocation)
        return driver
    }

    @Test("a name containing '#' keeps everything after it (not a comment)")
    func hashInName() throws {
        let driver = try firstDriver(driverInfo("   UserName: Team #5 Racing\n   TeamName: #1 Fans\n   CarScreenName: Car #2"))
        #expect(driver["UserName"] == .string("Team #5 Racing"))
        #expect(driver["TeamName"] == .string("#1 Fans"))
        #expect(driver["CarScreenName"] == .string("Car #2"), "a ' #' in any value is kept")
    }

    @Test("a name starting with '*' (YAML alias) or '&', '!' is a string")
    func aliasIndicatorInName() throws {
        let driver = try firstDriver(driverInfo("   UserName: *Admin Bob\n   TeamName: &Co\n   CarClassShortName: !GT3"))
        #expect(driver["UserName"] == .string("*Admin Bob"))
        #expect(driver["TeamName"] == .string("&Co"))
        #expect(driver["CarClassShortName"] == .string("!GT3"))
    }

    @Test("a value starting with '- ' is a string, while negative numbers stay numbers")
    func leadingDash() throws {
        let driver = try firstDriver(driverInfo("   TeamName: - BLACKSUIT - Catteam Agency\n   ClubName: -\n   LapDelta: -1.0000\n   Offset: -3"))
        #expect(driver["TeamName"] == .string("- BLACKSUIT - Catteam Agency"))
        #expect(driver["ClubName"] == .string("-"))
        #expect(driver["LapDelta"] == .double(-1))
        #expect(driver["Offset"] == .int(-3))
    }

    @Test("a value starting with '?' (anonymous drivers) is a string")
    func leadingQuestionMark() throws {
        let driver = try firstDriver(driverInfo("   UserName: ?\n   AbbrevName: ? ?\n   CarScreenName: ? unknown"))
        #expect(driver["UserName"] == .string("?"))
        #expect(driver["AbbrevName"] == .string("? ?"))
        #expect(driver["CarScreenName"] == .string("? unknown"))
    }

    @Test("a value starting with ',' is a string")
    func leadingComma() throws {
        let driver = try firstDriver(driverInfo("   UserName: ,data\n   CarSponsorNote: ,more, data"))
        #expect(driver["UserName"] == .string(",data"))
        #expect(driver["CarSponsorNote"] == .string(",more, data"))
    }

    @Test("control characters YAML rejects are removed (UTF-8 C2 9F, C0 codes, CR, DEL, BOM)")
    func controlCharacters() throws {
        let name: [UInt8] =
            Array("   UserName: Jo".utf8) + [0xC2, 0x9F] + Array("hn".utf8) + [0x01, 0x1B, 0x7F] + Array(" Smith".utf8)
            + [0xEF, 0xBB, 0xBF] + [0x0D]
        let driver = try firstDriver(driverInfo(name + Array("\n   CarScreenName: Car\r".utf8)))
        #expect(driver["UserName"] == .string("John Smith"))
        #expect(driver["CarScreenName"] == .string("Car"))
    }

    @Test("a Windows-1252 name (text that is not valid UTF-8) is decoded as Windows-1252")
    func windows1252Name() throws {
        // "René Šťastný" in Windows-1252: é E9, Š 8A, ť is not in 1252 (written as 't'), ý FD.
        let name: [UInt8] = Array("   UserName: Ren".utf8) + [0xE9] + Array(" ".utf8) + [0x8A] + Array("tastn".utf8) + [0xFD]
        let driver = try firstDriver(driverInfo(name + Array("\n   TeamName: ".utf8) + [0x80] + Array(" Euro".utf8)))
        #expect(driver["UserName"] == .string("René Štastný"))
        #expect(driver["TeamName"] == .string("€ Euro"))
    }

    @Test("a UTF-8 name is decoded as UTF-8 (not as Windows-1252 mojibake)")
    func utf8Name() throws {
        let driver = try firstDriver(driverInfo("   UserName: Łukasz Czerwiński\n   TeamName: Александр\n   AbbrevName: 佐藤"))
        #expect(driver["UserName"] == .string("Łukasz Czerwiński"))
        #expect(driver["TeamName"] == .string("Александр"))
        #expect(driver["AbbrevName"] == .string("佐藤"))
    }

    @Test("a value with a line break (continuation line) is folded back into its value")
    func continuationLines() throws {
        let bytes = driverInfo("   UserName: Ada\n   DriverSetupName: my folder\nwith newline/setup.sto\n   TeamName: Ada Racing")
        let driver = try firstDriver(bytes)
        #expect(driver["DriverSetupName"] == .string("my folder\nwith newline/setup.sto"))
        #expect(driver["UserName"] == .string("Ada"))
        #expect(driver["TeamName"] == .string("Ada Racing"))
        // Several continuation lines, and one that looks like a list item.
        let more = try firstDriver(driverInfo("   DriverSetupName: a\nb\n- c\n   UserName: Bo"))
        #expect(more["DriverSetupName"] == .string("a\nb\n- c"))
        #expect(more["UserName"] == .string("Bo"))
    }

    @Test("quotes and backslashes inside names (mojibake with an embedded quote)")
    func embeddedQuotes() throws {
        let lines = "   UserName: Czerwi\"ski, L\\\n   AbbrevName: \"Cz\n   TeamName: O'Brien's"
        let driver = try firstDriver(driverInfo(lines))
        #expect(driver["UserName"] == .string(#"Czerwi"ski, L\"#))
        #expect(driver["AbbrevName"] == .string("\"Cz"))
        #expect(driver["TeamName"] == .string("O'Brien's"))
    }

    @Test("user-made camera names with flow indicators or ': ' are quoted")
    func cameraNames() throws {
        let text =
            "---\nCameraInfo:\n Groups:\n - GroupNum: 1\n   GroupName: [TV] Main: wide\n   Cameras:\n   - CameraNum: 1\n     CameraName: {cam} 1\n   - CameraNum: 2\n     CameraName: |pipe\n\n...\n"
        let result = parse(Array(text.utf8))
        #expect(result.failures.isEmpty)
        let group = try #require(result.tree["CameraInfo"]?["Groups"]?[0])
        #expect(group["GroupName"] == .string("[TV] Main: wide"))
        #expect(group["Cameras"]?[0]?["CameraName"] == .string("{cam} 1"))
        #expect(group["Cameras"]?[1]?["CameraName"] == .string("|pipe"))
    }

    @Test("values the sim quoted itself stay as they are; empty values follow pyirsdk")
    func quotedAndEmptyValues() throws {
        let text =
            "---\nWeekendInfo:\n TrackConfigName: \n TelemetryDiskFile: \"\"\n CarNumber: \"064\"\n Name: 'it''s'\n\nDriverInfo:\n Drivers:\n - CarIdx: 0\n   AbbrevName: \n   Initials: \n\n...\n"
        let result = parse(Array(text.utf8))
        #expect(result.failures.isEmpty)
        #expect(result.tree["WeekendInfo"]?["TrackConfigName"] == .null)
        #expect(result.tree["WeekendInfo"]?["TelemetryDiskFile"] == .string(""))
        #expect(result.tree["WeekendInfo"]?["CarNumber"] == .string("064"))
        #expect(result.tree["WeekendInfo"]?["Name"] == .string("it's"))
        #expect(result.tree["DriverInfo"]?["Drivers"]?[0]?["AbbrevName"] == .string(""), "free-text keys are quoted, as pyirsdk does")
        #expect(result.tree["DriverInfo"]?["Drivers"]?[0]?["Initials"] == .string(""))
    }

    @Test("the text ends at the first NUL (the live area is NUL-padded)")
    func stopsAtNUL() throws {
        let bytes = driverInfo("   UserName: Ada") + [0] + Array("Garbage:\n - [unclosed\n".utf8)
        let result = parse(bytes)
        #expect(result.failures.isEmpty)
        #expect(result.tree.objectValue?.map(\.0) == ["WeekendInfo", "DriverInfo", "SplitTimeInfo"])
    }

    @Test("a section that still cannot be parsed loses only itself, and keeps its last good version")
    func brokenSectionIsolated() throws {
        var parser = SessionInfoParser()
        let good = parser.parse(driverInfo("   UserName: Ada"))
        #expect(good.failures.isEmpty)
        // Bad indentation in DriverInfo: no repair makes this a mapping.
        let broken = Array(
            "---\nWeekendInfo:\n TrackName: synthetic\n TrackID: 8\n\nDriverInfo:\n Drivers:\n   - CarIdx: 0\n  UserName: Bo\n\nSplitTimeInfo:\n Sectors:\n - SectorNum: 1\n\n...\n"
                .utf8)
        let result = parser.parse(broken)
        #expect(result.failures.map(\.section) == ["DriverInfo"])
        #expect(result.failures.first?.message.contains("line 9") == true, "\(result.failures)")
        #expect(result.tree["WeekendInfo"]?["TrackID"] == .int(8), "the sections around it are read")
        #expect(result.tree["SplitTimeInfo"]?["Sectors"]?[0]?["SectorNum"] == .int(1))
        #expect(result.tree["DriverInfo"]?["Drivers"]?[0]?["UserName"] == .string("Ada"), "the last good DriverInfo stays")

        var fresh = SessionInfoParser()
        let first = fresh.parse(broken)
        #expect(first.tree["DriverInfo"] == nil, "without a good version, the broken section is left out")
        #expect(first.sectionCount == 2)
    }

    @Test("repair leaves well-formed sim text byte for byte as it was")
    func wellFormedTextUnchanged() {
        let text =
            "WeekendInfo:\n TrackName: tsukuba 1kouter\n TrackLength: 0.68 km\n TelemetryOptions:\n  TelemetryDiskFile: \"\"\n\nSessionInfo:\n Sessions:\n - SessionNum: 0\n   ResultsPositions:\n   ResultsFastestLap:\n   - CarIdx: 255\n     FastestTime: -1.0000\n"
        #expect(SessionInfoRepair.repair(text) == text)
    }
}
