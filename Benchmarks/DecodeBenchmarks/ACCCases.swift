import ACCSource
import Foundation

/// acc-car-update-decode: the real REALTIME_CAR_UPDATE capture (101 bytes, three laps with splits)
/// through `ACCMessage.decode`, the message ACC sends most (one per car per interval).
func runACCBenchmarks() {
    guard "acc-car-update-decode".hasPrefix(casePrefix) else { return }
    let path = dataFolder.appendingPathComponent("acc/prule-acc-captures.json").path
    guard let data = FileManager.default.contents(atPath: path),
        let captures = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]],
        let hex = captures.first(where: { $0["message_type"] as? String == "REALTIME_CAR_UPDATE" })?["hex"] as? String
    else {
        print("acc-car-update-decode skipped: no REALTIME_CAR_UPDATE in \(path)")
        exit(1)
    }
    let characters = Array(hex.utf8)
    let message = stride(from: 0, to: characters.count, by: 2).map { UInt8(String(decoding: characters[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    measure("acc-car-update-decode", unit: "messages") { n in
        var checksum = 0
        for _ in 0..<n {
            guard case let .realtimeCarUpdate(car)? = try? ACCMessage.decode(message) else { fatalError("decode failed") }
            checksum &+= Int(car.speedKmh) &+ car.lastLap.splits.count
        }
        return Double(checksum)
    }
}
