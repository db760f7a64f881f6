import BrokerCore
import Foundation
import TLSClient

/// The keys every MQTT plugin has for reaching its server: `url`, `client_id`, `username`,
/// `password` and `tls`, decoded and checked the same way for the sink and the source.
public struct MQTTConnectionOptions: Sendable, Equatable {
    public var server: MQTTServerAddress
    public var clientID: String
    public var username: String?
    public var password: String?
    /// Only with an `mqtts://` url.
    public var tls: TLSClientOptions?

    enum CodingKeys: String, CodingKey {
        case url, username, password, tls
        case clientID = "client_id"
    }

    public init(server: MQTTServerAddress, clientID: String, username: String? = nil, password: String? = nil, tls: TLSClientOptions? = nil) {
        self.server = server
        self.clientID = clientID
        self.username = username
        self.password = password
        self.tls = tls
    }

    /// Decodes the keys from a plugin's mapping (beside the plugin's own keys), reporting every
    /// problem at its key; `client_id` defaults to `defaultClientID`.
    public init(from decoder: any Decoder, defaultClientID: String) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let url = try c.decode(String.self, forKey: .url)
        do {
            server = try MQTTServerAddress(url: url)
        } catch {
            server = MQTTServerAddress(host: "127.0.0.1", port: 1883)
            try c.reportOrThrow("\(error)", key: .url)
        }
        clientID = try c.value(.clientID, default: defaultClientID)
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
        tls = try c.decodeIfPresent(TLSClientOptions.self, forKey: .tls)
        if tls != nil && !server.usesTLS {
            try c.reportOrThrow("tls applies to mqtts:// urls only (the url is \(server))", key: .tls)
        }
    }

    /// `broker-<host name>`, so several brokers on one MQTT server get distinct identifiers.
    public static var hostClientID: String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "broker-unknown" }
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let short = host.split(separator: ".").first.map(String.init) ?? ""
        return "broker-" + (short.isEmpty ? "unknown" : short)
    }
}

extension KeyedDecodingContainer {
    /// The `qos` key of the MQTT sink and source: 0 or 1 (QoS 2 is not supported), any other value
    /// reported at the key (QoS 0 in its place, so the rest of the file is still checked).
    public func mqttQoS(_ key: Key) throws -> MQTTQoS {
        switch try value(key, default: 0) {
        case 0: return .atMostOnce
        case 1: return .atLeastOnce
        case 2:
            try reportOrThrow("qos 2 is not supported: qos must be 0 or 1", key: key)
        case let level:
            try reportOrThrow("qos must be 0 or 1, found \(level)", key: key)
        }
        return .atMostOnce
    }

    /// The `topic_prefix` key the MQTT sink and source share (default `telemetry`), checked.
    public func mqttTopicPrefix(_ key: Key) throws -> String {
        let prefix = try value(key, default: "telemetry")
        if let problem = MQTTTopics.problem(withTopicPrefix: prefix) { try reportOrThrow(problem, key: key) }
        return prefix
    }
}
