/// Samples sorted once, for nearest-rank percentiles: the WebSocket sink's `metrics` windows, the
/// decode benchmarks and the load generator all summarise timings this way, so they agree on what
/// "p99" means.
public struct SortedSamples: Sendable {
    /// The samples, smallest first.
    public let values: [Double]

    public init(_ samples: [Double]) {
        values = samples.sorted()
    }

    public var isEmpty: Bool { values.isEmpty }
    public var count: Int { values.count }
    public var min: Double? { values.first }
    public var max: Double? { values.last }
    public var mean: Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }

    /// The nearest-rank percentile: the smallest sample with at least the share `p` (0...1) of the
    /// samples at or below it, so always one of the samples (p 0 is the smallest). Nil when empty.
    public func percentile(_ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let rank = Int((p * Double(values.count)).rounded(.up))
        return values[Swift.min(Swift.max(rank, 1), values.count) - 1]
    }
}
