import BrokerCore
import Foundation

/// The `websocket` sink's keys (reference: the plugin's README), decoded with their defaults.
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

    /// The certificate and key that turn the port into https:// and wss:// only.
    public struct TLS: Decodable, Sendable, Equatable {
        /// PEM certificate file, the server's certificate first, then any intermediates.
        public var cert: String
        /// PEM private key file matching `cert`.
        public var key: String

        public init(cert: String, key: String) {
            self.cert = cert
            self.key = key
        }

        enum CodingKeys: String, CodingKey { case cert, key }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cert = try c.value(.cert, default: "")
            key = try c.value(.key, default: "")
            if cert.isEmpty { try c.reportOrThrow("cert must name the PEM certificate file (the chain, server certificate first)", key: .cert) }
            if key.isEmpty { try c.reportOrThrow("key must name the PEM private key file", key: .key) }
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
    /// Named tokens, each accepted like `token`; the name (never the token) is logged and listed in
    /// /metrics, so one device can be cut off without re-keying the others.
    public var tokens: [String: String]
    /// When set, the port serves https:// and wss:// only.
    public var tls: TLS?
    /// When on, `/`, `/vars` and `/metrics` need a token too (`/healthz` stays open).
    public var protectHTTP: Bool
    /// WebSocket clients connected at once from one remote address; beyond, HTTP 429.
    public var maxClientsPerAddress: Int
    public var mdns: MDNS
    public var dashboard: Bool
    /// Commands one client may send per second (a burst of as many at once); the excess gets an
    /// `error` reply and is not carried out.
    public var maxCommandsPerSecond: Int
    /// Variable names one client's subscription may list (after `sub all`: names it excludes).
    public var maxSubscriptions: Int
    /// WebSocket upgrades one remote address may attempt per second; beyond, HTTP 429.
    public var maxConnectsPerSecond: Int
    /// Seconds a client may stay undrained before it is closed with 1008 (not a config key: docs/PROTOCOL.md
    /// fixes it at 10 s; tests shorten it).
    public var drainTimeout: Double
    /// Seconds a new connection may take to send its first request head before it gets 408 and is
    /// closed (not a config key; tests shorten it).
    public var requestHeadTimeout: Double

    public init(
        host: String = "0.0.0.0", port: Int = 8765, path: String = "/", maxClients: Int = 256, maxMessageBytes: Int = 4096,
        token: String? = nil, mdns: MDNS = MDNS(), dashboard: Bool = true, maxCommandsPerSecond: Int = 50,
        maxSubscriptions: Int = 1000, maxConnectsPerSecond: Int = 20, drainTimeout: Double = 10, requestHeadTimeout: Double = 10,
        tokens: [String: String] = [:], tls: TLS? = nil, protectHTTP: Bool = false, maxClientsPerAddress: Int = 64
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
        self.tokens = tokens
        self.tls = tls
        self.protectHTTP = protectHTTP
        self.maxClientsPerAddress = maxClientsPerAddress
    }

    /// Every accepted token with its name, sorted by name; the single `token` is named "default".
    var namedTokens: [(name: String, token: String)] {
        (token.map { [(Self.defaultTokenName, $0)] } ?? []) + tokens.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The name the single `token` goes by in logs and /metrics.
    static let defaultTokenName = "default"

    enum CodingKeys: String, CodingKey {
        case host, port, path, token, tokens, tls, mdns, dashboard
        case protectHTTP = "protect_http"
        case maxClientsPerAddress = "max_clients_per_address"
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
        tokens = try c.value(.tokens, default: [:])
        tls = try c.decodeIfPresent(TLS.self, forKey: .tls)
        protectHTTP = try c.value(.protectHTTP, default: defaults.protectHTTP)
        maxClientsPerAddress = try c.value(.maxClientsPerAddress, default: defaults.maxClientsPerAddress, in: 1...100_000)
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
        for (name, value) in tokens.sorted(by: { $0.key < $1.key }) where value.isEmpty || name.isEmpty {
            try c.reportOrThrow("tokens: '\(name)' needs a non-empty name and token", key: .tokens)
            tokens[name] = nil
        }
        if tokens.keys.contains(Self.defaultTokenName), token != nil {
            try c.reportOrThrow("tokens: '\(Self.defaultTokenName)' is the name of the single token; choose another name", key: .tokens)
        }
        if protectHTTP, token == nil, tokens.isEmpty {
            try c.reportOrThrow("protect_http needs a token (set token or tokens)", key: .protectHTTP)
            protectHTTP = false
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
            + "max_connects_per_s \(maxConnectsPerSecond), max_clients_per_address \(maxClientsPerAddress), "
            + "tokens \(namedTokens.isEmpty ? "none" : namedTokens.map(\.name).joined(separator: ",")), protect_http \(protectHTTP), "
            + "tls \(tls == nil ? "off" : "on"), mdns \(mdnsText), dashboard \(dashboard)"
    }

    public var debugDescription: String { description }
}
