import BrokerCore
import Foundation
import Synchronization

/// A rolling window of durations, summarised as the Python bridge's `time` blocks
/// (`min_ms`, `max_ms`, `mean_ms`, `p50_ms`, `p90_ms`, `p95_ms`, `samples`).
///
/// The window keeps the newest `capacity` samples (3,600 = one minute at 60 Hz); `samples` is how
/// many it holds. The lifetime count and sum are kept too for Prometheus summaries.
struct DurationWindow: Sendable {
    struct Summary: Sendable, Equatable {
        var min: Double, max: Double, mean: Double, p50: Double, p90: Double, p95: Double, p99: Double
        var samples: Int
    }

    let capacity: Int
    private var ring: [Double] = []
    private var next = 0
    private(set) var lifetimeCount: UInt64 = 0
    private(set) var lifetimeSumMs: Double = 0

    init(capacity: Int = 3600) {
        self.capacity = capacity
        ring.reserveCapacity(capacity)
    }

    mutating func add(milliseconds: Double) {
        lifetimeCount += 1
        lifetimeSumMs += milliseconds
        if ring.count < capacity {
            ring.append(milliseconds)
        } else {
            ring[next] = milliseconds
            next = (next + 1) % capacity
        }
    }

    var summary: Summary {
        guard !ring.isEmpty else { return Summary(min: 0, max: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, samples: 0) }
        let sorted = ring.sorted()
        func percentile(_ p: Double) -> Double {
            // Nearest rank: the smallest sample with at least p of the samples at or below it.
            let rank = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }
        let sum = sorted.reduce(0, +)
        return Summary(
            min: sorted[0], max: sorted[sorted.count - 1], mean: sum / Double(sorted.count),
            p50: percentile(0.5), p90: percentile(0.9), p95: percentile(0.95), p99: percentile(0.99),
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

/// The sink's figures, shared by the fan-out, the `metrics` command and `GET /metrics`.
///
/// Counters are atomics bumped from the broadcasters and the event loops; durations go to windows
/// behind one lock, touched once per frame per source (loop time) and once per encoded message.
final class SinkMetrics: Sendable {
    let sinkID: String
    let messagesSent = Atomic<Int>(0)
    let messagesReplaced = Atomic<Int>(0)
    let clientsEvicted = Atomic<Int>(0)
    let clientsAccepted = Atomic<Int>(0)
    let upgradesRefused = Atomic<Int>(0)
    /// Upgrades refused with 429 (`max_connects_per_s`); also counted in `upgradesRefused`.
    let upgradesThrottled = Atomic<Int>(0)
    /// Upgrades refused with 429 for `max_clients_per_address`; also counted in `upgradesRefused`.
    let upgradesOverAddressLimit = Atomic<Int>(0)
    /// Plain (non-TLS) requests refused on a TLS port.
    let plainRequestsRefused = Atomic<Int>(0)
    /// HTTP requests refused with 401 by `protect_http`.
    let httpUnauthorized = Atomic<Int>(0)
    /// Connections closed before their first request: malformed (400) or too slow (408).
    let badRequests = Atomic<Int>(0)
    /// Commands refused for going over `max_commands_per_s`.
    let commandsRefused = Atomic<Int>(0)
    /// Variable names refused for going over `max_subscriptions`.
    let subscriptionsRefused = Atomic<Int>(0)
    let framesScheduled = Atomic<Int>(0)
    let framesSkipped = Atomic<Int>(0)

    private struct Windows {
        var loop = DurationWindow()
        var encode = DurationWindow()
        var variableGet = DurationWindow()
        var delivery = DurationWindow()
        var fanoutLatency = DurationWindow()
    }

    private let windows = Mutex(Windows())

    init(sinkID: String) {
        self.sinkID = sinkID
    }

    /// One pass of a broadcaster over its clients for a frame, in seconds.
    func recordLoop(seconds: Double) {
        windows.withLock { $0.loop.add(milliseconds: seconds * 1000) }
    }

    /// One telemetry or read message encoded, in seconds, holding `variables` values.
    func recordEncode(seconds: Double, variables: Int) {
        windows.withLock {
            $0.encode.add(milliseconds: seconds * 1000)
            if variables > 0 { $0.variableGet.add(milliseconds: seconds * 1000 / Double(variables)) }
        }
    }

    /// From a broadcaster noticing a frame to an event loop's last write of it, in seconds.
    func recordDelivery(seconds: Double) {
        windows.withLock { $0.delivery.add(milliseconds: seconds * 1000) }
    }

    /// From a frame's arrival in its source hub to the last client write of it, in seconds.
    func recordFanoutLatency(seconds: Double) {
        windows.withLock { $0.fanoutLatency.add(milliseconds: seconds * 1000) }
    }

    var loopSummary: DurationWindow.Summary { windows.withLock { $0.loop.summary } }

    /// The `metrics` reply for one client: the bridge's keys (the loop counters are this client's
    /// session, as in the bridge), then the sink-wide figures.
    func reply(session: ScheduleCounters, clients: Int, clientRate: Double, largestClientBuffer: Int) -> [UInt8] {
        let (loop, encode, variableGet, delivery) = windows.withLock {
            ($0.loop.summary, $0.encode.summary, $0.variableGet.summary, $0.delivery.summary)
        }
        let data: JSONValue = .object([
            ("loop", .object([
                ("time", loop.json),
                ("get_count", .int(Int64(session.gets))),
                ("skip_count", .int(Int64(session.skips))),
                ("get_vs_skip", .double((session.getShare * 1000).rounded() / 1000)),
                ("max_get_streak", .int(Int64(session.maxStreak))),
            ])),
            ("var_get", .object([("time", variableGet.json)])),
            ("encode", .object([("time", encode.json)])),
            ("delivery", .object([("time", delivery.json)])),
            ("clients", .int(Int64(clients))),
            ("messages_sent", .int(Int64(messagesSent.load(ordering: .relaxed)))),
            ("messages_replaced", .int(Int64(messagesReplaced.load(ordering: .relaxed)))),
            ("clients_evicted", .int(Int64(clientsEvicted.load(ordering: .relaxed)))),
            ("upgrades_refused", .int(Int64(upgradesRefused.load(ordering: .relaxed)))),
            ("upgrades_throttled", .int(Int64(upgradesThrottled.load(ordering: .relaxed)))),
            ("bad_requests", .int(Int64(badRequests.load(ordering: .relaxed)))),
            ("commands_refused", .int(Int64(commandsRefused.load(ordering: .relaxed)))),
            ("subscriptions_refused", .int(Int64(subscriptionsRefused.load(ordering: .relaxed)))),
            ("client_buffer_max_bytes", .int(Int64(largestClientBuffer))),
            ("rate_hz", .double(clientRate)),
        ])
        return BrokerMessages.encode(.object([("type", "metrics"), ("data", data)]))
    }

    /// The same figures in the Prometheus text exposition format (version 0.0.4).
    func prometheusText(clients: Int, largestClientBuffer: Int) -> String {
        let (loop, encode, variableGet, delivery, fanoutLatency) = windows.withLock {
            ($0.loop, $0.encode, $0.variableGet, $0.delivery, $0.fanoutLatency)
        }
        let label = "sink=\"\(Self.escapeLabel(sinkID))\""
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ value: Int) {
            text += "# HELP broker_websocket_\(name) \(help)\n# TYPE broker_websocket_\(name) \(type)\n"
            text += "broker_websocket_\(name){\(label)} \(value)\n"
        }
        func summary(_ name: String, _ help: String, _ window: DurationWindow) {
            let s = window.summary
            text += "# HELP broker_websocket_\(name) \(help)\n# TYPE broker_websocket_\(name) summary\n"
            for (quantile, value) in [("0.5", s.p50), ("0.9", s.p90), ("0.95", s.p95), ("0.99", s.p99)] {
                text += "broker_websocket_\(name){\(label),quantile=\"\(quantile)\"} \(value)\n"
            }
            text += "broker_websocket_\(name)_sum{\(label)} \(window.lifetimeSumMs)\n"
            text += "broker_websocket_\(name)_count{\(label)} \(window.lifetimeCount)\n"
        }
        metric("clients", "gauge", "Connected WebSocket clients.", clients)
        metric("clients_accepted_total", "counter", "WebSocket upgrades accepted.", clientsAccepted.load(ordering: .relaxed))
        metric(
            "upgrades_refused_total", "counter", "Upgrades refused (too many attempts, bad token, full, wrong path).",
            upgradesRefused.load(ordering: .relaxed))
        metric(
            "upgrades_throttled_total", "counter", "Upgrades refused with 429 for too many attempts from one address.",
            upgradesThrottled.load(ordering: .relaxed))
        metric(
            "upgrades_over_address_limit_total", "counter", "Upgrades refused with 429 for max_clients_per_address.",
            upgradesOverAddressLimit.load(ordering: .relaxed))
        metric(
            "plain_requests_refused_total", "counter", "Plain HTTP requests refused on a TLS port.", plainRequestsRefused.load(ordering: .relaxed))
        metric(
            "http_unauthorized_total", "counter", "HTTP requests refused with 401 (protect_http).", httpUnauthorized.load(ordering: .relaxed))
        metric(
            "bad_requests_total", "counter", "Connections closed before a first request: malformed (400) or none within 10 s (408).",
            badRequests.load(ordering: .relaxed))
        metric(
            "commands_refused_total", "counter", "Client commands refused for going over max_commands_per_s.",
            commandsRefused.load(ordering: .relaxed))
        metric(
            "subscriptions_refused_total", "counter", "Variable names refused for going over max_subscriptions.",
            subscriptionsRefused.load(ordering: .relaxed))
        metric("messages_sent_total", "counter", "Messages written to clients.", messagesSent.load(ordering: .relaxed))
        metric(
            "messages_replaced_total", "counter", "Pending messages replaced by a newer one before a slow client drained.",
            messagesReplaced.load(ordering: .relaxed))
        metric("clients_evicted_total", "counter", "Clients closed (1008) for not draining.", clientsEvicted.load(ordering: .relaxed))
        metric("client_buffer_max_bytes", "gauge", "Most bytes waiting in one client's socket buffer.", largestClientBuffer)
        metric("frames_scheduled_total", "counter", "Frames admitted by client schedules (get_count, all clients).", framesScheduled.load(ordering: .relaxed))
        metric("frames_skipped_total", "counter", "Frames skipped by client schedules (skip_count, all clients).", framesSkipped.load(ordering: .relaxed))
        summary("loop_time_ms", "Time for one pass over the clients for a frame, in milliseconds.", loop)
        summary("encode_time_ms", "Time to encode one telemetry or read message, in milliseconds.", encode)
        summary("var_get_time_ms", "Encode time per variable, in milliseconds.", variableGet)
        summary("delivery_time_ms", "From a frame being noticed to an event loop's last write of it, in milliseconds.", delivery)
        summary(
            "fanout_latency_ms", "From a frame's arrival in its source hub to the last client write of it, in milliseconds.",
            fanoutLatency)
        return text
    }

    /// The connected clients, one `broker_websocket_client_info` line each with the client's id,
    /// remote address and the name of the token it presented (never the token itself).
    func clientListText(_ clients: [ClientConnection]) -> String {
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
