/// The `reconnect: {min_s, max_s}` key of plugins that connect out (InSim, ACC, an upstream
/// WebSocket): the delay starts at `minS` and doubles after each failure up to `maxS`.
public struct ReconnectDelay: Decodable, Sendable, Equatable {
    public var minS: Double
    public var maxS: Double

    public init(minS: Double = 1, maxS: Double = 30) {
        self.minS = minS
        self.maxS = maxS
    }

    enum CodingKeys: String, CodingKey {
        case minS = "min_s"
        case maxS = "max_s"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minS = try c.value(.minS, default: 1.0, in: 0.01...3600)
        maxS = try c.value(.maxS, default: max(30.0, minS), in: 0.01...3600)
        if maxS < minS {
            try c.reportOrThrow("max_s (\(maxS)) must not be less than min_s (\(minS))", key: .maxS)
            maxS = minS
        }
    }
}
