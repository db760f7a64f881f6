import Foundation

/// Builds the packets this source sends to LFS: IS_ISI, IS_TINY, IS_SMALL and IS_MST.
public enum InSimEncoder {
    /// Text as LFS reads it: Windows-1252 bytes (characters it lacks become `?`).
    public static func lfsBytes(_ text: String) -> [UInt8] {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return Array(text.utf8) }
        return [UInt8](text.data(using: .windowsCP1252, allowLossyConversion: true) ?? Data())
    }

    /// `text` in a zero-terminated `char[capacity]` field (cut to capacity - 1 bytes).
    static func field(_ text: String, capacity: Int) -> [UInt8] {
        var bytes = Array(lfsBytes(text).prefix(capacity - 1))
        bytes += [UInt8](repeating: 0, count: capacity - bytes.count)
        return bytes
    }

    private static func littleEndian(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    private static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }

    public static func encode(_ isi: InSimInit) -> [UInt8] {
        var bytes: [UInt8] = [44 / 4, InSimPacketType.isi, isi.requestID, 0]
        bytes += littleEndian(isi.udpPort)
        bytes += littleEndian(isi.flags)
        bytes += [isi.insimVersion, isi.prefix]
        bytes += littleEndian(isi.interval)
        bytes += field(isi.admin, capacity: 16)
        bytes += field(isi.name, capacity: 16)
        return bytes
    }

    public static func tiny(_ subtype: UInt8, requestID: UInt8 = 0) -> [UInt8] {
        [1, InSimPacketType.tiny, requestID, subtype]
    }

    public static func small(_ subtype: UInt8, value: UInt32, requestID: UInt8 = 0) -> [UInt8] {
        [2, InSimPacketType.small, requestID, subtype] + littleEndian(value)
    }

    public static func encode(_ message: InSimMessageType) -> [UInt8] {
        [68 / 4, InSimPacketType.mst, 0, 0] + field(message.message, capacity: 64)
    }
}
