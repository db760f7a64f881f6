#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif os(Windows)
import WinSDK
#endif

/// A region the sim (or a bridge mirroring it) may rewrite at any moment, read by copying.
///
/// The live reader only ever copies out of it and re-checks tick counts afterwards, the way the
/// official SDK does. Conformers: a mapped file, the live Windows map, and test doubles that simulate
/// a writer racing the copy.
public protocol IRSDKSharedMemory: AnyObject {
    var bytes: UnsafeRawBufferPointer { get }
    /// Copies `count` bytes from `offset`; the caller has checked the range against `bytes`.
    func copyBytes(from offset: Int, count: Int) -> [UInt8]
}

extension IRSDKSharedMemory {
    public func copyBytes(from offset: Int, count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
    }
}

/// Why a file could not be mapped, in one line naming the path.
public struct MappedFileError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// A file mapped read-only and shared, so writes by another process show up in `bytes`.
///
/// Used for .ibt replays and for `memory_file:`. A mapped file that shrinks under the mapping would
/// fault on access past its new end, so a follower calls `hasChanged()` before each read and maps the
/// file again when its size or identity changed.
public final class MappedFile: IRSDKSharedMemory, @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let handle: Handle

    public init(path: String) throws {
        self.path = path
        (handle, bytes) = try Self.open(path)
    }

    deinit { Self.close(handle, bytes) }

    #if os(Windows)
    private struct Handle {
        var file: HANDLE
        var mapping: HANDLE?
        var size: Int64
    }

    private static func open(_ path: String) throws -> (Handle, UnsafeRawBufferPointer) {
        let file = path.withCString(encodedAs: UTF16.self) {
            CreateFileW(
                $0, DWORD(GENERIC_READ), DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE), nil,
                DWORD(OPEN_EXISTING), DWORD(FILE_ATTRIBUTE_NORMAL), nil)
        }
        guard let file, file != INVALID_HANDLE_VALUE else {
            throw MappedFileError(description: "\(path): cannot open (Windows error \(GetLastError()))")
        }
        var size = LARGE_INTEGER()
        guard GetFileSizeEx(file, &size) else {
            CloseHandle(file)
            throw MappedFileError(description: "\(path): cannot read its size (Windows error \(GetLastError()))")
        }
        guard size.QuadPart > 0 else {
            return (Handle(file: file, mapping: nil, size: 0), UnsafeRawBufferPointer(start: nil, count: 0))
        }
        guard let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READONLY), 0, 0, nil) else {
            CloseHandle(file)
            throw MappedFileError(description: "\(path): cannot map (Windows error \(GetLastError()))")
        }
        guard let view = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0) else {
            CloseHandle(mapping)
            CloseHandle(file)
            throw MappedFileError(description: "\(path): cannot map (Windows error \(GetLastError()))")
        }
        return (Handle(file: file, mapping: mapping, size: size.QuadPart), UnsafeRawBufferPointer(start: view, count: Int(size.QuadPart)))
    }

    private static func close(_ handle: Handle, _ bytes: UnsafeRawBufferPointer) {
        if let base = bytes.baseAddress { UnmapViewOfFile(base) }
        if let mapping = handle.mapping { CloseHandle(mapping) }
        CloseHandle(handle.file)
    }

    /// True when the file's size differs from the mapping's (Windows keeps a mapped file from shrinking).
    public func hasChanged() -> Bool {
        var size = LARGE_INTEGER()
        guard GetFileSizeEx(handle.file, &size) else { return true }
        return size.QuadPart != handle.size
    }
    #else
    private struct Handle {
        var descriptor: Int32
        var device: UInt64
        var inode: UInt64
        var size: Int
    }

    private static func open(_ path: String) throws -> (Handle, UnsafeRawBufferPointer) {
        let descriptor = openReadOnly(path)
        guard descriptor >= 0 else { throw MappedFileError(description: "\(path): \(errorText())") }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let message = errorText()
            _ = systemClose(descriptor)
            throw MappedFileError(description: "\(path): \(message)")
        }
        guard (info.st_mode & mode_t(S_IFMT)) == mode_t(S_IFREG) else {
            _ = systemClose(descriptor)
            throw MappedFileError(description: "\(path): not a regular file")
        }
        let size = Int(info.st_size)
        let handle = Handle(
            descriptor: descriptor, device: UInt64(truncatingIfNeeded: info.st_dev), inode: UInt64(truncatingIfNeeded: info.st_ino), size: size)
        guard size > 0 else { return (handle, UnsafeRawBufferPointer(start: nil, count: 0)) }
        let address = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            let message = errorText()
            _ = systemClose(descriptor)
            throw MappedFileError(description: "\(path): cannot map \(size) bytes: \(message)")
        }
        return (handle, UnsafeRawBufferPointer(start: address, count: size))
    }

    private static func close(_ handle: Handle, _ bytes: UnsafeRawBufferPointer) {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
        _ = systemClose(handle.descriptor)
    }

    /// True when the path now names another file (replaced or removed) or the file's size changed;
    /// the caller then maps it again before reading.
    public func hasChanged() -> Bool {
        var open = stat()
        guard fstat(handle.descriptor, &open) == 0, Int(open.st_size) == handle.size else { return true }
        var named = stat()
        guard stat(path, &named) == 0 else { return true }
        return UInt64(truncatingIfNeeded: named.st_dev) != handle.device || UInt64(truncatingIfNeeded: named.st_ino) != handle.inode
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
    #endif
}

#if !os(Windows)
/// `open(2)` read-only and close-on-exec (a free function, apart from `MappedFile.open`).
private func openReadOnly(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_CLOEXEC)
}

private func systemClose(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
#endif

/// Bytes held in memory, for data that arrived some other way than a file (tests, benchmarks).
public final class InMemoryRegion: IRSDKSharedMemory, @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer
    public let bytes: UnsafeRawBufferPointer

    public init(_ contents: [UInt8]) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(contents.count, 1), alignment: 16)
        storage.copyBytes(from: contents)
        bytes = UnsafeRawBufferPointer(rebasing: storage[0..<contents.count])
    }

    deinit { storage.deallocate() }
}
