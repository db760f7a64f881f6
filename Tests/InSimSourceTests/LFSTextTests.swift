import InSimSource
import OutGaugeProtocol
import Testing

/// LFS strings: colour codes, escapes, inline code page switches, double-byte pages, car names.
struct LFSTextTests {
    private func text(_ bytes: [UInt8], codePage: LFSCodePage = .latin1) -> LFSText { LFSText(bytes, codePage: codePage) }

    @Test func plainASCIIStopsAtTheFirstNul() {
        let name = text(Array("Driver".utf8) + [0, 0x41, 0x42])
        #expect(name.plain == "Driver")
        #expect(name.withCodes == "Driver")
        #expect(name.bytes == Array("Driver".utf8))
    }

    @Test func colourCodesAreStrippedButKeptInTheRawForm() {
        let name = text(Array("^1Red^7White^9Default".utf8))
        #expect(name.plain == "RedWhiteDefault")
        #expect(name.withCodes == "^1Red^7White^9Default")
    }

    @Test func escapesBecomeTheirCharacters() {
        let name = text(Array("a^vb^ac^cd^de^sf^qg^th^li^rj^hk^^l".utf8))
        #expect(name.plain == #"a|b*c:d\e/f?g"h<i>j#k^l"#)
        #expect(name.withCodes == "a^vb^ac^cd^de^sf^qg^th^li^rj^hk^^l")
    }

    @Test func anEscapedCaretBeforeADigitIsNotAColour() {
        let name = text(Array("^^1".utf8))
        #expect(name.plain == "^1")
    }

    @Test func unknownEscapesAndATrailingCaretStayLiteral() {
        #expect(text(Array("a^zb^".utf8)).plain == "a^zb^")
    }

    @Test func windows1252IsTheDefaultPage() {
        // 0x80 is the euro sign, 0xE9 e-acute, 0x9A s-caron in Windows-1252.
        #expect(text([0x80, 0x20, 0xE9, 0x9A]).plain == "€ éš")
    }

    @Test func codePageSwitchesApplyToTheFollowingBytes() {
        // ^E: 0xE8 is c-caron in 1250; ^C: 0xC0 0xE1 are "Аб" in 1251; ^G: 0xC1 is Alpha in 1253.
        let mixed = text(Array("^E".utf8) + [0xE8] + Array("^C".utf8) + [0xC0, 0xE1] + Array("^G".utf8) + [0xC1])
        #expect(mixed.plain == "čАбΑ")
        #expect(mixed.withCodes == "čАбΑ")
        #expect(mixed.endCodePage == .greek)
    }

    @Test func colourEightResetsTheCodePageButNineDoesNot() {
        let bytes: [UInt8] = Array("^E".utf8) + [0xE8] + Array("^9".utf8) + [0xE8] + Array("^8".utf8) + [0xE8]
        #expect(text(bytes).plain == "ččè")
        #expect(text(bytes).withCodes == "č^9č^8è")
    }

    @Test func turkishAndBalticPages() {
        #expect(text(Array("^T".utf8) + [0xF0, 0xFD]).plain == "ğı")
        #expect(text(Array("^B".utf8) + [0xC0, 0xE0]).plain == "Ąą")
    }

    @Test func doubleBytePagesDoNotTreatATrailCaretAsAnEscape() {
        // Shift-JIS 0x83 0x5E is katakana "ta"; its trail byte is '^' and must not start an escape.
        let japanese = text(Array("^J".utf8) + [0x82, 0xA0, 0x83, 0x5E] + Array("1".utf8))
        #expect(japanese.plain == "あタ1")
        #expect(text(Array("^S".utf8) + [0xD6, 0xD0]).plain == "中")
        #expect(text(Array("^K".utf8) + [0xC7, 0xD1]).plain == "한")
        #expect(text(Array("^H".utf8) + [0xA4, 0xA4]).plain == "中")
    }

    @Test func theStartingCodePageCanBeGiven() {
        #expect(text([0xE8], codePage: .centralEuropean).plain == "č")
    }

    @Test func carNames() {
        #expect(LFSCarName.decode([0x58, 0x52, 0x54, 0x00]) == "XRT")
        #expect(LFSCarName.decode([0xE6, 0x82, 0x58, 0x00]) == "5882E6")
        #expect(LFSCarName.decode([0x01, 0x00, 0x00, 0x00]) == "000001")
    }

    @Test func trackNames() {
        #expect(LFSTrackName.venue(of: "BL1R") == "Blackwood")
        #expect(LFSTrackName.configuration(of: "BL1R") == "1R")
        #expect(LFSTrackName.isReversed("BL1R"))
        #expect(!LFSTrackName.isReversed("FE2"))
        #expect(LFSTrackName.venue(of: "ZZ1") == nil)
    }
}
