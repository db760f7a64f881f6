import BrokerTestSupport
import Foundation

/// The stdout sink, recording to a temporary file the probe reads back.
let stdoutFixture = PluginCompliance.SinkFixture(typeName: "stdout") {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("compliance-\(UUID().uuidString).ndjson").path
    return PluginCompliance.SinkProbe(
        entry: "type: stdout\npath: \(path)\nrate: 30",
        receiveTelemetry: {
            for _ in 0..<500 {
                if let text = try? String(contentsOfFile: path, encoding: .utf8),
                    let line = text.split(separator: "\n").first(where: { $0.contains("\"type\":\"telemetry\"") })
                {
                    return String(line)
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            throw CancellationError()
        },
        tearDown: { try? FileManager.default.removeItem(atPath: path) })
}
