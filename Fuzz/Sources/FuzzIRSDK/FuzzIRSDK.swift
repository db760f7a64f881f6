import BrokerCore
import FuzzSupport

@testable import IRacingSource

/// Fuzzes the irsdk layout parser over bytes taken as an .ibt file and as a live memory map: the
/// header and variable table checks, the disk sub-header and row count, reading every variable of
/// the rows, the live reader's polls (newest buffer, session info, staleness), and publishing
/// through the source's own publisher into a hub whose messages must encode to valid JSON.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIRSDK(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let region = InMemoryRegion(input)

    if let description = try? IRSDKParser.description(in: region.bytes) {
        for variable in description.variables {
            _ = variable.declaration
            for element in [0, variable.count - 1, variable.count] {
                _ = variable.number(in: region.bytes, element: element)
                _ = variable.integer(in: region.bytes, element: element)
            }
        }
    }

    replayAsDiskFile(region)
    followAsLiveMap(region)
    // The same bytes as a file its writer cuts short after a few reads (how many, and where, taken
    // from the input's last two bytes), so every "the region shrank" path is taken too.
    if input.count >= 2 {
        let shrinking = ShrinkingRegion(
            input, readsBeforeCut: Int(input[input.count - 1] % 16), cutAt: Int(input[input.count - 2]) * input.count / 256)
        replayAsDiskFile(shrinking)
        followAsLiveMap(shrinking)
    }
    return 0
}

/// Bytes that a writer truncates after `readsBeforeCut` reads: from then on, reads past `cutAt`
/// come back short, as `pread` on a truncated file does. `size` keeps the size seen at open.
private final class ShrinkingRegion: IRSDKSharedMemory, @unchecked Sendable {
    let contents: [UInt8]
    var readsLeft: Int
    let cutAt: Int

    init(_ contents: [UInt8], readsBeforeCut: Int, cutAt: Int) {
        self.contents = contents
        readsLeft = readsBeforeCut
        self.cutAt = cutAt
    }

    var size: Int { contents.count }

    /// Where the data ends for this read (the whole until the cut, then `cutAt`).
    private func endForNextRead() -> Int {
        guard readsLeft > 0 else { return cutAt }
        readsLeft -= 1
        return contents.count
    }

    func copyBytes(from offset: Int, count: Int) -> [UInt8] {
        precondition(offset >= 0 && count >= 0 && offset + count <= contents.count, "a read outside the size the caller was given")
        let available = max(0, min(offset + count, endForNextRead()) - offset)
        return Array(contents[offset..<(offset + available)])
    }

    func int32(at offset: Int) -> Int32? {
        let bytes = copyBytes(from: offset, count: 4)
        guard bytes.count == 4 else { return nil }
        return bytes.withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(as: Int32.self)) }
    }
}

/// The .ibt path: open (all checks), then the first rows, the last row, and a lap-tracking pass.
private func replayAsDiskFile(_ region: some IRSDKSharedMemory & Sendable) {
    let file: IBTFile
    do {
        file = try IBTFile(storage: region, path: "fuzz.ibt")
    } catch {
        _ = "\(error)"
        return
    }
    let registry = VariableRegistry()
    let hub = SourceHub(id: "ibt", typeName: "iracing", registry: registry)
    var publisher = IRacingPublisher(hub: hub, logger: renderingLogger)
    publisher.declare(file.description)
    publisher.updateSessionInfo(file.sessionInfoBytes, update: file.header.sessionInfoUpdate)
    let rows = Array(0..<min(file.rowCount, 8)) + [file.rowCount - 1]
    for (tick, index) in rows.enumerated() {
        guard let row = try? file.row(index) else {
            if region is InMemoryRegion { fatalError("row \(index) of a file held in memory could not be read") }
            break
        }
        publisher.publish(row, tick: tick)
    }
    encodeEverything(in: hub, registry: registry)
}

/// The memory-map path: three polls (first read, nothing new, stale after 3 s).
private func followAsLiveMap(_ region: some IRSDKSharedMemory) {
    let registry = VariableRegistry()
    let hub = SourceHub(id: "live", typeName: "iracing", registry: registry)
    var publisher = IRacingPublisher(hub: hub, logger: renderingLogger)
    var reader = IRSDKLiveReader()
    for now in [0.0, 0.1, 3.0] {
        let poll = reader.poll(region, now: now)
        if poll.restartedFrom != nil { publisher.restarted() }
        if let description = poll.declared { publisher.declare(description) }
        if let text = poll.sessionInfo { publisher.updateSessionInfo(text, update: poll.sessionInfoUpdate) }
        if let row = poll.row { publisher.publish(row, tick: Int(poll.tick)) }
        _ = reader.reason
    }
    encodeEverything(in: hub, registry: registry)
}

/// The program's entry (SwiftPM links `main` to `FuzzIRSDK_main`): libFuzzer's driver on this target.
@_cdecl("FuzzIRSDK_main")
public func fuzzIRSDKMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzIRSDK)
}
