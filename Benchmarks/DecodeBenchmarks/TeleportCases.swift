import CLZ4
import Foundation
import IRacingSource

/// `teleport-snapshot-decode`: what the `teleport:` input does per snapshot on the follower's task,
/// on one core: the LZ4 block of the real live map (w13_monza_livemem.bin, 1,191,936 bytes)
/// decompressed into the broker's map copy with the size and irsdk header checks, then the
/// reader's copy of the newest row with the tick re-check and 20 typical variables read from it.
/// Seven runs of 2,000 snapshots; min / median / max snapshots/s (target >= 2,000).
func runTeleportCases() {
    guard casePrefix.isEmpty || "teleport-snapshot-decode".hasPrefix(casePrefix) else { return }
    let path = "../shared/data/iracing/w13_monza_livemem.bin"
    guard let data = FileManager.default.contents(atPath: path) else {
        print("teleport-snapshot-decode  skipped: \(path) not found (run from the checkout)")
        return
    }
    let map = [UInt8](data)
    // The payload iracing-teleport sends: u32 LE size, then one LZ4 block.
    let bound = Int(LZ4_compressBound(Int32(map.count)))
    var block = [CChar](repeating: 0, count: bound)
    let written = map.withUnsafeBufferPointer { source in
        source.withMemoryRebound(to: CChar.self) { LZ4_compress_default($0.baseAddress, &block, Int32(map.count), Int32(bound)) }
    }
    let payload = withUnsafeBytes(of: UInt32(map.count).littleEndian, Array.init) + block[0..<Int(written)].map { UInt8(bitPattern: $0) }
    do {
        let copy = TeleportMapCopy(size: map.count)
        try copy.replace(withSnapshot: payload)
        let reader = try IRSDKRowDecodeBenchmark(memory: copy)
        let snapshots = 2000
        var rates: [Double] = []
        var checksum = 0.0
        for run in 0..<8 {
            let started = ContinuousClock.now
            for _ in 0..<snapshots {
                try copy.replace(withSnapshot: payload)
                checksum += reader.decode(rows: 1).checksum
            }
            if run > 0 { rates.append(Double(snapshots) / seconds(ContinuousClock.now - started)) }
        }
        rates.sort()
        print(
            String(
                format: "teleport-snapshot-decode  %d-byte payload -> %d-byte map: min %.0f  median %.0f  max %.0f snapshots/s (7 runs; checksum %.0f)",
                payload.count, map.count, rates[0], rates[3], rates[6], checksum))
    } catch {
        print("teleport-snapshot-decode  failed: \(error)")
        exit(1)
    }
}
