import BrokerCore

/// Host, port and transport of an MQTT server, parsed from `mqtt://host:port` or `mqtts://host:port`.
public struct MQTTServerAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// `mqtts://`: the connection is TLS (port 8883 by default).
    public var usesTLS: Bool

    public init(host: String, port: Int, usesTLS: Bool = false) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    /// Accepts `mqtt://host`, `mqtt://host:port`, `mqtt://[v6-address]:port` (also `tcp://`), and
    /// the same with `mqtts://` (also `ssl://`, `tls://`) for TLS.
    public init(url: String) throws {
        guard let schemeEnd = url.range(of: "://") else {
            throw PluginError("url must look like mqtt://host:1883 or mqtts://host:8883, found '\(url)'")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "mqtt", "tcp":
            usesTLS = false
        case "mqtts", "ssl", "tls":
            usesTLS = true
        case "ws", "wss":
            throw PluginError("MQTT over WebSocket is not supported: use mqtt://host:1883 or mqtts://host:8883")
        default:
            throw PluginError("unknown scheme '\(scheme)' in url (expected mqtt://host:1883 or mqtts://host:8883)")
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
        var port = usesTLS ? 8883 : 1883
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw PluginError("port in url must be a number from 1 to 65535, found '\(portText)'")
            }
            port = value
        }
        self.host = String(host)
        self.port = port
    }

    /// Whether `host` is an IPv4 or IPv6 literal (TLS then checks the certificate's IP entries,
    /// and sends no server name).
    public var hostIsIPAddress: Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in UInt8(part) != nil }
    }

    public var description: String {
        let scheme = usesTLS ? "mqtts" : "mqtt"
        return host.contains(":") ? "\(scheme)://[\(host)]:\(port)" : "\(scheme)://\(host):\(port)"
    }
}

/// Checks on topic names shared by the publishing and the subscribing side.
public enum MQTTTopics {
    /// Why `prefix` cannot start an MQTT topic name, or nil when it can.
    public static func problem(withTopicPrefix prefix: String) -> String? {
        if prefix.isEmpty { return "topic_prefix must not be empty" }
        if prefix.contains("+") || prefix.contains("#") { return "topic_prefix must not contain the wildcards '+' or '#'" }
        if prefix.contains("\u{0}") { return "topic_prefix must not contain NUL" }
        if prefix.hasPrefix("$") { return "topic_prefix must not start with '$' (reserved for the server's own topics)" }
        if prefix.hasPrefix("/") || prefix.hasSuffix("/") { return "topic_prefix must not start or end with '/'" }
        return nil
    }

    /// Why a source id cannot name a source in topics (`<prefix>/<id>/telemetry`), or nil when it
    /// can. A relayed source's id may hold `/` (`car12/mock`): it then spans several levels.
    public static func sourceIDProblem(_ id: String) -> String? {
        if id.isEmpty { return "it is empty" }
        if id.contains("+") || id.contains("#") { return "it contains a wildcard ('+' or '#')" }
        if id.contains("\u{0}") { return "it contains NUL" }
        if id.split(separator: "/", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            return "it has an empty topic level ('/' at its start or end, or '//')"
        }
        return nil
    }

    /// Why `level` cannot be one level of a topic name, or nil when it can.
    public static func levelProblem(_ level: String) -> String? {
        if level.isEmpty { return "it is empty" }
        if level.contains("+") || level.contains("#") { return "it contains a wildcard ('+' or '#')" }
        if level.contains("/") { return "it contains '/'" }
        if level.contains("\u{0}") { return "it contains NUL" }
        return nil
    }
}
