import BrokerCore
import BrokerTestSupport
import BuiltinPlugins
import Foundation
import Logging

/// The `mqtt` source reading what a real broker (mock source, MQTT sink) publishes through a
/// Mosquitto started for the check on a free loopback port; both stopped afterwards. Without
/// Mosquitto installed the check is skipped with the packages to install, except under CI.
let mqttSourceFixture = PluginCompliance.SourceFixture(typeName: "mqtt") {
    if !Mosquitto.isAvailable { throw PluginCompliance.Unavailable("needs \(Mosquitto.packages) (apt-get install -y \(Mosquitto.packages))") }
    let mosquitto = try Mosquitto()
    let publisher = """
        sources:
          - type: mock
            seed: 1
            rate: 30
        sinks:
          - type: mqtt
            url: mqtt://127.0.0.1:\(mosquitto.port)
            client_id: compliance-publisher-\(UUID().uuidString.prefix(8))
            topic_prefix: relay
            rate: 30
        """
    let config = try ConfigLoader(catalog: BuiltinPlugins.catalog).load(text: publisher, file: "<publisher of the mqtt source fixture>")
    var logger = Logger(label: "compliance-publisher")
    logger.logLevel = .error
    let broker = try Broker(config: config, logger: logger)
    let running = Task { try await broker.run(handleSignals: false) }
    let entry = """
        type: mqtt
        url: mqtt://127.0.0.1:\(mosquitto.port)
        client_id: compliance-subscriber-\(UUID().uuidString.prefix(8))
        topic_prefix: relay
        id_prefix: remote-
        reconnect: {min_s: 0.1, max_s: 0.5}
        """
    return (
        entry,
        {
            running.cancel()
            _ = try? await running.value
            mosquitto.stop()
        }
    )
}
