import BrokerTestSupport
import Foundation
import Testing

/// The F1 source on a free loopback port, fed the real F1 24 recording in a loop until torn down.
let f1Fixture = PluginCompliance.SourceFixture(typeName: "f1") {
    guard TestData.isAvailable else { throw PluginCompliance.Unavailable("../shared/data is missing") }
    let datagrams = try F1Recording.datagrams().map(\.bytes)
    let port = try freeLoopbackPort(udp: true)
    let sender = try LoopbackUDPSender(port: port)
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
