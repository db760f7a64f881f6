import BrokerCore
import BrokerTestSupport
import BuiltinPlugins
import Logging

/// The upstream `websocket` source reading a real upstream broker (mock source, WebSocket sink on a
/// free loopback port) started for the check and stopped afterwards.
let websocketSourceFixture = PluginCompliance.SourceFixture(typeName: "websocket") {
    let port = try freeLoopbackPort()
    let upstream = """
        sources:
          - type: mock
            seed: 1
            rate: 30
        sinks:
          - type: websocket
            host: 127.0.0.1
            port: \(port)
            mdns: {enabled: false}
        """
    let config = try ConfigLoader(catalog: BuiltinPlugins.catalog).load(text: upstream, file: "<upstream of the websocket source fixture>")
    var logger = Logger(label: "compliance-upstream")
    logger.logLevel = .error
    let broker = try Broker(config: config, logger: logger)
    let running = Task { try await broker.run(handleSignals: false) }
    return (
        "type: websocket\nurl: ws://127.0.0.1:\(port)/\nreconnect: {min_s: 0.1, max_s: 0.5}",
        {
            running.cancel()
            _ = try? await running.value
        }
    )
}
