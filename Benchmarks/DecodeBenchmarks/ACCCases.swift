import ACCSource
import Benchmark
import Foundation

func registerACCBenchmarks() {
    // The real REALTIME_CAR_UPDATE capture (101 bytes, three laps with three splits each) through
    // `ACCMessage.decode`: the message ACC sends most (one per car per interval).
    let message = Result { () throws -> [UInt8] in
        let captures = try JSONSerialization.jsonObject(with: Data(sharedBytes("acc/prule-acc-captures.json"))) as? [[String: Any]]
        guard let hex = captures?.first(where: { $0["message_type"] as? String == "REALTIME_CAR_UPDATE" })?["hex"] as? String else {
            throw BenchmarkInputError("no REALTIME_CAR_UPDATE in acc/prule-acc-captures.json")
        }
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }
    Benchmark("acc-car-update-decode", configuration: micro()) { benchmark in
        let message = try message.get()
        var checksum = 0
        for _ in benchmark.scaledIterations {
            guard case let .realtimeCarUpdate(car) = try ACCMessage.decode(message) else { throw BenchmarkInputError("not a car update") }
            checksum &+= Int(car.speedKmh) &+ car.lastLap.splits.count
        }
        blackHole(checksum)
    }
}
