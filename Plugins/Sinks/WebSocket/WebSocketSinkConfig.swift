import BrokerCore
import Foundation

/// The `websocket` sink's keys (SPEC 3), decoded with their defaults.
///
/// A public memberwise initialiser exists besides the YAML decoding so benchmarks and tests can start
/// a sink without a config file (port 0 then picks a free port; read it from `WebSocketSink.address`).
public struct WebSocketSinkConfig: PluginConfig, Equatable {
    /// How the sink advertises itself over mDNS / DNS-SD.
    public struct MDNS: Decodable, Sendable, Equatable {
        public var enabled: Bool
        /// The DNS-SD service type, `_name._tcp`.
        public var type: String
        /// The instance name; nil means the machine's host name.
        public var name: String?

        public static let defaultType = "_iracingws._tcp"

        public init(enabled: Bool = true, type: String = MDNS.defaultType, name: String? = nil) {
            self.enabled = enabled
            self.type = type
            self.name = name
        }

        enum CodingKeys: String, CodingKey { case enabled, type, name }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            enabled = try c.value(.enabled, default: true)
            type = try c.value(.type, default: Self.defaultType)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            if !Self.isValidServiceType(type) {
                try c.reportOrThrow("type must look like '_name._tcp' (e.g. '\(Self.defaultType)'), found '\(type)'", key: .type)
                type = Self.defaultType
            }
            if let name, name.isEmpty || name.utf8.count > 63 {
                try c.reportOrThrow("name must be 1 to 63 bytes long, found \(name.utf8.count)", key: .name)
                self.name = nil
            }
        }

        /// `_label._tcp` (or `._udp`), the label 1 to 15 letters, digits and hyphens (RFC 6335).
        static func isValidServiceType(_ type: String) -> Bool {
            let parts = type.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[1] == "_tcp" || parts[1] == "_udp", parts[0].hasPrefix("_") else { return false }
            let label = parts[0].dropFirst()
            return (1...15).contains(label.count) && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    public var host: String
    /// 0 picks a free port (programmatic use only; config files need 1...65535).
    public var port: Int
    /// The URL path clients upgrade on.
    public var path: String
    public var maxClients: Int
    /// Largest client message; a longer one closes the connection with 1009.
    public var maxMessageBytes: Int
    /// When set, clients must present it as `?token=` or `Authorization: Bearer`.
    public var token: String?
    public var mdns: MDNS
    public var dashboard: Bool
    /// Commands one client may send per second (a burst of as many at once); the excess gets an
    /// `error` reply and is not carried out.
    public var maxCommandsPerSecond: Int
    /// Variable names one client's subscription may list (after `sub all`: names it excludes).
    public var maxSubscriptions: Int
    /// WebSocket upgrades one remote address may attempt per second; beyond, HTTP 429.
    public var maxConnectsPerSecond: Int
    /// Seconds a client may stay undrained before it is closed with 1008 (not a config key: SPEC 5
    /// fixes it at 10 s; tests shorten it).
    public var drainTimeout: Double
    /// Seconds a new connection may take to send its first request head before it gets 408 and is
    /// closed (not a config key; tests shorten it).
    public var requestHeadTimeout: Double

    public init(
        host: String = "0.0.0.0", port: Int = 8765, path: String = "/", maxClients: Int = 256, maxMessageBytes: Int = 4096,
        token: String? = nil, mdns: MDNS = MDNS(), dashboard: Bool = true, maxCommandsPerSecond: Int = 50,
        maxSubscriptions: Int = 1000, maxConnectsPerSecond: Int = 20, drainTimeout: Double = 10, requestHeadTimeout: Double = 10
    ) {
        self.host = host
        self.port = port
        self.path = path
        self.maxClients = maxClients
        self.maxMessageBytes = maxMessageBytes
        self.token = token
        self.mdns = mdns
        self.dashboard = dashboard
        self.maxCommandsPerSecond = maxCommandsPerSecond
        self.maxSubscriptions = maxSubscriptions
        self.maxConnectsPerSecond = maxConnectsPerSecond
        self.drainTimeout = drainTimeout
        self.requestHeadTimeout = requestHeadTimeout
    }

    enum CodingKeys: String, CodingKey {
        case host, port, path, token, mdns, dashboard
        case maxClients = "max_clients"
        case maxMessageBytes = "max_message_bytes"
        case maxCommandsPerSecond = "max_commands_per_s"
        case maxSubscriptions = "max_subscriptions"
        case maxConnectsPerSecond = "max_connects_per_s"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = WebSocketSinkConfig()
        host = try c.value(.host, default: defaults.host)
        port = try c.value(.port, default: defaults.port, in: 1...65535)
        path = try c.value(.path, default: defaults.path)
        maxClients = try c.value(.maxClients, default: defaults.maxClients, in: 1...100_000)
        maxMessageBytes = try c.value(.maxMessageBytes, default: defaults.maxMessageBytes, in: 64...1_048_576)
        token = try c.decodeIfPresent(String.self, forKey: .token)
        mdns = try c.value(.mdns, default: defaults.mdns)
        dashboard = try c.value(.dashboard, default: defaults.dashboard)
        maxCommandsPerSecond = try c.value(.maxCommandsPerSecond, default: defaults.maxCommandsPerSecond, in: 1...100_000)
        maxSubscriptions = try c.value(.maxSubscriptions, default: defaults.maxSubscriptions, in: 1...1_000_000)
        maxConnectsPerSecond = try c.value(.maxConnectsPerSecond, default: defaults.maxConnectsPerSecond, in: 1...100_000)
        drainTimeout = defaults.drainTimeout
        requestHeadTimeout = defaults.requestHeadTimeout
        if host.isEmpty {
            try c.reportOrThrow("host must not be empty (use 0.0.0.0 for every interface)", key: .host)
            host = defaults.host
        }
        if !path.hasPrefix("/") || path.contains("?") || path.contains("#") {
            try c.reportOrThrow("path must start with '/' and hold no '?' or '#', found '\(path)'", key: .path)
            path = defaults.path
        }
        if let token, token.isEmpty {
            try c.reportOrThrow("token must not be empty (leave the key out to accept every client)", key: .token)
            self.token = nil
        }
    }

    public var listeningPorts: [ListeningPort] {
        port == 0 ? [] : [ListeningPort(.tcp, port)]
    }
}

extension WebSocketSinkConfig: CustomStringConvertible, CustomDebugStringConvertible {
    /// The settings with the token hidden, so logging a config never leaks it.
    public var description: String {
        let mdnsText = mdns.enabled ? "\(mdns.name ?? "<host name>").\(mdns.type)" : "off"
        return "websocket on \(host):\(port)\(path), max_clients \(maxClients), max_message_bytes \(maxMessageBytes), "
            + "max_commands_per_s \(maxCommandsPerSecond), max_subscriptions \(maxSubscriptions), "
            + "max_connects_per_s \(maxConnectsPerSecond), token \(token == nil ? "none" : "<set>"), mdns \(mdnsText), dashboard \(dashboard)"
    }

    public var debugDescription: String { description }
}

