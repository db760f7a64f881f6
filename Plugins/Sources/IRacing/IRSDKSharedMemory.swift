/// A region the sim (or a bridge mirroring it) may rewrite, shrink or remove at any moment, read
/// only by copying.
///
/// The live reader copies out of it and re-checks tick counts afterwards, the way the official SDK
/// does. Every read says how much it got, so a region that shrank under the reader (a memory file
/// truncated by its writer) shows up as a short copy, never as a read past the end. Conformers: a
/// file read with `pread` (`TelemetryFile`), memory this process holds, the live Windows map, and
/// test doubles that play a writer racing the copy.
public protocol IRSDKSharedMemory: AnyObject {
    /// Bytes in the region when it was opened.
    var size: Int { get }
    /// Copies `count` bytes from `offset` (the caller has checked the range against `size`). Fewer
    /// come back when the region no longer holds them.
    func copyBytes(from offset: Int, count: Int) -> [UInt8]
    /// The little-endian `Int32` at `offset` (checked against `size` by the caller), or nil when the
    /// region no longer holds it.
    func int32(at offset: Int) -> Int32?
}

/// A region that can be read in place because it cannot shrink under the reader: memory this
/// process holds, or the sim's live map on Windows (which keeps its size while mapped).
public protocol IRSDKInPlaceMemory: IRSDKSharedMemory {
    var bytes: UnsafeRawBufferPointer { get }
}

extension IRSDKInPlaceMemory {
    public var size: Int { bytes.count }

    public func copyBytes(from offset: Int, count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
    }

    public func int32(at offset: Int) -> Int32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        return IRSDKParser.int32(bytes, offset)
    }
}

/// Why a file or the sim's map could not be opened, in one line naming it.
public struct MemoryOpenError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Bytes held in memory, for data that arrived some other way than a file (tests, benchmarks).
public final class InMemoryRegion: IRSDKInPlaceMemory, @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer
    public let bytes: UnsafeRawBufferPointer

    public init(_ contents: [UInt8]) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(contents.count, 1), alignment: 16)
        storage.copyBytes(from: contents)
        bytes = UnsafeRawBufferPointer(rebasing: storage[0..<contents.count])
    }

    deinit { storage.deallocate() }
}
