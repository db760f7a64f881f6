import BrokerTestSupport
import Foundation

/// The Forza source on a loopback port, fed FM7 Dash datagrams (race on, 311 bytes) at 50 Hz by a
/// sender standing in for the game.
let forzaFixture = PluginCompliance.SourceFixture(typeName: "forza") {
    let port = try freeLoopbackPort(udp: true)
    let sender = try LoopbackUDPSender(port: port)
    var packet = [UInt8](repeating: 0, count: 311)
    packet[0] = 1  // IsRaceOn
    let feeding = Task {
        while !Task.isCancelled {
            sender.send(packet)
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
    return ("type: forza\nlisten: 127.0.0.1:\(port)", { feeding.cancel() })
}
