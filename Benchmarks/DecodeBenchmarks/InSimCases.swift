import Benchmark
import InSimSource

func registerInSimBenchmarks() {
    // One IS_MCI with 16 CompCars (4-byte header + 16 x 28 bytes = 452 bytes, size byte 113)
    // through `InSimDecoder.decodeMultiCarInfo(_:into:)` into a reused array.
    var packet = [UInt8](repeating: 0, count: 4 + 28 * 16)
    packet[0] = UInt8(packet.count / 4)
    packet[1] = InSimPacketType.mci
    packet[2] = 7
    packet[3] = 16
    for car in 0..<16 {
        let base = 4 + 28 * car
        for byte in 0..<28 { packet[base + byte] = UInt8(truncatingIfNeeded: car * 31 + byte * 7) }
        packet[base + 4] = UInt8(car + 1)  // PLID
        packet[base + 5] = UInt8(car + 1)  // position
    }
    Benchmark("insim-mci-decode", configuration: micro()) { benchmark in
        var cars: [CompCar] = []
        cars.reserveCapacity(16)
        var checksum = 0
        try packet.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                _ = try InSimDecoder.decodeMultiCarInfo(bytes, into: &cars)
                checksum &+= Int(cars[15].x) &+ Int(cars[0].speed)
            }
        }
        blackHole(checksum)
    }
}
