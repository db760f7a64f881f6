import BrokerCore
import UDPSupport

/// The `f1` source's keys (reference: the plugin's README), with their defaults and checks.
public struct F1SourceConfig: PluginConfig {
    /// Where the game sends to (its UDP telemetry settings: IP address and port).
    public var listen: UDPTarget
    /// Where every datagram is re-sent unchanged, before decoding.
    public var forward: [UDPTarget]
    /// Which car the single-car variables (Speed, RPM, ...) describe.
    public var player: F1PlayerChoice

    public init(listen: UDPTarget = UDPTarget.defaultF1Listen, forward: [UDPTarget] = [], player: F1PlayerChoice = .auto) {
        self.listen = listen
        self.forward = forward
        self.player = player
    }

    enum CodingKeys: String, CodingKey {
        case listen, forward, player
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        listen = try c.udpAddress(.listen, default: "0.0.0.0:20777")
        forward = try c.udpTargets(.forward)
        let text = try c.value(.player, default: "auto")
        if text == "auto" {
            player = .auto
        } else if let index = Int(text), (0..<F1Datagram.carCount).contains(index) {
            player = .car(index)
        } else {
            try c.reportOrThrow("player must be 'auto' or a car index from 0 to 21, found '\(text)'", key: .player)
            player = .auto
        }
    }

    public var listeningPorts: [ListeningPort] { listen.port == 0 ? [] : [ListeningPort(.udp, listen.port, key: "listen")] }
}

extension UDPTarget {
    /// The F1 games' default telemetry port on every interface.
    public static let defaultF1Listen = (try? UDPTarget(parsing: "0.0.0.0:20777")) ?? .placeholder
}
