import BrokerCore
import UDPSupport

/// The `insim` source's keys (reference: the plugin's README), with their defaults and checks.
public struct InSimSourceConfig: PluginConfig, Equatable {
    /// Options for IS_ISI's Flags field that make sense for a read-only telemetry client.
    public enum Flag: String, ConfigEnum {
        /// Receive IS_MCI (positions, speeds, headings of every car).
        case mci
        /// Receive IS_NLP (node, lap and position only).
        case nlp
        /// Keep colour codes in chat text (`MessageRaw` then has them).
        case msoCols = "mso_cols"

        var bit: UInt16 {
            switch self {
            case .mci: return InSimFlagBits.multiCarInfo
            case .nlp: return InSimFlagBits.nodeLap
            case .msoCols: return InSimFlagBits.messageColours
            }
        }
    }

    /// The reconnect delay: it starts at `minS` and doubles after each failure up to `maxS`.
    public typealias Reconnect = ReconnectDelay

    public var host: String
    public var port: Int
    public var admin: String
    public var name: String
    public var insimVersion: Int
    public var intervalMs: Int
    public var flags: [Flag]
    public var udpPort: Int
    public var outgaugePort: Int
    /// Where every datagram of the UDP ports is re-sent, unchanged, before decoding.
    public var forward: [UDPTarget]
    public var reconnect: Reconnect

    /// IName and Admin are 16-byte fields ending in a zero.
    public static let maximumNameBytes = 15

    public init(
        host: String = "127.0.0.1", port: Int = 29999, admin: String = "", name: String = "broker", insimVersion: Int = 10,
        intervalMs: Int = 100, flags: [Flag] = [.mci, .nlp], udpPort: Int = 0, outgaugePort: Int = 0, forward: [UDPTarget] = [],
        reconnect: Reconnect = Reconnect()
    ) {
        self.host = host
        self.port = port
        self.admin = admin
        self.name = name
        self.insimVersion = insimVersion
        self.intervalMs = intervalMs
        self.flags = flags
        self.udpPort = udpPort
        self.outgaugePort = outgaugePort
        self.forward = forward
        self.reconnect = reconnect
    }

    enum CodingKeys: String, CodingKey {
        case host, port, admin, name, flags, reconnect, forward
        case insimVersion = "insim_version"
        case intervalMs = "interval_ms"
        case udpPort = "udp_port"
        case outgaugePort = "outgauge_port"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.value(.host, default: "127.0.0.1")
        if host.isEmpty {
            try c.reportOrThrow("host must not be empty", key: .host)
            host = "127.0.0.1"
        }
        port = try c.value(.port, default: 29999, in: 1...65535)
        admin = try c.value(.admin, default: "")
        if InSimEncoder.lfsBytes(admin).count > Self.maximumNameBytes {
            try c.reportOrThrow("admin is longer than \(Self.maximumNameBytes) bytes (LFS's Admin field holds 15)", key: .admin)
            admin = ""
        }
        name = try c.value(.name, default: "broker")
        if InSimEncoder.lfsBytes(name).count > Self.maximumNameBytes {
            try c.reportOrThrow("name '\(name)' is longer than \(Self.maximumNameBytes) bytes (LFS's IName field holds 15)", key: .name)
            name = "broker"
        }
        insimVersion = try c.value(.insimVersion, default: 10, in: 9...10)
        intervalMs = try c.value(.intervalMs, default: 100, in: 0...8000)
        if (1..<10).contains(intervalMs) {
            try c.reportOrThrow("interval_ms must be 0 (none) or at least 10, found \(intervalMs)", key: .intervalMs)
            intervalMs = 100
        }
        flags = try c.value(.flags, default: [.mci, .nlp])
        udpPort = try c.value(.udpPort, default: 0, in: 0...65535)
        outgaugePort = try c.value(.outgaugePort, default: 0, in: 0...65535)
        forward = try c.udpTargets(.forward)
        if !forward.isEmpty, udpPort == 0, outgaugePort == 0 {
            try c.reportOrThrow("forward needs a UDP port to forward from (udp_port or outgauge_port)", key: .forward)
        }
        reconnect = try c.value(.reconnect, default: Reconnect())
    }

    public var listeningPorts: [ListeningPort] {
        var ports: [ListeningPort] = []
        if udpPort != 0 { ports.append(ListeningPort(.udp, udpPort, key: "udp_port")) }
        if outgaugePort != 0, outgaugePort != udpPort { ports.append(ListeningPort(.udp, outgaugePort, key: "outgauge_port")) }
        return ports
    }

    /// The UDP port named in IS_ISI: LFS sends NLP/MCI there, and OutGauge started by SMALL_SSG.
    public var insimUDPPort: Int { udpPort != 0 ? udpPort : outgaugePort }

    /// The IS_ISI Flags field.
    public var flagBits: UInt16 { flags.reduce(0) { $0 | $1.bit } }

    /// Loopback when LFS is on this machine, otherwise every interface (LFS sends from elsewhere).
    public var udpBindAddress: String {
        let local = host == "localhost" || host.hasPrefix("127.") || host == "::1"
        return local ? (host == "::1" ? "::1" : "127.0.0.1") : "0.0.0.0"
    }
}
