/// Decoding of legacy 8-bit text from sims: strict UTF-8 first, Windows-1252 as the fallback.
///
/// iRacing writes user-entered names either as UTF-8 or as Windows-1252 bytes; strings in frames and
/// in session info both go through here so one rule applies everywhere.
public enum TextDecoding {
    public static func utf8OrWindows1252<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return windows1252(bytes)
    }

    /// Windows-1252 to Unicode. The five bytes the code page leaves undefined map to U+FFFD.
    public static func windows1252<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if byte >= 0x80 && byte < 0xA0 {
                let mapped = windows1252High[Int(byte - 0x80)]
                scalars.append(Unicode.Scalar(mapped) ?? "\u{FFFD}")
            } else {
                scalars.append(Unicode.Scalar(byte))
            }
        }
        return String(scalars)
    }

    /// Code points for 0x80...0x9F in Windows-1252 (0xFFFD where undefined).
    private static let windows1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]
}
