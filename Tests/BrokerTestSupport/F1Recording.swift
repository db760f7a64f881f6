import Foundation
import Testing

/// The real F1 24 recording of `../shared/data/f1/f1-telemetry-client-2024.ndjson`: 28 whole UDP
/// datagrams with their receive times, for the F1 source's tests, its compliance fixture and the
/// end-to-end test.
public enum F1Recording {
    /// Each datagram with its receive time in seconds since the first.
    public static func datagrams(sourceLocation: SourceLocation = #_sourceLocation) throws -> [(time: Double, bytes: [UInt8])] {
        let text = String(decoding: try TestData.bytes("f1/f1-telemetry-client-2024.ndjson", sourceLocation: sourceLocation), as: UTF8.self)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var result: [(Double, [UInt8])] = []
        var first: Date?
        for line in text.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            let data = (object["message"] as? [String: Any])?["data"] as? [Int] ?? []
            let time = formatter.date(from: object["time"] as? String ?? "") ?? Date()
            first = first ?? time
            result.append((time.timeIntervalSince(first ?? time), data.map { UInt8($0) }))
        }
        return result
    }
}
