import BrokerCore
import UDPSupport

/// The UDP sink's settings (reference: the plugin's README): where to send, what, and how big a datagram may be.
public struct UDPConfig: PluginConfig {
    /// The smallest `max_datagram_bytes`: room for the telemetry header with `part`/`parts` and a
    /// few variables. The largest is what one IPv4 UDP datagram can carry.
    public static let datagramBytesRange = 256...65507

    public var target: UDPTarget
    public var variables: VariableSelection
    public var maxDatagramBytes: Int
    /// Hops for multicast (default 1: the local network only); for other targets, when set, the
    /// unicast TTL (otherwise the system's default).
    public var ttl: Int?

    /// The multicast TTL the sink uses when `ttl` is not set.
    public static let defaultMulticastTTL = 1

    enum CodingKeys: String, CodingKey {
        case target, variables, ttl
        case maxDatagramBytes = "max_datagram_bytes"
    }

    public init(target: UDPTarget, variables: VariableSelection, maxDatagramBytes: Int = 1400, ttl: Int? = nil) {
        self.target = target
        self.variables = variables
        self.maxDatagramBytes = maxDatagramBytes
        self.ttl = ttl
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxDatagramBytes = try c.value(.maxDatagramBytes, default: 1400, in: Self.datagramBytesRange)
        if c.contains(.ttl) {
            ttl = try c.value(.ttl, default: Self.defaultMulticastTTL, in: 1...255)
        }
        let text = try c.decode(String.self, forKey: .target)
        do {
            target = try UDPTarget(parsing: text)
        } catch {
            try c.reportOrThrow(error.description, key: .target)
            target = UDPTarget.placeholder
        }
        variables = try c.decode(VariableSelection.self, forKey: .variables)
    }
}
