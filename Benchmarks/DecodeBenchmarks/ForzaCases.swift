import ForzaSource
import Foundation

/// forza-decode: one Forza Motorsport (2023) Dash datagram (331 bytes, the real recording's packets
/// in turn) through `ForzaPacket.decode`, the per-datagram work of the Forza source before the row.
func runForzaBenchmarks() {
    guard "forza-decode".hasPrefix(casePrefix) else { return }
    let path = dataFolder.appendingPathComponent("forza/fm2023-fmdatasport-sample-packets-0000-1499.bin").path
    guard let data = FileManager.default.contents(atPath: path) else {
        print("forza-decode         skipped: \(path) not found")
        exit(1)
    }
    let recording = [UInt8](data)
    let count = recording.count / 331
    recording.withUnsafeBytes { bytes in
        measure("forza-decode", unit: "packets") { n in
            var checksum = 0.0
            for index in 0..<n {
                let start = (index % count) * 331
                let packet = ForzaPacket.decode(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + 331)]), format: .fm2023Dash)
                checksum += Double(packet.dash!.speed) + Double(packet.sled.currentEngineRpm)
            }
            return checksum
        }
    }
}
