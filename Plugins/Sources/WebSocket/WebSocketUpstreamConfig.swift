import BrokerCore

/// The `websocket` source's keys (defaults and meaning in the plugin's README).
public struct WebSocketUpstreamConfig: PluginConfig, Equatable {
    /// The reconnect delay: it starts at `minS` and doubles after each failure up to `maxS`.
    public typealias Reconnect = ReconnectDelay

    /// `ws://host:port/path` of the upstream broker's WebSocket sink (or the Python bridge).
    public var url: String
    /// Sent as `Authorization: Bearer ...` when the upstream requires one.
    public var token: String?
    /// Which upstream source to republish, by its id there; nil follows the first one the upstream
    /// names in its `status` (the Python bridge names none: it has one).
    public var source: String?
    public var variables: VariableSelection
    /// Frames per second asked of the upstream (`rate HZ`); nil leaves the upstream's own.
    public var rate: Double?
    /// Longest message accepted from the upstream; a longer one drops the connection.
    public var maxMessageBytes: Int
    public var reconnect: Reconnect

    enum CodingKeys: String, CodingKey {
        case url, token, source, variables, rate, reconnect
        case maxMessageBytes = "max_message_bytes"
    }

    public init(
        url: String, token: String? = nil, source: String? = nil, variables: VariableSelection = .all, rate: Double? = nil,
        maxMessageBytes: Int = 4 << 20, reconnect: Reconnect = Reconnect()
    ) {
        self.url = url
        self.token = token
        self.source = source
        self.variables = variables
        self.rate = rate
        self.maxMessageBytes = maxMessageBytes
        self.reconnect = reconnect
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decode(String.self, forKey: .url)
        if let problem = Self.problem(withURL: url) { try c.reportOrThrow(problem, key: .url) }
        token = try c.decodeIfPresent(String.self, forKey: .token)
        if token?.isEmpty == true { try c.reportOrThrow("token must not be empty (leave it out when the upstream needs none)", key: .token) }
        source = try c.decodeIfPresent(String.self, forKey: .source)
        if let source, source.isEmpty || source.contains("/") || source.contains(",") {
            try c.reportOrThrow("source must be an upstream source id (no '/' or ',')", key: .source)
        }
        variables = try c.value(.variables, default: .all)
        if c.contains(.rate), try !c.decodeNil(forKey: .rate) {
            rate = try c.value(.rate, default: 60, in: 0.1...1000)
        }
        maxMessageBytes = try c.value(.maxMessageBytes, default: 4 << 20, in: 1024...(64 << 20))
        reconnect = try c.value(.reconnect, default: Reconnect())
    }

    /// Why `url` cannot name an upstream, or nil when it can.
    static func problem(withURL url: String) -> String? {
        if url.lowercased().hasPrefix("wss://") { return "wss:// is not supported yet (use ws://, or a TLS-terminating proxy on this machine)" }
        guard url.lowercased().hasPrefix("ws://") else { return "url must start with ws:// (found '\(url)')" }
        let rest = url.dropFirst(5)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if authority.isEmpty { return "url has no host (expected ws://host:port/path)" }
        if authority.contains("@") { return "url must not carry credentials (use token)" }
        return nil
    }

    /// The URL as logs and status show it: any `token=` query value hidden.
    var displayURL: String {
        guard let query = url.firstIndex(of: "?") else { return url }
        let parameters = url[url.index(after: query)...].split(separator: "&").map { parameter in
            parameter.lowercased().hasPrefix("token=") ? "token=***" : String(parameter)
        }
        return url[..<query] + "?" + parameters.joined(separator: "&")
    }
}
