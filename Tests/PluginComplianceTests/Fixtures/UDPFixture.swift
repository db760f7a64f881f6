import BrokerTestSupport

/// The UDP sink, sending to a socket on loopback that the probe reads.
let udpFixture = PluginCompliance.SinkFixture(typeName: "udp") {
    let receiver = try LoopbackUDPReceiver()
    return PluginCompliance.SinkProbe(
        entry: "type: udp\ntarget: 127.0.0.1:\(receiver.port)\nvariables: all\nrate: 30",
        receiveTelemetry: {
            let received = try await receiver.wait(timeout: 20) { $0.contains { $0.text.hasPrefix("{\"type\":\"telemetry\"") } }
            guard let telemetry = received.first(where: { $0.text.hasPrefix("{\"type\":\"telemetry\"") }) else {
                throw TestSetupError("no telemetry datagram on 127.0.0.1:\(receiver.port) within 20 s")
            }
            return telemetry.text
        },
        tearDown: { receiver.stop() })
}
