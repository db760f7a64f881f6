import Synchronization

// Exactly the Win32 types, constants and functions the iRacing source's Windows code
// (`WindowsLiveMemory.swift`) uses, declared with the signatures Swift imports from WinSDK, so that
// code type-checks on Linux and macOS and a typo or type error fails the build there too. The
// functions do nothing by themselves: they call the `Win32Backend` a test installs (a file-backed
// fake), and without one they behave as Windows does with no sim running (nothing to open).

public typealias DWORD = UInt32
public typealias WORD = UInt16
public typealias WCHAR = UInt16
public typealias SIZE_T = UInt64
public typealias HANDLE = UnsafeMutableRawPointer
public typealias LPVOID = UnsafeMutableRawPointer
public typealias PVOID = UnsafeMutableRawPointer
public typealias LPCVOID = UnsafeRawPointer
public typealias LPCWSTR = UnsafePointer<WCHAR>
public typealias PMEMORY_BASIC_INFORMATION = UnsafeMutablePointer<MEMORY_BASIC_INFORMATION>

/// WinSDK imports `BOOL` as this boolean-literal wrapper.
public struct WindowsBool: ExpressibleByBooleanLiteral, Equatable, Sendable {
    public var boolValue: Bool
    public init(booleanLiteral value: Bool) { boolValue = value }
    public init(_ value: Bool) { boolValue = value }
}

/// `#define SECTION_MAP_READ 0x0004` (FILE_MAP_READ) and `#define SYNCHRONIZE (0x00100000L)`,
/// imported as `Int32` like every integer macro.
public let SECTION_MAP_READ: Int32 = 0x0004
public let SYNCHRONIZE: Int32 = 0x0010_0000
/// `WaitForSingleObject` results.
public let WAIT_OBJECT_0: DWORD = 0
public let WAIT_TIMEOUT: DWORD = 258
/// `GetLastError` when a named object does not exist.
public let ERROR_FILE_NOT_FOUND: DWORD = 2

public struct MEMORY_BASIC_INFORMATION {
    public var BaseAddress: PVOID!
    public var AllocationBase: PVOID!
    public var AllocationProtect: DWORD
    public var PartitionId: WORD
    public var RegionSize: SIZE_T
    public var State: DWORD
    public var Protect: DWORD
    public var `Type`: DWORD

    public init() {
        BaseAddress = nil
        AllocationBase = nil
        AllocationProtect = 0
        PartitionId = 0
        RegionSize = 0
        State = 0
        Protect = 0
        Type = 0
    }
}

/// What stands behind the shimmed functions: a test's fake of the named mapping and event (`package`:
/// only the tests install one).
package protocol Win32Backend: Sendable {
    func openFileMapping(access: DWORD, name: String) -> HANDLE?
    func mapView(of mapping: HANDLE, access: DWORD, offset: UInt64, count: SIZE_T) -> LPVOID?
    func regionSize(at address: LPCVOID) -> SIZE_T?
    func unmapView(at address: LPCVOID) -> Bool
    func openEvent(access: DWORD, name: String) -> HANDLE?
    func wait(for handle: HANDLE, milliseconds: DWORD) -> DWORD
    func close(_ handle: HANDLE) -> Bool
}

/// The installed backend and the thread's last error (one value: the fakes are used from one task).
private let installed = Mutex<(backend: (any Win32Backend)?, lastError: DWORD)>((nil, 0))

/// Installs (or, with nil, removes) the backend the shimmed functions call.
package func installWin32Backend(_ backend: (any Win32Backend)?) {
    installed.withLock { $0 = (backend, 0) }
}

/// The backend's answer, or nil (with the last error set, as Windows does) when there is no backend
/// or it has nothing by that name.
private func withBackend<T>(_ body: (any Win32Backend) -> T?) -> T? {
    let result = installed.withLock { $0.backend }.flatMap(body)
    if result == nil { installed.withLock { $0.lastError = ERROR_FILE_NOT_FOUND } }
    return result
}

private func string(_ name: LPCWSTR!) -> String {
    guard let name else { return "" }
    var end = name
    while end.pointee != 0 { end += 1 }
    return String(decoding: UnsafeBufferPointer(start: name, count: end - name), as: UTF16.self)
}

public func GetLastError() -> DWORD { installed.withLock { $0.lastError } }

public func OpenFileMappingW(_ dwDesiredAccess: DWORD, _ bInheritHandle: WindowsBool, _ lpName: LPCWSTR!) -> HANDLE! {
    withBackend { $0.openFileMapping(access: dwDesiredAccess, name: string(lpName)) }
}

public func MapViewOfFile(
    _ hFileMappingObject: HANDLE!, _ dwDesiredAccess: DWORD, _ dwFileOffsetHigh: DWORD, _ dwFileOffsetLow: DWORD,
    _ dwNumberOfBytesToMap: SIZE_T
) -> LPVOID! {
    guard let hFileMappingObject else { return nil }
    let offset = UInt64(dwFileOffsetHigh) << 32 | UInt64(dwFileOffsetLow)
    return withBackend {
        $0.mapView(of: hFileMappingObject, access: dwDesiredAccess, offset: offset, count: dwNumberOfBytesToMap)
    }
}

public func VirtualQuery(_ lpAddress: LPCVOID!, _ lpBuffer: PMEMORY_BASIC_INFORMATION!, _ dwLength: SIZE_T) -> SIZE_T {
    guard let lpAddress, let lpBuffer, dwLength >= SIZE_T(MemoryLayout<MEMORY_BASIC_INFORMATION>.size) else { return 0 }
    guard let size = withBackend({ $0.regionSize(at: lpAddress) }) else { return 0 }
    lpBuffer.pointee = MEMORY_BASIC_INFORMATION()
    lpBuffer.pointee.BaseAddress = UnsafeMutableRawPointer(mutating: lpAddress)
    lpBuffer.pointee.RegionSize = size
    return SIZE_T(MemoryLayout<MEMORY_BASIC_INFORMATION>.size)
}

@discardableResult
public func UnmapViewOfFile(_ lpBaseAddress: LPCVOID!) -> WindowsBool {
    guard let lpBaseAddress else { return false }
    return WindowsBool(withBackend { $0.unmapView(at: lpBaseAddress) ? true : nil } ?? false)
}

public func OpenEventW(_ dwDesiredAccess: DWORD, _ bInheritHandle: WindowsBool, _ lpName: LPCWSTR!) -> HANDLE! {
    withBackend { $0.openEvent(access: dwDesiredAccess, name: string(lpName)) }
}

@discardableResult
public func WaitForSingleObject(_ hHandle: HANDLE!, _ dwMilliseconds: DWORD) -> DWORD {
    guard let hHandle else { return DWORD.max }
    return withBackend { $0.wait(for: hHandle, milliseconds: dwMilliseconds) } ?? DWORD.max
}

@discardableResult
public func CloseHandle(_ hObject: HANDLE!) -> WindowsBool {
    guard let hObject else { return false }
    return WindowsBool(withBackend { $0.close(hObject) ? true : nil } ?? false)
}
