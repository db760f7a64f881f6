import BrokerCore

/// The stdout sink's settings (reference: the plugin's README).
public struct StdoutConfig: PluginConfig {
    public var variables: VariableSelection
    public var events: Bool
    public var status: Bool
    /// A file to append to instead of standard output (a recording); nil = standard output.
    public var path: String?

    enum CodingKeys: String, CodingKey { case variables, events, status, path }

    public init(variables: VariableSelection = .all, events: Bool = true, status: Bool = true, path: String? = nil) {
        self.variables = variables
        self.events = events
        self.status = status
        self.path = path
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        variables = try c.value(.variables, default: .all)
        events = try c.value(.events, default: true)
        status = try c.value(.status, default: true)
        path = try c.decodeIfPresent(String.self, forKey: .path)
        if path?.isEmpty == true { try c.reportOrThrow("path must not be empty (omit it for standard output)", key: .path) }
    }
}
