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
    return 0
}

/// The .ibt path: open (all checks), then the first rows, the last row, and a lap-tracking pass.
private func replayAsDiskFile(_ region: InMemoryRegion) {
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
        guard let row = try? file.row(index) else { fatalError("row \(index) of a file held in memory could not be read") }
        publisher.publish(row, tick: tick)
    }
    encodeEverything(in: hub, registry: registry)
}

/// The memory-map path: three polls (first read, nothing new, stale after 3 s).
private func followAsLiveMap(_ region: InMemoryRegion) {
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
