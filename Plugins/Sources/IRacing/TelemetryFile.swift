#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif os(Windows)
import WinSDK
#endif

/// A telemetry file (an .ibt replay, or a `memory_file:` another process keeps rewriting) opened
/// read-only, read by copying.
///
/// On Linux and macOS it is read with `pread`, never mapped: a mapped file that its writer truncates
/// faults the reading process (SIGBUS) on the next access past the new end, and no check made before
/// the access can rule that out, because the truncation can come between the check and the read. A
/// `pread` past the end just returns fewer bytes, which the readers treat as "the file shrank". On
/// Windows the file is mapped, because Windows refuses to shrink a file while it is mapped.
///
/// A follower calls `change()` between reads to notice a file removed, replaced (renamed over) or
/// resized, and opens the path again.
public final class TelemetryFile: IRSDKSharedMemory, @unchecked Sendable {
    public let path: String
    /// The size when opened.
    public let size: Int
    private let handle: Handle

    /// What happened to the file since it was opened.
    public enum Change: Sendable, Equatable, CustomStringConvertible {
        /// The path names no file any more.
        case removed
        /// The path names another file (one renamed over it).
        case replaced
        /// The file is now this many bytes.
        case resized(Int)

        public var description: String {
            switch self {
            case .removed: return "the file was removed"
            case .replaced: return "the file was replaced by another"
            case let .resized(size): return "the file changed size (now \(size) bytes)"
            }
        }
    }

    public init(path: String) throws {
        self.path = path
        (handle, size) = try Self.open(path)
    }

    deinit { Self.close(handle) }

    /// True when the file was removed, replaced or resized since it was opened.
    public func hasChanged() -> Bool { change() != nil }

    #if os(Windows)
    private struct Handle {
        var file: HANDLE
        var mapping: HANDLE?
        var bytes: UnsafeRawBufferPointer
    }

    private static func open(_ path: String) throws -> (Handle, Int) {
        let file = path.withCString(encodedAs: UTF16.self) {
            CreateFileW(
                $0, DWORD(GENERIC_READ), DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE), nil,
                DWORD(OPEN_EXISTING), DWORD(FILE_ATTRIBUTE_NORMAL), nil)
        }
        guard let file, file != INVALID_HANDLE_VALUE else {
            throw MemoryOpenError(description: "\(path): cannot open (Windows error \(GetLastError()))")
        }
        var size = LARGE_INTEGER()
        guard GetFileSizeEx(file, &size) else {
            CloseHandle(file)
            throw MemoryOpenError(description: "\(path): cannot read its size (Windows error \(GetLastError()))")
        }
        guard size.QuadPart > 0 else {
            return (Handle(file: file, mapping: nil, bytes: UnsafeRawBufferPointer(start: nil, count: 0)), 0)
        }
        guard let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READONLY), 0, 0, nil) else {
            CloseHandle(file)
            throw MemoryOpenError(description: "\(path): cannot map (Windows error \(GetLastError()))")
        }
        guard let view = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0) else {
            CloseHandle(mapping)
            CloseHandle(file)
            throw MemoryOpenError(description: "\(path): cannot map (Windows error \(GetLastError()))")
        }
        let bytes = UnsafeRawBufferPointer(start: view, count: Int(size.QuadPart))
        return (Handle(file: file, mapping: mapping, bytes: bytes), Int(size.QuadPart))
    }

    private static func close(_ handle: Handle) {
        if let base = handle.bytes.baseAddress { UnmapViewOfFile(base) }
        if let mapping = handle.mapping { CloseHandle(mapping) }
        CloseHandle(handle.file)
    }

    public func copyBytes(from offset: Int, count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: handle.bytes[offset..<(offset + count)]))
    }

    public func int32(at offset: Int) -> Int32? {
        IRSDKParser.int32(handle.bytes, offset)
    }

    /// Windows keeps a mapped file from shrinking or being removed; a size change is still noticed.
    public func change() -> Change? {
        var current = LARGE_INTEGER()
        guard GetFileSizeEx(handle.file, &current) else { return .removed }
        return Int(current.QuadPart) == size ? nil : .resized(Int(current.QuadPart))
    }
    #else
    private struct Handle {
        var descriptor: Int32
        var device: UInt64
        var inode: UInt64
    }

    private static func open(_ path: String) throws -> (Handle, Int) {
        let descriptor = openReadOnly(path)
        guard descriptor >= 0 else { throw MemoryOpenError(description: "\(path): \(errorText())") }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let message = errorText()
            _ = systemClose(descriptor)
            throw MemoryOpenError(description: "\(path): \(message)")
        }
        guard (info.st_mode & mode_t(S_IFMT)) == mode_t(S_IFREG) else {
            _ = systemClose(descriptor)
            throw MemoryOpenError(description: "\(path): not a regular file")
        }
        let handle = Handle(
            descriptor: descriptor, device: UInt64(truncatingIfNeeded: info.st_dev), inode: UInt64(truncatingIfNeeded: info.st_ino))
        return (handle, Int(info.st_size))
    }

    private static func close(_ handle: Handle) {
        _ = systemClose(handle.descriptor)
    }

    public func copyBytes(from offset: Int, count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
        }
    }

    public func int32(at offset: Int) -> Int32? {
        var value: Int32 = 0
        let got = withUnsafeMutableBytes(of: &value) { read(into: $0, at: offset) }
        return got == 4 ? Int32(littleEndian: value) : nil
    }

    /// Fills `buffer` from `offset`; returns the bytes read, fewer at the end of the file or on an
    /// I/O error.
    private func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let got = pread(handle.descriptor, base + done, buffer.count - done, off_t(offset + done))
            if got > 0 {
                done += got
            } else if got < 0, errno == EINTR {
                continue
            } else {
                break
            }
        }
        return done
    }

    /// What happened to the file since it was opened: nil while the path still names it, unchanged
    /// in size.
    public func change() -> Change? {
        var open = stat()
        guard fstat(handle.descriptor, &open) == 0 else { return .removed }
        var named = stat()
        guard stat(path, &named) == 0 else { return .removed }
        guard UInt64(truncatingIfNeeded: named.st_dev) == handle.device, UInt64(truncatingIfNeeded: named.st_ino) == handle.inode else {
            return .replaced
        }
        return Int(open.st_size) == size ? nil : .resized(Int(open.st_size))
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
    #endif
}

#if !os(Windows)
/// `open(2)` read-only and close-on-exec (a free function, apart from `TelemetryFile.open`).
private func openReadOnly(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_CLOEXEC)
}

private func systemClose(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
#endif
