import BrokerTestSupport
import Foundation
import Testing

/// The MQTT sink publishing to a Mosquitto the probe starts on a free loopback port; a
/// `mosquitto_sub` reads the telemetry back. Without Mosquitto installed the check is
/// skipped with the packages to install, except under CI, where it fails.
let mqttFixture = PluginCompliance.SinkFixture(typeName: "mqtt") {
    if !Mosquitto.isAvailable { throw PluginCompliance.Unavailable("needs \(Mosquitto.packages) (apt-get install -y \(Mosquitto.packages))") }
    let mosquitto = try Mosquitto()
    let subscriber = try await mosquitto.subscribe("compliance/+/telemetry")
    return PluginCompliance.SinkProbe(
        entry:
            "type: mqtt\nurl: mqtt://127.0.0.1:\(mosquitto.port)\nclient_id: compliance-\(UUID().uuidString.prefix(8))\ntopic_prefix: compliance\nrate: 30",
        receiveTelemetry: {
            let received = try await subscriber.waitUntil(timeout: 10) { !$0.isEmpty }
            guard let first = received.first else { throw TestSetupError("no telemetry reached mosquitto_sub within 10 s:\n\(mosquitto.log)") }
            return first.payload
        },
        tearDown: {
            subscriber.stop()
            mosquitto.stop()
        })
}
