#if !os(Windows)
import BrokerCore
import BrokerTestSupport
import Foundation
import Synchronization
import Testing
import Win32Shim

@testable import IRacingSource

/// The Windows live code (`WindowsLiveMemory.swift`) run on Linux against the Win32 shim, with the
/// sim's named mapping and data-valid event played by a file: the mapping is the file mapped
/// shared, the event a counter the test signals.
final class FileBackedWin32: Win32Backend, @unchecked Sendable {
    struct State {
        /// By address (pointers are not Sendable; their bit patterns are).
        var handles: [UInt: String] = [:]
        var views: [UInt: Int] = [:]
        var signals = 0
        var opened: [String] = []
    }
    let path: String
    let state = Mutex(State())

    init(path: String) { self.path = path }

    private func handle(_ kind: String) -> HANDLE {
        let handle = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
        state.withLock {
            $0.handles[UInt(bitPattern: handle)] = kind
            $0.opened.append(kind)
        }
        return handle
    }

    func openFileMapping(access: DWORD, name: String) -> HANDLE? {
        guard name == IRSDK.memoryMapName, access == DWORD(SECTION_MAP_READ), FileManager.default.fileExists(atPath: path) else { return nil }
        return handle("mapping")
    }

    func mapView(of mapping: HANDLE, access: DWORD, offset: UInt64, count: SIZE_T) -> LPVOID? {
        guard state.withLock({ $0.handles[UInt(bitPattern: mapping)] }) == "mapping", offset == 0, count == 0 else { return nil }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, let view = mmap(nil, Int(info.st_size), PROT_READ, MAP_SHARED, fd, 0), view != MAP_FAILED else { return nil }
        let size = Int(info.st_size)
        state.withLock { $0.views[UInt(bitPattern: view)] = size }
        return view
    }

    func regionSize(at address: LPCVOID) -> SIZE_T? {
        // Windows rounds a view up to whole pages.
        state.withLock { $0.views[UInt(bitPattern: address)] }.map { SIZE_T(($0 + 4095) / 4096 * 4096) }
    }

    func unmapView(at address: LPCVOID) -> Bool {
        guard let size = state.withLock({ $0.views.removeValue(forKey: UInt(bitPattern: address)) }) else { return false }
        return munmap(UnsafeMutableRawPointer(mutating: address), size) == 0
    }

    func openEvent(access: DWORD, name: String) -> HANDLE? {
        name == IRSDK.dataValidEventName && access == DWORD(SYNCHRONIZE) ? handle("event") : nil
    }

    func wait(for handle: HANDLE, milliseconds: DWORD) -> DWORD {
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while Date() < deadline {
            let signalled = state.withLock { state -> Bool in
                guard state.signals > 0 else { return false }
                state.signals -= 1
                return true
            }
            if signalled { return WAIT_OBJECT_0 }
            usleep(1000)
        }
        return WAIT_TIMEOUT
    }

    func close(_ handle: HANDLE) -> Bool {
        guard state.withLock({ $0.handles.removeValue(forKey: UInt(bitPattern: handle)) }) != nil else { return false }
        handle.deallocate()
        return true
    }

    /// The sim wrote a row.
    func signal() { state.withLock { $0.signals += 1 } }
}

@Suite("Windows live code on the Win32 shim", .serialized, .enabled(if: TestData.isAvailable, "needs ../shared/data"))
struct WindowsShimTests {
    @Test("no sim: the map is not there, with the Windows error code")
    func noSim() throws {
        installWin32Backend(nil)
        #expect(throws: MemoryOpenError.self) { try WindowsLiveMemoryProvider().open() }
        do {
            _ = try WindowsLiveMemoryProvider().open()
        } catch {
            #expect("\(error)".contains("(error 2)"))
        }
    }

    @Test("the sim's map and event through the shim: the follower publishes each row as the sim writes it")
    func followsTheMap() async throws {
        let player = try LiveSnapshotPlayer(map: try TestData.bytes("iracing/w13_monza_livemem.bin"))
        let path = temporaryPath("windows-map.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(player.map(1)))
        let fake = FileBackedWin32(path: path)
        installWin32Backend(fake)
        defer { installWin32Backend(nil) }

        let harness = SourceHarness(clock: SystemClock())
        let follower = LiveFollower(provider: WindowsLiveMemoryProvider(), hub: harness.hub, clock: SystemClock(), logger: harness.log.logger)
        let task = Task { try await follower.run() }
        let hub = harness.hub
        #expect(await waitUntil(timeout: 5) { hub.latestFrame?.value(named: "Speed")?.doubleValue == 1 })
        #expect(hub.status.connected)
        #expect(JSONValue.object(hub.status.details)["mode"] == .string("live"))
        // The sim writes rows in place and signals the event: each is published.
        for k in 2...5 {
            let map = player.map(k)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.write(contentsOf: Data(map))
            try handle.close()
            fake.signal()
            #expect(await waitUntil(timeout: 5) { hub.latestFrame?.value(named: "Speed")?.doubleValue == Double(k) }, "row \(k)")
            let same = hub.latestFrame?.row == player.row(of: map)
            #expect(same)
        }
        task.cancel()
        _ = await task.result
        #expect(fake.state.withLock { $0.opened } == ["mapping", "event"])
        #expect(await waitUntil(timeout: 2) { fake.state.withLock { $0.handles.isEmpty && $0.views.isEmpty } }, "the map closed its handles")
    }
}
#endif
