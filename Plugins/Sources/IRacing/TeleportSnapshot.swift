import CLZ4

/// The broker's own copy of the sim's map, rebuilt from each teleported snapshot.
///
/// Read in place by `IRSDKLiveReader` like any map. It keeps two buffers: a snapshot is
/// decompressed into the spare one and checked, and only a good one is swapped in, so a bad snapshot
/// leaves the previous map untouched. Written and read only by the live follower's task (the
/// receiving task hands over compressed payloads, never touches this), hence `@unchecked Sendable`.
public final class TeleportMapCopy: IRSDKInPlaceMemory, @unchecked Sendable {
    private var current: UnsafeMutableRawBufferPointer
    private var spare: UnsafeMutableRawBufferPointer
    public let size: Int

    public init(size: Int) {
        self.size = size
        current = .allocate(byteCount: max(size, 1), alignment: 16)
        spare = .allocate(byteCount: max(size, 1), alignment: 16)
        current.initializeMemory(as: UInt8.self, repeating: 0)
        spare.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        current.deallocate()
        spare.deallocate()
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: current[0..<size]) }

    /// Decodes `payload` (a u32 LE uncompressed size, then one LZ4 block) into the spare buffer,
    /// checks it is an irsdk map, and makes it the current one. The map must have this copy's size
    /// (`TeleportSnapshot.statedSize` says which size to make a copy for).
    public func replace(withSnapshot payload: [UInt8]) throws(TeleportSnapshotError) {
        try TeleportSnapshot.decode(payload, into: spare, expectedSize: size)
        swap(&current, &spare)
    }
}

/// Why a whole snapshot was dropped (its fragments were fine).
public struct TeleportSnapshotError: Error, Equatable, Sendable {
    /// Short and stable, for counting.
    public var reason: String
    public var detail: String
}

/// A teleported snapshot's payload: the map's size as a u32 LE, then the map as one LZ4 block
/// (lz4-rs `compress_to_buffer(.., prepend_size = true)`).
public enum TeleportSnapshot {
    /// The map size the payload states, checked against the irsdk header size and the sanity limit.
    public static func statedSize(of payload: [UInt8]) throws(TeleportSnapshotError) -> Int {
        guard payload.count > 4 else {
            throw TeleportSnapshotError(reason: "payload too short", detail: "\(payload.count) bytes; the size prefix alone takes 4")
        }
        let size = Int(UInt32(payload[0]) | UInt32(payload[1]) << 8 | UInt32(payload[2]) << 16 | UInt32(payload[3]) << 24)
        guard size >= IRSDK.headerSize, size <= TeleportWire.sizeLimit else {
            throw TeleportSnapshotError(
                reason: "stated map size out of range",
                detail: "the payload says the map has \(size) bytes; expected \(IRSDK.headerSize) to \(TeleportWire.sizeLimit)")
        }
        return size
    }

    /// Decompresses `payload` into `target` (which must hold `expectedSize` bytes) and checks the
    /// result decodes to exactly the stated size and carries a well-formed irsdk header.
    static func decode(_ payload: [UInt8], into target: UnsafeMutableRawBufferPointer, expectedSize: Int) throws(TeleportSnapshotError) {
        let size = try statedSize(of: payload)
        precondition(size == expectedSize && target.count >= size, "a map copy is made for the stated size")
        let decoded = payload.withUnsafeBytes { source in
            LZ4_decompress_safe(
                source.baseAddress!.advanced(by: 4).assumingMemoryBound(to: CChar.self),
                target.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(source.count - 4), Int32(size))
        }
        guard decoded == Int32(size) else {
            throw TeleportSnapshotError(
                reason: "LZ4 block does not decode to the stated size",
                detail: decoded < 0 ? "the block is malformed or decodes to more than \(size) bytes" : "decoded \(decoded) bytes, \(size) stated")
        }
        do {
            _ = try IRSDKParser.header(in: UnsafeRawBufferPointer(rebasing: target[0..<size]), regionSize: size)
        } catch {
            throw TeleportSnapshotError(reason: "malformed irsdk map", detail: "\(error)")
        }
    }
}
