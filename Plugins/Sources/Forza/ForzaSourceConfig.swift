import BrokerCore
import UDPSupport

/// The `forza` source's keys: where to listen, where to forward, and which packet format to expect.
public struct ForzaSourceConfig: PluginConfig {
    /// `auto` tells the format from each datagram's length; a fixed format drops other lengths.
    public enum FormatChoice: String, ConfigEnum {
        case auto, sled
        case fm7Dash = "fm7_dash"
        case fm2023Dash = "fm2023_dash"
        case horizonDash = "horizon_dash"

        var fixed: ForzaFormat? { ForzaFormat(rawValue: rawValue) }
    }

    public var listen: UDPTarget
    public var forward: [UDPTarget]
    public var format: FormatChoice

    public static let defaultListen = "0.0.0.0:5300"

    enum CodingKeys: String, CodingKey { case listen, forward, format }

    public init(listen: UDPTarget, forward: [UDPTarget] = [], format: FormatChoice = .auto) {
        self.listen = listen
        self.forward = forward
        self.format = format
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        listen = try c.udpAddress(.listen, default: Self.defaultListen)
        forward = try c.udpTargets(.forward)
        format = try c.value(.format, default: .auto)
    }

    public var listeningPorts: [ListeningPort] { [ListeningPort(.udp, listen.port, key: "listen")] }
}
