import BrokerCore
import Foundation

/// The MQTT sink's settings (issue 10; keys and defaults in the plugin's README).
public struct MQTTConfig: PluginConfig {
    /// Where the MQTT server is, from `url` (`mqtt://host:1883`).
    public var server: MQTTServerAddress
    /// Sent as-is with one source; with several, each source's session adds `-<source id>`.
    public var clientID: String
    public var username: String?
    public var password: String?
    /// First topic level(s): `<prefix>/<source>/telemetry`.
    public var topicPrefix: String
    public var qos: MQTTQoS
    public var variables: VariableSelection
    /// Seconds between PINGREQs when idle; 0 turns keep-alive off.
    public var keepAliveSeconds: Int
    /// Whether `status` (and the last will) are retained by the server.
    public var retainStatus: Bool
    /// Also publish each variable's bare value on `<prefix>/<source>/vars/<Name>`.
    public var perVariable: Bool
    /// QoS 1 messages that may await their PUBACK at once.
    public var maxInFlight: Int
    public var reconnect: MQTTReconnectPolicy

    enum CodingKeys: String, CodingKey {
        case url, username, password, qos, variables, reconnect
        case clientID = "client_id"
        case topicPrefix = "topic_prefix"
        case keepAliveSeconds = "keepalive_s"
        case retainStatus = "retain_status"
        case perVariable = "per_variable"
        case maxInFlight = "max_inflight"
    }

    /// `broker-<host name>`, so several brokers on one MQTT server get distinct identifiers.
    public static var defaultClientID: String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "broker-unknown" }
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let short = host.split(separator: ".").first.map(String.init) ?? ""
        return "broker-" + (short.isEmpty ? "unknown" : short)
    }

    public init(
        server: MQTTServerAddress = MQTTServerAddress(host: "127.0.0.1", port: 1883), clientID: String = MQTTConfig.defaultClientID,
        username: String? = nil, password: String? = nil, topicPrefix: String = "telemetry", qos: MQTTQoS = .atMostOnce,
        variables: VariableSelection = .all, keepAliveSeconds: Int = 30, retainStatus: Bool = true, perVariable: Bool = false,
        maxInFlight: Int = 20, reconnect: MQTTReconnectPolicy = MQTTReconnectPolicy()
    ) {
        self.server = server
        self.clientID = clientID
        self.username = username
        self.password = password
        self.topicPrefix = topicPrefix
        self.qos = qos
        self.variables = variables
        self.keepAliveSeconds = keepAliveSeconds
        self.retainStatus = retainStatus
        self.perVariable = perVariable
        self.maxInFlight = maxInFlight
        self.reconnect = reconnect
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let url = try c.decode(String.self, forKey: .url)
        do {
            server = try MQTTServerAddress(url: url)
        } catch {
            server = MQTTServerAddress(host: "127.0.0.1", port: 1883)
            try c.reportOrThrow("\(error)", key: .url)
        }
        clientID = try c.value(.clientID, default: Self.defaultClientID)
        if clientID.isEmpty || clientID.utf8.count > 0xFFFF {
            try c.reportOrThrow("client_id must be 1 to 65535 bytes long", key: .clientID)
        }
        username = try c.decodeIfPresent(String.self, forKey: .username)
        password = try c.decodeIfPresent(String.self, forKey: .password)
        if let username, username.utf8.count > 0xFFFF { try c.reportOrThrow("username must be at most 65535 bytes long", key: .username) }
        if let password, password.utf8.count > 0xFFFF { try c.reportOrThrow("password must be at most 65535 bytes long", key: .password) }
        if password != nil && username == nil {
            try c.reportOrThrow("password needs a username (MQTT 3.1.1 sends no password without one)", key: .password)
        }
        topicPrefix = try c.value(.topicPrefix, default: "telemetry")
        if let problem = Self.problem(withTopicPrefix: topicPrefix) { try c.reportOrThrow(problem, key: .topicPrefix) }
        switch try c.value(.qos, default: 0) {
        case 0: qos = .atMostOnce
        case 1: qos = .atLeastOnce
        case 2:
            qos = .atMostOnce
            try c.reportOrThrow("qos 2 is not supported (use 0 or 1)", key: .qos)
        case let level:
            qos = .atMostOnce
            try c.reportOrThrow("qos must be 0 or 1, found \(level)", key: .qos)
        }
        variables = try c.value(.variables, default: .all)
        keepAliveSeconds = try c.value(.keepAliveSeconds, default: 30, in: 0...65535)
        retainStatus = try c.value(.retainStatus, default: true)
        perVariable = try c.value(.perVariable, default: false)
        maxInFlight = try c.value(.maxInFlight, default: 20, in: 1...1000)
        reconnect = try c.value(.reconnect, default: MQTTReconnectPolicy())
    }

    /// Why `prefix` cannot start an MQTT topic name, or nil when it can.
    static func problem(withTopicPrefix prefix: String) -> String? {
        if prefix.isEmpty { return "topic_prefix must not be empty" }
        if prefix.contains("+") || prefix.contains("#") { return "topic_prefix must not contain the wildcards '+' or '#'" }
        if prefix.contains("\u{0}") { return "topic_prefix must not contain NUL" }
        if prefix.hasPrefix("$") { return "topic_prefix must not start with '$' (reserved for the server's own topics)" }
        if prefix.hasPrefix("/") || prefix.hasSuffix("/") { return "topic_prefix must not start or end with '/'" }
        return nil
    }
}

/// Host and port of an MQTT server, parsed from `mqtt://host:port`.
public struct MQTTServerAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Accepts `mqtt://host`, `mqtt://host:port`, `mqtt://[v6-address]:port` (also `tcp://`).
    public init(url: String) throws {
        guard let schemeEnd = url.range(of: "://") else {
            throw PluginError("url must look like mqtt://host:1883, found '\(url)'")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "mqtt", "tcp":
            break
        case "mqtts", "ssl", "tls":
            throw PluginError("TLS not supported yet: use mqtt:// (plain TCP), e.g. through a local TLS tunnel or a bridge on the MQTT server")
        case "ws", "wss":
            throw PluginError("MQTT over WebSocket is not supported: use mqtt://host:1883")
        default:
            throw PluginError("unknown scheme '\(scheme)' in url (expected mqtt://host:1883)")
        }
        var rest = url[schemeEnd.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
            throw PluginError("url must be mqtt://host:port with no path, found '\(url)'")
        }
        guard !rest.contains("@") else {
            throw PluginError("put credentials in username and password, not in the url")
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw PluginError("unclosed '[' in url '\(url)'") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw PluginError("expected ':port' after ']' in url '\(url)'") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw PluginError("url '\(url)' has no host") }
        var port = 1883
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw PluginError("port in url must be a number from 1 to 65535, found '\(portText)'")
            }
            port = value
        }
        self.host = String(host)
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "mqtt://[\(host)]:\(port)" : "mqtt://\(host):\(port)"
    }
}

/// How long to wait between connection attempts: from `min_s`, doubling per failure up to `max_s`.
public struct MQTTReconnectPolicy: Decodable, Sendable, Equatable {
    public var minimumSeconds: Double
    public var maximumSeconds: Double

    enum CodingKeys: String, CodingKey {
        case minimumSeconds = "min_s"
        case maximumSeconds = "max_s"
    }

    public init(minimumSeconds: Double = 1, maximumSeconds: Double = 30) {
        self.minimumSeconds = minimumSeconds
        self.maximumSeconds = maximumSeconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minimumSeconds = try c.value(.minimumSeconds, default: 1, in: 0.05...3600)
        maximumSeconds = try c.value(.maximumSeconds, default: 30, in: 0.05...3600)
        if maximumSeconds < minimumSeconds {
            try c.reportOrThrow("max_s must not be below min_s", key: .maximumSeconds)
            maximumSeconds = minimumSeconds
        }
    }
}
