import BrokerCore
import CoreFoundation
import Foundation

/// The Windows code pages LFS switches between inside one string (`^L`, `^E`, ...), numbered as the
/// LID_x values of InSim 10 (the IS_MSO MSOData byte names the starting one).
public enum LFSCodePage: UInt8, Sendable, CaseIterable {
    case latin1 = 0  // ^L CP1252
    case centralEuropean = 1  // ^E CP1250
    case turkish = 2  // ^T CP1254
    case baltic = 3  // ^B CP1257
    case japanese = 4  // ^J CP932
    case cyrillic = 5  // ^C CP1251
    case greek = 6  // ^G CP1253
    case traditionalChinese = 7  // ^H CP950
    case simplifiedChinese = 8  // ^S CP936
    case korean = 9  // ^K CP949

    /// The code page a `^` + letter escape selects.
    init?(escapeLetter: UInt8) {
        switch escapeLetter {
        case UInt8(ascii: "L"): self = .latin1
        case UInt8(ascii: "E"): self = .centralEuropean
        case UInt8(ascii: "T"): self = .turkish
        case UInt8(ascii: "B"): self = .baltic
        case UInt8(ascii: "J"): self = .japanese
        case UInt8(ascii: "C"): self = .cyrillic
        case UInt8(ascii: "G"): self = .greek
        case UInt8(ascii: "H"): self = .traditionalChinese
        case UInt8(ascii: "S"): self = .simplifiedChinese
        case UInt8(ascii: "K"): self = .korean
        default: return nil
        }
    }

    /// True for the double-byte pages, whose trail byte may be `^` and is then not an escape.
    var isDoubleByte: Bool {
        switch self {
        case .japanese, .traditionalChinese, .simplifiedChinese, .korean: return true
        default: return false
        }
    }

    /// Whether `byte` starts a two-byte character in this (double-byte) page.
    func isLeadByte(_ byte: UInt8) -> Bool {
        switch self {
        case .japanese: return (0x81...0x9F).contains(byte) || (0xE0...0xFC).contains(byte)
        case .traditionalChinese, .simplifiedChinese, .korean: return (0x81...0xFE).contains(byte)
        default: return false
        }
    }

    /// Foundation's converter for the page (CoreFoundation's Windows/DOS code page tables).
    private var encoding: String.Encoding {
        switch self {
        case .latin1: return .windowsCP1252
        case .centralEuropean: return .windowsCP1250
        case .turkish: return .windowsCP1254
        case .cyrillic: return .windowsCP1251
        case .greek: return .windowsCP1253
        case .japanese: return Self.coreFoundationEncoding(0x0420)  // kCFStringEncodingDOSJapanese
        case .baltic: return Self.coreFoundationEncoding(0x0507)  // kCFStringEncodingWindowsBalticRim
        case .simplifiedChinese: return Self.coreFoundationEncoding(0x0421)  // kCFStringEncodingDOSChineseSimplif
        case .korean: return Self.coreFoundationEncoding(0x0422)  // kCFStringEncodingDOSKorean
        case .traditionalChinese: return Self.coreFoundationEncoding(0x0423)  // kCFStringEncodingDOSChineseTrad
        }
    }

    private static func coreFoundationEncoding(_ value: UInt32) -> String.Encoding {
        String.Encoding(rawValue: UInt(CFStringConvertEncodingToNSStringEncoding(CFStringEncoding(value))))
    }

    /// Decodes bytes of this page; bytes the page cannot map fall back to Windows-1252.
    func decode(_ bytes: [UInt8]) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        if self == .latin1 { return TextDecoding.windows1252(bytes) }
        return String(bytes: bytes, encoding: encoding) ?? TextDecoding.windows1252(bytes)
    }
}

/// A string as LFS sends it: Windows code-page bytes with inline `^` escapes for colours, code
/// page switches and reserved characters.
///
/// `plain` is what a reader should see (no colours, escapes resolved, every code page decoded);
/// `withCodes` keeps the colour codes (`^0`...`^9`) and character escapes (`^v`, `^^`...) as LFS
/// wrote them, with the code pages decoded, for clients that render LFS colours.
public struct LFSText: Sendable, Equatable, CustomStringConvertible {
    /// The bytes up to the first NUL.
    public let bytes: [UInt8]
    public let plain: String
    public let withCodes: String
    /// The code page in force after the last byte (to continue decoding a split message).
    public let endCodePage: LFSCodePage

    public init<C: Collection>(_ bytes: C, codePage: LFSCodePage = .latin1) where C.Element == UInt8 {
        let trimmed = Array(bytes.prefix { $0 != 0 })
        self.bytes = trimmed
        (plain, withCodes, endCodePage) = LFSText.decode(trimmed, codePage: codePage)
    }

    public var description: String { plain }

    private static let caret = UInt8(ascii: "^")

    /// The character each `^x` escape stands for.
    private static func escapedCharacter(_ letter: UInt8) -> UInt8? {
        switch letter {
        case UInt8(ascii: "v"): return UInt8(ascii: "|")
        case UInt8(ascii: "a"): return UInt8(ascii: "*")
        case UInt8(ascii: "c"): return UInt8(ascii: ":")
        case UInt8(ascii: "d"): return UInt8(ascii: "\\")
        case UInt8(ascii: "s"): return UInt8(ascii: "/")
        case UInt8(ascii: "q"): return UInt8(ascii: "?")
        case UInt8(ascii: "t"): return UInt8(ascii: "\"")
        case UInt8(ascii: "l"): return UInt8(ascii: "<")
        case UInt8(ascii: "r"): return UInt8(ascii: ">")
        case UInt8(ascii: "h"): return UInt8(ascii: "#")
        case UInt8(ascii: "^"): return UInt8(ascii: "^")
        default: return nil
        }
    }

    private static func decode(_ bytes: [UInt8], codePage start: LFSCodePage) -> (String, String, LFSCodePage) {
        if !bytes.contains(where: { $0 >= 0x80 || $0 == caret }) {
            let text = String(decoding: bytes, as: UTF8.self)
            return (text, text, start)
        }
        var plain = ""
        var withCodes = ""
        var codePage = start
        var run: [UInt8] = []
        func flush() {
            guard !run.isEmpty else { return }
            let text = codePage.decode(run)
            plain += text
            withCodes += text
            run.removeAll(keepingCapacity: true)
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if codePage.isDoubleByte, codePage.isLeadByte(byte), index + 1 < bytes.count {
                run.append(byte)
                run.append(bytes[index + 1])
                index += 2
                continue
            }
            guard byte == caret, index + 1 < bytes.count else {
                run.append(byte)
                index += 1
                continue
            }
            let letter = bytes[index + 1]
            index += 2
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(letter) {
                flush()
                withCodes += "^" + String(UnicodeScalar(letter))
                if letter == UInt8(ascii: "8") { codePage = .latin1 }
            } else if let page = LFSCodePage(escapeLetter: letter) {
                flush()
                codePage = page
            } else if let character = escapedCharacter(letter) {
                flush()
                plain += String(UnicodeScalar(character))
                withCodes += "^" + String(UnicodeScalar(letter))
            } else {
                run.append(byte)
                run.append(letter)
            }
        }
        flush()
        return (plain, withCodes, codePage)
    }
}

/// LFS track codes (`BL1R`: Blackwood, configuration 1, reversed) in words for session info.
public enum LFSTrackName {
    /// The venue's name for the two-letter prefix, or nil for one this table does not know.
    public static func venue(of code: String) -> String? {
        switch code.prefix(2).uppercased() {
        case "BL": return "Blackwood"
        case "SO": return "South City"
        case "FE": return "Fern Bay"
        case "AU": return "Autocross"
        case "KY": return "Kyoto Ring"
        case "WE": return "Westhill"
        case "AS": return "Aston"
        case "RO": return "Rockingham"
        case "LA": return "Layout Square"
        default: return nil
        }
    }

    /// The configuration part after the venue (`1R`), empty when there is none.
    public static func configuration(of code: String) -> String { String(code.dropFirst(2)) }

    /// True for reversed configurations (`R`) and open reversed ones (`Y`).
    public static func isReversed(_ code: String) -> Bool { code.hasSuffix("R") || code.hasSuffix("Y") }
}
