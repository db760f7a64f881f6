import Benchmark
import F1Source
import Foundation

func registerF1Benchmarks() {
    // The car-telemetry and lap-data datagrams of the F1 24 recording, cycled: header and size
    // checked, all 22 cars read into their structs, as the `f1` source does (target >= 500,000/s).
    let datagrams = Result { () throws -> [[UInt8]] in
        let text = String(decoding: try sharedBytes("f1/f1-telemetry-client-2024.ndjson"), as: UTF8.self)
        let datagrams: [[UInt8]] = text.split(separator: "\n").compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return ((object?["message"] as? [String: Any])?["data"] as? [Int])?.map { UInt8($0) }
        }.filter { $0.count > 6 && ($0[6] == 2 || $0[6] == 6) }  // lap data, car telemetry
        guard !datagrams.isEmpty else { throw BenchmarkInputError("no lap data or car telemetry in the F1 recording") }
        return datagrams
    }
    Benchmark("f1-decode", configuration: micro()) { benchmark in
        let datagrams = try datagrams.get()
        var checksum = 0.0
        for index in benchmark.scaledIterations { checksum += F1DecodeProbe.decodeAllCars(datagrams[index % datagrams.count]) }
        blackHole(checksum)
    }
}
