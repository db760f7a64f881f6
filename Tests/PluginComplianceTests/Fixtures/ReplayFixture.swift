import BrokerCore
import BrokerTestSupport
import Foundation

/// The replay source, looping over a one-second recording written to a temporary file.
let replayFixture = PluginCompliance.SourceFixture(typeName: "replay") {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("compliance-replay-\(UUID().uuidString).ndjson").path
    let start = 1_800_000_000.0
    let variables: [JSONValue] = ["Speed", "RPM", "Gear"].compactMap { name in
        VariableCatalogue.all.first { $0.name == name }.map { JSONValue.object($0.jsonFields()) }
    }
    var lines: [JSONValue] = [
        .object([
            ("type", "status"), ("connected", true), ("time", .double(start)),
            ("sources", .object([("car", .object([("connected", true), ("type", "mock")]))])),
        ]),
        .object([("type", "declare"), ("source", "car"), ("time", .double(start)), ("variables", .array(variables))]),
    ]
    for i in 0..<60 {
        let data: JSONValue = .object([("Speed", .float(Float(i) * 0.5)), ("RPM", .float(3000 + Float(i) * 40)), ("Gear", 3)])
        lines.append(
            .object([
                ("type", "telemetry"), ("source", "car"), ("seq", .int(Int64(i + 1))), ("time", .double(start + Double(i) / 60)), ("data", data),
            ]))
    }
    try Data((lines.map(\.jsonString).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    return ("type: replay\npath: \(path)\nloop: true", { try? FileManager.default.removeItem(atPath: path) })
}
