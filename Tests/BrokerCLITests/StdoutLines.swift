import Foundation
import Testing

/// What the stdout sink printed, one JSON object per line, as the end-to-end tests read it.
struct StdoutLines {
    let objects: [[String: Any]]

    init(_ stdout: String) throws {
        objects = try stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON object: \($0)")
        }
    }

    /// `source`'s entry in each `status` line, in order.
    func statuses(of source: String) -> [[String: Any]] {
        objects.filter { $0["type"] as? String == "status" }.compactMap { ($0["sources"] as? [String: Any])?[source] as? [String: Any] }
    }
}
