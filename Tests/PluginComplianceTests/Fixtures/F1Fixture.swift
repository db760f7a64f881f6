import BrokerTestSupport
import Foundation
import Testing

/// The F1 source on a free loopback port, fed the real F1 24 recording in a loop until torn down.
let f1Fixture = PluginCompliance.SourceFixture(typeName: "f1") {
    guard TestData.isAvailable else { throw PluginCompliance.Unavailable("../shared/data is missing") }
    let text = String(decoding: try TestData.bytes("f1/f1-telemetry-client-2024.ndjson"), as: UTF8.self)
    let datagrams: [[UInt8]] = text.split(separator: "\n").compactMap { line in
        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return ((object?["message"] as? [String: Any])?["data"] as? [Int])?.map { UInt8($0) }
    }
    let port = try freeLoopbackPort(udp: true)
    let sender = try UDPTestSender(port: port)
    let feeder = Task {
        while !Task.isCancelled {
            for datagram in datagrams {
                sender.send(datagram)
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
    }
    return ("type: f1\nlisten: 127.0.0.1:\(port)", { feeder.cancel() })
}
