import CoreMetrics

/// What a hub counts for its source, the same for every source type, so a scrape shows each
/// source's frame rate, events and connection history without the plugin doing anything.
struct SourceMetrics: Sendable {
    let frames: Counter
    let events: Counter
    let statusChanges: Counter
    let sessionInfoUpdates: Counter
    let reconnects: Counter
    let connected: Gauge

    init(sourceID: String, metrics: BrokerMetrics) {
        let labels = [("source", sourceID)]
        frames = metrics.counter("broker_source_frames_total", help: "Frames the source published.", labels: labels)
        events = metrics.counter("broker_source_events_total", help: "Events the source and its processors emitted.", labels: labels)
        statusChanges = metrics.counter("broker_source_status_changes_total", help: "Changes of the source's status.", labels: labels)
        sessionInfoUpdates = metrics.counter(
            "broker_source_session_info_updates_total", help: "Session info documents the source published.", labels: labels)
        reconnects = metrics.counter(
            "broker_source_reconnects_total", help: "Times the source's status turned connected again after a disconnection.", labels: labels)
        connected = metrics.gauge("broker_source_connected", help: "1 while the source's status says connected, else 0.", labels: labels)
    }
}
