import F1Source
import Foundation

/// F1 car-telemetry + lap-data datagrams decoded per second on one core: every car of every packet
/// read into the per-car structs, as the source does 20 to 60 times a second per packet type.
func runF1DecodeBenchmark() {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/f1/f1-telemetry-client-2024.ndjson").path
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        print("f1-decode           skipped: \(path) not found")
        return
    }
    let datagrams: [[UInt8]] = text.split(separator: "\n").compactMap { line in
        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return ((object?["message"] as? [String: Any])?["data"] as? [Int])?.map { UInt8($0) }
    }.filter { $0.count > 6 && ($0[6] == 2 || $0[6] == 6) }  // lap data, car telemetry
    guard !datagrams.isEmpty else { fatalError("no lap data / car telemetry in the recording") }
    let packets = 1_000_000
    var rates: [Double] = []
    var checksum = 0.0
    for _ in 0..<5 {
        let started = ContinuousClock.now
        for index in 0..<packets {
            checksum += F1DecodeProbe.decodeAllCars(datagrams[index % datagrams.count])
        }
        let elapsed = ContinuousClock.now - started
        rates.append(Double(packets) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }
    rates.sort()
    print(
        String(
            format: "f1-decode           %d car-telemetry + lap-data packets (22 cars each): min %.0f  median %.0f  max %.0f packets/s (5 runs, checksum %.0f)",
            packets, rates[0], rates[2], rates[4], checksum))
}
