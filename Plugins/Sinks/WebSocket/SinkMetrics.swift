import BrokerCore
import CoreMetrics
import Foundation
import Synchronization

/// A rolling window of durations, summarised as the Python bridge's `time` blocks
/// (`min_ms`, `max_ms`, `mean_ms`, `p50_ms`, `p90_ms`, `p95_ms`, `samples`).
///
/// The window keeps the newest `capacity` samples (3,600 = one minute at 60 Hz); `samples` is how
/// many it holds. `GET /metrics` has the same timings as histograms over the sink's life.
struct DurationWindow: Sendable {
    struct Summary: Sendable, Equatable {
        var min: Double, max: Double, mean: Double, p50: Double, p90: Double, p95: Double
        var samples: Int
    }

    let capacity: Int
    private var ring: [Double] = []
    private var next = 0

    init(capacity: Int = 3600) {
        self.capacity = capacity
        ring.reserveCapacity(capacity)
    }

    mutating func add(milliseconds: Double) {
        if ring.count < capacity {
            ring.append(milliseconds)
        } else {
            ring[next] = milliseconds
            next = (next + 1) % capacity
        }
    }

    var summary: Summary {
        let sorted = SortedSamples(ring)
        return Summary(
            min: sorted.min ?? 0, max: sorted.max ?? 0, mean: sorted.mean ?? 0,
            p50: sorted.percentile(0.5) ?? 0, p90: sorted.percentile(0.9) ?? 0, p95: sorted.percentile(0.95) ?? 0,
            samples: sorted.count)
    }
}

extension DurationWindow.Summary {
    /// `{"min_ms":..,"max_ms":..,"mean_ms":..,"p50_ms":..,"p90_ms":..,"p95_ms":..,"samples":N}`
    var json: JSONValue {
        func ms(_ value: Double) -> JSONValue { .double((value * 1000).rounded() / 1000) }
        return .object([
            ("min_ms", ms(min)), ("max_ms", ms(max)), ("mean_ms", ms(mean)),
            ("p50_ms", ms(p50)), ("p90_ms", ms(p90)), ("p95_ms", ms(p95)), ("samples", .int(Int64(samples))),
        ])
    }
}

/// One client's schedule counters: the Python bridge's session-scoped `get_count`, `skip_count`,
/// `get_vs_skip` and `max_get_streak`, counted per frame the client's schedule looked at.
struct ScheduleCounters: Sendable, Equatable {
    /// Frames this client's schedule admitted (sent, or queued behind a slow socket).
    var gets: UInt64 = 0
    /// Frames that arrived before this client's next slot and were never sent to it.
    var skips: UInt64 = 0
    var streak: UInt64 = 0
    var maxStreak: UInt64 = 0

    mutating func recordGet() {
        gets += 1
        streak += 1
        maxStreak = max(maxStreak, streak)
    }

    mutating func recordSkip() {
        skips += 1
        streak = 0
    }

    /// Gets as a share of all frames looked at (1.0 when every frame was sent; 0 before any frame).
    var getShare: Double {
        let total = gets + skips
        return total == 0 ? 0 : Double(gets) / Double(total)
    }
}

/// A counter the sink also reads back for the `metrics` reply: a running total beside the
/// swift-metrics counter (which cannot be read), both bumped together.
final class ReadableCounter: Sendable {
    private let total = Atomic<Int>(0)
    private let metric: Counter

    init(_ metric: Counter) {
        self.metric = metric
    }

    func increment(by amount: Int = 1) {
        total.add(amount, ordering: .relaxed)
        metric.increment(by: amount)
    }

    var value: Int { total.load(ordering: .relaxed) }
}

/// The sink's figures, shared by the fan-out, the `metrics` command and `GET /metrics`.
///
/// Counters and timers go to the broker's metrics (`broker_websocket_*{sink}`), from the
/// broadcasters and the event loops; the timings also go to windows behind one lock (touched once
/// per frame per source and once per encoded message) for the `metrics` reply's percentiles.
final class SinkMetrics: Sendable {
    let sinkID: String
    let broker: BrokerMetrics
    /// Connected clients, kept by the client registry.
    let clients: Gauge
    let messagesSent: ReadableCounter
    let messagesReplaced: ReadableCounter
    let clientsEvicted: ReadableCounter
    let clientsAccepted: Counter
    let upgradesRefused: ReadableCounter
    /// Upgrades refused with 429 (`max_connects_per_s`); also counted in `upgradesRefused`.
    let upgradesThrottled: ReadableCounter
    /// Upgrades refused with 429 for `max_clients_per_address`; also counted in `upgradesRefused`.
    let upgradesOverAddressLimit: Counter
    /// Plain (non-TLS) requests refused on a TLS port.
    let plainRequestsRefused: Counter
    /// HTTP requests refused with 401 by `protect_http`.
    let httpUnauthorized: Counter
    /// Connections closed before their first request: malformed (400) or too slow (408).
    let badRequests: ReadableCounter
    /// Commands refused for going over `max_commands_per_s`.
    let commandsRefused: ReadableCounter
    /// Variable names refused for going over `max_subscriptions`.
    let subscriptionsRefused: ReadableCounter
    let framesScheduled: Counter
    let framesSkipped: Counter

    private struct Windows {
        var loop = DurationWindow()
        var encode = DurationWindow()
        var variableGet = DurationWindow()
        var delivery = DurationWindow()
    }

    private let windows = Mutex(Windows())
    private let loopTime: CoreMetrics.Timer
    private let encodeTime: CoreMetrics.Timer
    private let variableGetTime: CoreMetrics.Timer
    private let deliveryTime: CoreMetrics.Timer
    private let fanoutLatency: CoreMetrics.Timer

    init(sinkID: String, metrics: BrokerMetrics) {
        self.sinkID = sinkID
        broker = metrics
        let labels = [("sink", sinkID)]
        func counter(_ name: String, _ help: String) -> Counter {
            metrics.counter("broker_websocket_\(name)", help: help, labels: labels)
        }
        func timer(_ name: String, _ help: String) -> CoreMetrics.Timer {
            metrics.timer("broker_websocket_\(name)", help: help, labels: labels)
        }
        clients = metrics.gauge("broker_websocket_clients", help: "Connected WebSocket clients.", labels: labels)
        clientsAccepted = counter("clients_accepted_total", "WebSocket upgrades accepted.")
        upgradesRefused = ReadableCounter(counter("upgrades_refused_total", "Upgrades refused (too many attempts, bad token, full, wrong path)."))
        upgradesThrottled = ReadableCounter(
            counter("upgrades_throttled_total", "Upgrades refused with 429 for too many attempts from one address."))
        upgradesOverAddressLimit = counter("upgrades_over_address_limit_total", "Upgrades refused with 429 for max_clients_per_address.")
        plainRequestsRefused = counter("plain_requests_refused_total", "Plain HTTP requests refused on a TLS port.")
        httpUnauthorized = counter("http_unauthorized_total", "HTTP requests refused with 401 (protect_http).")
        badRequests = ReadableCounter(
            counter("bad_requests_total", "Connections closed before a first request: malformed (400) or none within 10 s (408)."))
        commandsRefused = ReadableCounter(counter("commands_refused_total", "Client commands refused for going over max_commands_per_s."))
        subscriptionsRefused = ReadableCounter(
            counter("subscriptions_refused_total", "Variable names refused for going over max_subscriptions."))
        messagesSent = ReadableCounter(counter("messages_sent_total", "Messages written to clients."))
        messagesReplaced = ReadableCounter(
            counter("messages_replaced_total", "Pending messages replaced by a newer one before a slow client drained."))
        clientsEvicted = ReadableCounter(counter("clients_evicted_total", "Clients closed (1008) for not draining."))
        framesScheduled = counter("frames_scheduled_total", "Frames admitted by client schedules (get_count, all clients).")
        framesSkipped = counter("frames_skipped_total", "Frames skipped by client schedules (skip_count, all clients).")
        loopTime = timer("loop_time_seconds", "Time for one pass of a source's broadcaster over the clients for a frame.")
        encodeTime = timer("encode_time_seconds", "Time to encode one telemetry or read message.")
        variableGetTime = timer("var_get_time_seconds", "Encode time per variable.")
        deliveryTime = timer("delivery_time_seconds", "From a frame being noticed to an event loop's last write of it.")
        fanoutLatency = timer("fanout_latency_seconds", "From a frame's arrival in its source hub to the last client write of it.")
    }

    /// One pass of a broadcaster over its clients for a frame.
    func recordLoop(_ duration: Duration) {
        loopTime.record(duration)
        windows.withLock { $0.loop.add(milliseconds: duration.milliseconds) }
    }

    /// One telemetry or read message encoded, holding `variables` values.
    func recordEncode(_ duration: Duration, variables: Int) {
        encodeTime.record(duration)
        if variables > 0 { variableGetTime.record(duration / variables) }
        windows.withLock {
            $0.encode.add(milliseconds: duration.milliseconds)
            if variables > 0 { $0.variableGet.add(milliseconds: duration.milliseconds / Double(variables)) }
        }
    }

    /// From a broadcaster noticing a frame to an event loop's last write of it.
    func recordDelivery(_ duration: Duration) {
        deliveryTime.record(duration)
        windows.withLock { $0.delivery.add(milliseconds: duration.milliseconds) }
    }

    /// From a frame's arrival in its source hub to the last client write of it.
    func recordFanoutLatency(_ duration: Duration) {
        fanoutLatency.record(duration)
    }

    /// The `metrics` reply for one client: the bridge's keys (the loop counters are this client's
    /// session, as in the bridge), then the sink-wide figures.
    func reply(session: ScheduleCounters, clients: Int, clientRate: Double, largestClientBuffer: Int) -> [UInt8] {
        let (loop, encode, variableGet, delivery) = windows.withLock {
            ($0.loop.summary, $0.encode.summary, $0.variableGet.summary, $0.delivery.summary)
        }
        let data: JSONValue = .object([
            (
                "loop",
                .object([
                    ("time", loop.json),
                    ("get_count", .int(Int64(session.gets))),
                    ("skip_count", .int(Int64(session.skips))),
                    ("get_vs_skip", .double((session.getShare * 1000).rounded() / 1000)),
                    ("max_get_streak", .int(Int64(session.maxStreak))),
                ])
            ),
            ("var_get", .object([("time", variableGet.json)])),
            ("encode", .object([("time", encode.json)])),
            ("delivery", .object([("time", delivery.json)])),
            ("clients", .int(Int64(clients))),
            ("messages_sent", .int(Int64(messagesSent.value))),
            ("messages_replaced", .int(Int64(messagesReplaced.value))),
            ("clients_evicted", .int(Int64(clientsEvicted.value))),
            ("upgrades_refused", .int(Int64(upgradesRefused.value))),
            ("upgrades_throttled", .int(Int64(upgradesThrottled.value))),
            ("bad_requests", .int(Int64(badRequests.value))),
            ("commands_refused", .int(Int64(commandsRefused.value))),
            ("subscriptions_refused", .int(Int64(subscriptionsRefused.value))),
            ("client_buffer_max_bytes", .int(Int64(largestClientBuffer))),
            ("rate_hz", .double(clientRate)),
        ])
        return BrokerMessages.encode(.object([("type", "metrics"), ("data", data)]))
    }

    /// `GET /metrics`: every family of the broker's metrics (sources, processors, every sink), then
    /// what only this sink knows at the moment of the scrape: its largest client buffer and its
    /// connected clients.
    func scrapeText(clients: [ClientConnection], largestClientBuffer: Int) -> String {
        let sink = Self.escapeLabel(sinkID)
        var text = broker.exposition()
        text += "# HELP broker_websocket_client_buffer_max_bytes Most bytes waiting in one client's socket buffer.\n"
        text += "# TYPE broker_websocket_client_buffer_max_bytes gauge\n"
        text += "broker_websocket_client_buffer_max_bytes{sink=\"\(sink)\"} \(largestClientBuffer)\n"
        return text + clientListText(clients)
    }

    /// The connected clients, one `broker_websocket_client_info` line each with the client's id,
    /// remote address and the name of the token it presented (never the token itself).
    private func clientListText(_ clients: [ClientConnection]) -> String {
        let sink = Self.escapeLabel(sinkID)
        var text = "# HELP broker_websocket_client_info A connected WebSocket client: id, address and token name.\n"
        text += "# TYPE broker_websocket_client_info gauge\n"
        for client in clients.sorted(by: { $0.id < $1.id }) {
            let address = Self.escapeLabel(client.channel.remoteAddress?.ipAddress ?? "unknown")
            let token = Self.escapeLabel(client.tokenName ?? "")
            text += "broker_websocket_client_info{sink=\"\(sink)\",client=\"\(client.id)\",address=\"\(address)\",token=\"\(token)\"} 1\n"
        }
        return text
    }

    static func escapeLabel(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

extension Duration {
    /// The duration in milliseconds, for the `metrics` reply's windows.
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e3 + Double(attoseconds) * 1e-15
    }
}
