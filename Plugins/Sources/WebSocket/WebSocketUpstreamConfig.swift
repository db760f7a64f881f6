import BrokerCore
import TLSClient

/// The `websocket` source's keys (defaults and meaning in the plugin's README).
public struct WebSocketUpstreamConfig: PluginConfig, Equatable {
    /// The reconnect delay: it starts at `minS` and doubles after each failure up to `maxS`.
    public typealias Reconnect = ReconnectDelay

    /// `ws://host:port/path` (or `wss://` for TLS) of the upstream broker's WebSocket sink (or the Python bridge).
    public var url: String
    /// For a `wss://` url: the CAs to trust (else the system's roots), a client certificate, or
    /// verification off. Nil takes the defaults.
    public var tls: TLSClientOptions?
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
        case url, tls, token, source, variables, rate, reconnect
        case maxMessageBytes = "max_message_bytes"
    }

    public init(
        url: String, tls: TLSClientOptions? = nil, token: String? = nil, source: String? = nil, variables: VariableSelection = .all,
        rate: Double? = nil, maxMessageBytes: Int = 4 << 20, reconnect: Reconnect = Reconnect()
    ) {
        self.url = url
        self.tls = tls
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
        tls = try c.decodeIfPresent(TLSClientOptions.self, forKey: .tls)
        if tls != nil && !usesTLS { try c.reportOrThrow("tls applies to wss:// urls only (the url is \(displayURL))", key: .tls) }
    }

    /// Why `url` cannot name an upstream, or nil when it can.
    static func problem(withURL url: String) -> String? {
        guard let scheme = scheme(of: url) else { return "url must start with ws:// or wss:// (found '\(url)')" }
        let authority = url.dropFirst(scheme.count + 3).prefix { $0 != "/" && $0 != "?" }
        if authority.isEmpty { return "url has no host (expected \(scheme)://host:port/path)" }
        if authority.contains("@") { return "url must not carry credentials (use token)" }
        return nil
    }

    /// `ws` or `wss`, lowercased; nil for any other scheme.
    private static func scheme(of url: String) -> String? {
        let lowered = url.lowercased()
        return lowered.hasPrefix("wss://") ? "wss" : lowered.hasPrefix("ws://") ? "ws" : nil
    }

    /// Whether the upstream is reached over TLS (`wss://`).
    public var usesTLS: Bool { Self.scheme(of: url) == "wss" }

    /// The host of `url` (an IPv6 address without its brackets), or nil when it has none.
    var host: String? {
        guard let scheme = Self.scheme(of: url) else { return nil }
        let authority = url.dropFirst(scheme.count + 3).prefix { $0 != "/" && $0 != "?" }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        let host = authority.prefix { $0 != ":" }
        return host.isEmpty ? nil : String(host)
    }

    /// Whether the host is an IPv4 or IPv6 address rather than a name (then the certificate must
    /// list the address, and the TLS handshake cannot carry it as the server name).
    var hostIsIPAddress: Bool {
        guard let host else { return false }
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
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
