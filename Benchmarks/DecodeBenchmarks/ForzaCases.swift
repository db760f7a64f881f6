import Benchmark
import ForzaSource

func registerForzaBenchmarks() {
    // One Forza Motorsport (2023) Dash datagram (331 bytes, the real recording's packets in turn)
    // through `ForzaPacket.decode`: every field of Sled, Dash and the FM 2023 tail.
    let recording = Result { try sharedBytes("forza/fm2023-fmdatasport-sample-packets-0000-1499.bin") }
    Benchmark("forza-decode", configuration: micro()) { benchmark in
        let recording = try recording.get()
        let count = recording.count / 331
        var checksum = 0.0
        recording.withUnsafeBytes { bytes in
            for index in benchmark.scaledIterations {
                let start = (index % count) * 331
                let packet = ForzaPacket.decode(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + 331)]), format: .fm2023Dash)
                checksum += Double(packet.dash!.speed) + Double(packet.sled.currentEngineRpm)
            }
        }
        blackHole(checksum)
    }
}
