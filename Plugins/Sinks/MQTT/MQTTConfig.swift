import BrokerCore
import MQTTClient
import TLSClient

/// The MQTT sink's settings (keys and defaults in the plugin's README).
public struct MQTTConfig: PluginConfig {
    /// Where the MQTT server is, from `url` (`mqtt://host:1883`, `mqtts://host:8883`).
    public var server: MQTTServerAddress
    /// CAs, client certificate and verification for an `mqtts://` server.
    public var tls: TLSClientOptions?
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
    public var reconnect: ReconnectDelay

    enum CodingKeys: String, CodingKey {
        case qos, variables, reconnect
        case topicPrefix = "topic_prefix"
        case keepAliveSeconds = "keepalive_s"
        case retainStatus = "retain_status"
        case perVariable = "per_variable"
        case maxInFlight = "max_inflight"
    }

    /// `broker-<host name>`, so several brokers on one MQTT server get distinct identifiers.
    public static var defaultClientID: String { MQTTConnectionOptions.hostClientID }

    public init(
        server: MQTTServerAddress = MQTTServerAddress(host: "127.0.0.1", port: 1883), tls: TLSClientOptions? = nil,
        clientID: String = MQTTConfig.defaultClientID,
        username: String? = nil, password: String? = nil, topicPrefix: String = "telemetry", qos: MQTTQoS = .atMostOnce,
        variables: VariableSelection = .all, keepAliveSeconds: Int = 30, retainStatus: Bool = true, perVariable: Bool = false,
        maxInFlight: Int = 20, reconnect: ReconnectDelay = ReconnectDelay()
    ) {
        self.server = server
        self.tls = tls
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
        let connection = try MQTTConnectionOptions(from: decoder, defaultClientID: Self.defaultClientID)
        server = connection.server
        tls = connection.tls
        clientID = connection.clientID
        username = connection.username
        password = connection.password
        let c = try decoder.container(keyedBy: CodingKeys.self)
        topicPrefix = try c.mqttTopicPrefix(.topicPrefix)
        qos = try c.mqttQoS(.qos)
        variables = try c.value(.variables, default: .all)
        keepAliveSeconds = try c.value(.keepAliveSeconds, default: 30, in: 0...65535)
        retainStatus = try c.value(.retainStatus, default: true)
        perVariable = try c.value(.perVariable, default: false)
        maxInFlight = try c.value(.maxInFlight, default: 20, in: 1...1000)
        reconnect = try c.value(.reconnect, default: ReconnectDelay())
    }

}
