import BrokerCore

extension BrokerMetrics {
    /// The value of one sample in the registry's text, `series` being its name and labels as
    /// rendered (`broker_udp_frames_sent_total{sink="udp"}`); nil when there is no such sample.
    public func value(_ series: String) -> Double? {
        exposition().split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}
