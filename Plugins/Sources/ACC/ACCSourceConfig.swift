import BrokerCore

/// The `acc` source's keys: where ACC's broadcasting API listens, the passwords and name to register
/// with, the update interval asked for, and the reconnect delay.
public struct ACCSourceConfig: PluginConfig {
    /// The delay before registering again: `minS` first, doubling up to `maxS`.
    public typealias Reconnect = ReconnectDelay

    public var host: String
    public var port: Int
    public var password: String
    public var commandPassword: String
    public var intervalMs: Int
    public var name: String
    public var reconnect: Reconnect

    public init(
        host: String = "127.0.0.1", port: Int = 9000, password: String = "", commandPassword: String = "", intervalMs: Int = 100,
        name: String = "broker", reconnect: Reconnect = Reconnect()
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.commandPassword = commandPassword
        self.intervalMs = intervalMs
        self.name = name
        self.reconnect = reconnect
    }

    enum CodingKeys: String, CodingKey {
        case host, port, password, name, reconnect
        case commandPassword = "command_password"
        case intervalMs = "interval_ms"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.value(.host, default: "127.0.0.1")
        if host.isEmpty {
            try c.reportOrThrow("host must not be empty", key: .host)
            host = "127.0.0.1"
        }
        port = try c.value(.port, default: 9000, in: 1...65535)
        password = try c.value(.password, default: "")
        commandPassword = try c.value(.commandPassword, default: "")
        intervalMs = try c.value(.intervalMs, default: 100, in: 10...10_000)
        name = try c.value(.name, default: "broker")
        if name.isEmpty {
            try c.reportOrThrow("name must not be empty (ACC shows it as the client's display name)", key: .name)
            name = "broker"
        }
        reconnect = try c.value(.reconnect, default: Reconnect())
    }
}
