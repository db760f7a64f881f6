import BrokerCore
import UDPSupport

/// The `outgauge` source's keys: where to listen, and where to re-send every datagram.
public struct OutGaugeSourceConfig: PluginConfig, Equatable {
    /// The address to bind; games send to its port.
    public var listen: UDPTarget
    /// Where every datagram is re-sent, unchanged, before decoding.
    public var forward: [UDPTarget]

    public static let defaultListen = "0.0.0.0:4444"

    public init(listen: UDPTarget, forward: [UDPTarget] = []) {
        self.listen = listen
        self.forward = forward
    }

    enum CodingKeys: String, CodingKey {
        case listen, forward
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        listen = try c.udpAddress(.listen, default: Self.defaultListen)
        forward = try c.udpTargets(.forward)
    }

    public var listeningPorts: [ListeningPort] { [ListeningPort(.udp, listen.port, key: "listen")] }
}
