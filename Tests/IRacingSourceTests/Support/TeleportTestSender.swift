import CLZ4
import Foundation

/// Plays iracing-teleport's sender, written from its wire format and independently of the source's
/// receiver: compresses a map with liblz4 into one block with its size prepended, cuts the payload
/// into 8,980-byte fragments behind 20-byte little-endian headers, and sends them over UDP.
final class TeleportTestSender: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32

    /// A socket sending to 127.0.0.1:`port`.
    init(port: Int) throws {
        self.port = port
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    deinit { close(descriptor) }

    /// The payload iracing-teleport sends for `map`: u32 LE size, then one LZ4 block.
    static func payload(of map: [UInt8]) -> [UInt8] {
        let bound = Int(LZ4_compressBound(Int32(map.count)))
        var block = [CChar](repeating: 0, count: bound)
        let written = map.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { LZ4_compress_default($0.baseAddress, &block, Int32(map.count), Int32(bound)) }
        }
        precondition(written > 0, "liblz4 compressed the map")
        return littleEndian(UInt32(map.count)) + block[0..<Int(written)].map { UInt8(bitPattern: $0) }
    }

    /// The datagrams of one payload, in fragment order.
    static func fragments(of payload: [UInt8], sequence: UInt32, sourceTime: UInt64 = 0) -> [[UInt8]] {
        let slice = 8980
        let count = (payload.count + slice - 1) / slice
        return (0..<count).map { index in
            let header =
                littleEndian(sequence) + littleEndian(UInt16(index)) + littleEndian(UInt16(count)) + littleEndian(UInt32(payload.count))
                + littleEndian(sourceTime)
            return header + payload[(index * slice)..<min(payload.count, (index + 1) * slice)]
        }
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    func send(_ datagram: [UInt8]) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = datagram.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    func send(_ datagrams: [[UInt8]]) {
        for datagram in datagrams { send(datagram) }
    }
}

/// The real live snapshot, played as a running sim: snapshot k has every buffer's tickCount
/// advanced by k (the newest stays the newest) and `Speed` in the newest row set to k, so every
/// snapshot differs and its row is known.
struct LiveSnapshotPlayer {
    let base: [UInt8]
    let newestSlot: Int
    let rowOffset: Int
    let rowLength: Int
    let speedOffset: Int

    init(map: [UInt8]) throws {
        base = map
        let raw = RawIRSDK(bytes: map)
        let slots = 0..<raw.bufferCount
        newestSlot = slots.max { raw.bufferTick($0) < raw.bufferTick($1) } ?? 0
        rowOffset = raw.bufferOffset(newestSlot)
        rowLength = raw.bufferLength
        guard let speed = raw.variable(named: "Speed") else { throw CocoaError(.fileReadCorruptFile) }
        speedOffset = speed.offset
    }

    /// The map of snapshot `k` (ticks shifted by k + `tickShift`; a negative shift plays a restarted sim).
    func map(_ k: Int, tickShift: Int32 = 0) -> [UInt8] {
        var map = base
        let raw = RawIRSDK(bytes: base)
        for slot in 0..<raw.bufferCount {
            let tick = raw.bufferTick(slot) + Int32(k) + tickShift
            withUnsafeBytes(of: tick.littleEndian) { map.replaceSubrange((48 + 16 * slot)..<(52 + 16 * slot), with: $0) }
        }
        withUnsafeBytes(of: Float(k).bitPattern.littleEndian) {
            map.replaceSubrange((rowOffset + speedOffset)..<(rowOffset + speedOffset + 4), with: $0)
        }
        return map
    }

    /// The newest row of `map`.
    func row(of map: [UInt8]) -> [UInt8] { Array(map[rowOffset..<(rowOffset + rowLength)]) }
}
