/// A car name from an InSim `CName[4]` or OutGauge's `Car[4]`: an official LFS car's three-letter
/// code, a four-letter name some other senders write (BeamNG's `beam`), or an LFS mod's SkinID
/// shown as hex.
public enum LFSCarName {
    public static func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let four = Array(bytes.prefix(4)) + [UInt8](repeating: 0, count: max(0, 4 - bytes.count))
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        if four.allSatisfy(isAlphanumeric) { return String(decoding: four, as: UTF8.self) }
        if four[0..<3].allSatisfy(isAlphanumeric) { return String(decoding: four[0..<3], as: UTF8.self) }
        let skinID = UInt32(four[0]) | UInt32(four[1]) << 8 | UInt32(four[2]) << 16 | UInt32(four[3]) << 24
        let hex = String(skinID, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 6 - hex.count)) + hex
    }
}
