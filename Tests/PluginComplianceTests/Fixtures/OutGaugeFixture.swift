import BrokerTestSupport
import InSimTestSupport

/// The OutGauge source on a loopback port, fed a BeamNG-shaped datagram every 20 ms by a real UDP
/// socket until teardown.
let outgaugeFixture = PluginCompliance.SourceFixture(typeName: "outgauge") {
    let port = try freeLoopbackPort(udp: true)
    let sender = try LoopbackUDPSender(port: port)
    let feeder = Task {
        var step = 0
        while !Task.isCancelled {
            let gear = UInt8(2 + step % 4)
            let speed = Float(step % 60)
            let rpm = Float(1000 + step * 10 % 6000)
            sender.send(
                LFSPacket.outGauge(
                    time: 0, car: Array("beam".utf8), gear: gear, plid: 0, speed: speed, rpm: rpm, engineTemp: 90, fuel: 0.5, oilPressure: 0,
                    oilTemp: 95, dashLights: 0, showLights: 0, throttle: 0.8, brake: 0, clutch: 0, id: 0))
            step += 1
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
    return ("type: outgauge\nlisten: 127.0.0.1:\(port)", { feeder.cancel() })
}
