import Benchmark
import CLZ4
import IRacingSource

func registerTeleportBenchmarks() {
    // What the `teleport:` input does per snapshot on the follower's task: the LZ4 block of the
    // real live map decompressed into the broker's map copy with the size and irsdk header checks,
    // then the reader's copy of the newest row with the tick re-check and 20 variables read
    // (target >= 2,000 snapshots/s; the sim sends 60).
    let prepared = Result { () throws -> (payload: [UInt8], copy: TeleportMapCopy, reader: IRSDKRowDecodeBenchmark) in
        let map = try sharedBytes(liveMapDump)
        // The payload iracing-teleport sends: u32 LE size, then one LZ4 block.
        let bound = Int(LZ4_compressBound(Int32(map.count)))
        var block = [CChar](repeating: 0, count: bound)
        let written = map.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { LZ4_compress_default($0.baseAddress, &block, Int32(map.count), Int32(bound)) }
        }
        let payload = withUnsafeBytes(of: UInt32(map.count).littleEndian, Array.init) + block[0..<Int(written)].map { UInt8(bitPattern: $0) }
        let copy = TeleportMapCopy(size: map.count)
        try copy.replace(withSnapshot: payload)
        return (payload, copy, try IRSDKRowDecodeBenchmark(memory: copy))
    }
    Benchmark("teleport-snapshot-decode", configuration: micro(seconds: 4, warmup: 1)) { benchmark in
        let (payload, copy, reader) = try prepared.get()
        var checksum = 0.0
        for _ in benchmark.scaledIterations {
            try copy.replace(withSnapshot: payload)
            checksum += reader.decode(rows: 1).checksum
        }
        blackHole(checksum)
    }
}
