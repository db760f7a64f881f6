import BrokerCore
import MQTTClient
import TLSClient

/// The `mqtt` source's keys (defaults and meaning in the plugin's README).
public struct MQTTSourceConfig: PluginConfig, Equatable {
    /// `url`, `tls`, `username`, `password`, `client_id` (nil: `broker-<host name>-<entry id>`).
    public var server: MQTTServerAddress
    public var tls: TLSClientOptions?
    public var clientID: String?
    public var username: String?
    public var password: String?
    /// The remote sinks' `topic_prefix`: topics are `<prefix>/<remote id>/<kind>`.
    public var topicPrefix: String
    /// Remote source ids to bring in; `+` takes every one under the prefix.
    public var sources: [String]
    /// Put before each remote id to make the id here (`car12/` turns `mock` into `car12/mock`).
    public var idPrefix: String
    public var qos: MQTTQoS
    public var reconnect: ReconnectDelay
    /// Remote sources beyond this many are ignored (counted, one warning).
    public var maxSources: Int
    /// Keep-alive told to the MQTT server; a PINGREQ goes out every half of it.
    public var keepAliveSeconds: Int
    /// A remote source that says it is connected yet sends nothing for this long is marked
    /// disconnected here, until it is heard again.
    public var silenceSeconds: Double

    enum CodingKeys: String, CodingKey {
        case sources, qos, reconnect
        case clientID = "client_id"
        case topicPrefix = "topic_prefix"
        case idPrefix = "id_prefix"
        case maxSources = "max_sources"
        case keepAliveSeconds = "keepalive_s"
        case silenceSeconds = "silence_s"
    }

    /// The wildcard in `sources`.
    public static let everySource = "+"

    public init(
        server: MQTTServerAddress, tls: TLSClientOptions? = nil, clientID: String? = nil, username: String? = nil, password: String? = nil,
        topicPrefix: String = "telemetry", sources: [String] = [everySource], idPrefix: String = "", qos: MQTTQoS = .atMostOnce,
        reconnect: ReconnectDelay = ReconnectDelay(), maxSources: Int = 64, keepAliveSeconds: Int = 30, silenceSeconds: Double = 10
    ) {
        self.server = server
        self.tls = tls
        self.clientID = clientID
        self.username = username
        self.password = password
        self.topicPrefix = topicPrefix
        self.sources = sources
        self.idPrefix = idPrefix
        self.qos = qos
        self.reconnect = reconnect
        self.maxSources = maxSources
        self.keepAliveSeconds = keepAliveSeconds
        self.silenceSeconds = silenceSeconds
    }

    public init(from decoder: any Decoder) throws {
        let connection = try MQTTConnectionOptions(from: decoder, defaultClientID: MQTTConnectionOptions.hostClientID)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        server = connection.server
        tls = connection.tls
        clientID = c.contains(.clientID) ? connection.clientID : nil
        username = connection.username
        password = connection.password
        topicPrefix = try c.mqttTopicPrefix(.topicPrefix)
        sources = try c.value(.sources, default: [Self.everySource])
        if sources.isEmpty { try c.reportOrThrow("sources must name at least one remote source id, or '+' for all", key: .sources) }
        for source in sources where source != Self.everySource {
            if let problem = MQTTTopics.sourceIDProblem(source) {
                try c.reportOrThrow("'\(source)' cannot be a remote source id (\(problem)); '+' alone takes every source", key: .sources)
            }
        }
        idPrefix = try c.value(.idPrefix, default: "")
        if idPrefix.contains("+") || idPrefix.contains("#") || idPrefix.contains("\u{0}") || idPrefix.contains(",") || idPrefix.hasPrefix("/") {
            try c.reportOrThrow("id_prefix must not contain '+', '#', ',' or NUL, nor start with '/' (e.g. 'car12/' or 'pit-')", key: .idPrefix)
        }
        qos = try c.mqttQoS(.qos)
        reconnect = try c.value(.reconnect, default: ReconnectDelay())
        maxSources = try c.value(.maxSources, default: 64, in: 1...10_000)
        keepAliveSeconds = try c.value(.keepAliveSeconds, default: 30, in: 0...65535)
        silenceSeconds = try c.value(.silenceSeconds, default: 10, in: 0.5...3600)
    }

    /// Whether every remote source under the prefix is taken.
    var takesEverySource: Bool { sources.contains(Self.everySource) }

    /// The topic filters to subscribe. Every source: everything under the prefix (`<prefix>/#`),
    /// since a relayed id spans several topic levels (`car12/mock`) and `+` matches only one; the
    /// server sends the retained declarations and status as it takes the subscription, before any
    /// new frame. Named ids: each kind of message the sink publishes, declarations first so their
    /// retained copies arrive before the first frames.
    var topicFilters: [String] {
        if takesEverySource { return ["\(topicPrefix)/#"] }
        return sources.flatMap { id in RemoteTopic.Kind.allCases.map { "\(topicPrefix)/\(id)/\($0.rawValue)" } }
    }
}

/// A topic the sink publishes on, split into the remote source id and the kind of message.
struct RemoteTopic: Equatable {
    /// The last topic level, as the sink names it.
    enum Kind: String, CaseIterable {
        case declarations, status, sessionInfo, telemetry, event
    }

    var remoteID: String
    var kind: Kind
}

extension RemoteTopic {
    /// Parses `<prefix>/<remote id>/<kind>` (the id may span levels); nil for anything else.
    init?(_ topic: String, prefix: String) {
        guard topic.hasPrefix(prefix + "/") else { return nil }
        let rest = topic.dropFirst(prefix.count + 1)
        guard let slash = rest.lastIndex(of: "/"), let kind = Kind(rawValue: String(rest[rest.index(after: slash)...])) else { return nil }
        let id = String(rest[..<slash])
        guard MQTTTopics.sourceIDProblem(id) == nil else { return nil }
        remoteID = id
        self.kind = kind
    }

    /// Whether `topic` is one of the sink's per-variable topics (`<prefix>/<id>/vars/<Name>`,
    /// `per_variable: true`): under `<prefix>/#` they arrive too, and are not this source's to use.
    static func isPerVariableValue(_ topic: String, prefix: String) -> Bool {
        guard topic.hasPrefix(prefix + "/") else { return false }
        let levels = topic.dropFirst(prefix.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        return levels.count >= 3 && levels[levels.count - 2] == "vars"
    }
}
