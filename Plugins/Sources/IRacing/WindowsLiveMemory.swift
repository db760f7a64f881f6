import BrokerCore

// Compiled everywhere: on Windows against WinSDK, elsewhere against a shim declaring the same
// functions with the same imported signatures (driven by a file-backed fake in the tests), so this
// code is type-checked by every build and runs in a test although no Windows machine builds it.
#if os(Windows)
import WinSDK
#else
import Win32Shim
#endif

/// The running sim's memory map (`Local\IRSDKMemMapFileName`) and its data-valid event, opened by
/// name. Read in place by the same `IRSDKLiveReader` that follows memory files.
final class WindowsLiveMap: IRSDKInPlaceMemory, @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let mapping: HANDLE
    /// Signalled by the sim after each row; nil when it could not be opened (then the reader polls).
    let dataValidEvent: HANDLE?

    init() throws {
        // FILE_MAP_READ is defined as SECTION_MAP_READ.
        let access = DWORD(SECTION_MAP_READ)
        guard let mapping = IRSDK.memoryMapName.withCString(encodedAs: UTF16.self, { OpenFileMappingW(access, false, $0) }) else {
            throw MemoryOpenError(
                description: "the sim's shared memory is not there (error \(GetLastError())): is iRacing running, with irsdkEnableMem=1 in app.ini?")
        }
        guard let view = MapViewOfFile(mapping, access, 0, 0, 0) else {
            let code = GetLastError()
            CloseHandle(mapping)
            throw MemoryOpenError(description: "cannot map the sim's shared memory (error \(code))")
        }
        var region = MEMORY_BASIC_INFORMATION()
        let queried = VirtualQuery(view, &region, SIZE_T(MemoryLayout<MEMORY_BASIC_INFORMATION>.size))
        bytes = UnsafeRawBufferPointer(start: view, count: queried != 0 ? Int(region.RegionSize) : IRSDK.liveMapSize)
        self.mapping = mapping
        dataValidEvent = IRSDK.dataValidEventName.withCString(encodedAs: UTF16.self) { OpenEventW(DWORD(SYNCHRONIZE), false, $0) }
    }

    deinit {
        if let base = bytes.baseAddress { UnmapViewOfFile(base) }
        if let dataValidEvent { CloseHandle(dataValidEvent) }
        CloseHandle(mapping)
    }
}

/// Live mode on Windows: opens the sim's map (retried by the follower while the sim is not running)
/// and waits on the data-valid event between polls, so a new row is read as soon as it is written.
struct WindowsLiveMemoryProvider: LiveMemoryProvider {
    var mode: String { "live" }

    /// The longest single wait on the event, so cancellation and staleness checks stay prompt.
    static let maxEventWaitMilliseconds: Double = 50

    func open() throws -> WindowsLiveMap { try WindowsLiveMap() }

    func hasChanged(_ memory: WindowsLiveMap) -> Bool { false }

    func waitForData(in memory: WindowsLiveMap?, until deadline: Double, clock: any BrokerClock) async throws {
        guard let event = memory?.dataValidEvent else {
            try await clock.sleep(until: deadline)
            return
        }
        _ = WaitForSingleObject(event, DWORD(Self.maxEventWaitMilliseconds))
        await Task.yield()
        try Task.checkCancellation()
    }
}
