import CoreMetrics
import Logging
import Synchronization

/// Counts input a source had to drop (a short datagram, an unknown packet id, a message that lies
/// about its length), by reason, and logs the first of each reason only.
///
/// Bad input from a sim or a network peer can arrive hundreds of times a second; one warning per
/// kind keeps the log readable while the counts (in the source's status details, and as
/// `broker_source_dropped_total{source,reason}` in the hub's metrics) say how often.
public final class DropTally: Sendable {
    private struct State {
        var counts: [(reason: String, count: UInt64, metric: Counter?)] = []
        var total: UInt64 = 0
    }

    private let state = Mutex(State())
    private let logger: Logger
    private let context: String
    private let source: SourceHub?

    /// `context` starts each log line, e.g. `f1 source 'f1' on 0.0.0.0:20777`; drops are also
    /// counted in `source`'s metrics when it is given.
    public init(logger: Logger, context: String, source: SourceHub? = nil) {
        self.logger = logger
        self.context = context
        self.source = source
    }

    /// Counts one dropped input under `reason` (a short stable phrase such as `short datagram`);
    /// the first of each reason is logged with `detail` (what was seen, what was expected).
    public func record(_ reason: String, detail: @autoclosure () -> String = "") {
        let first = state.withLock { state -> Bool in
            state.total += 1
            if let index = state.counts.firstIndex(where: { $0.reason == reason }) {
                state.counts[index].count += 1
                state.counts[index].metric?.increment()
                return false
            }
            let metric = source.map { Self.counter(source: $0, reason: reason) }
            metric?.increment()
            state.counts.append((reason, 1, metric))
            return true
        }
        if first {
            let text = detail()
            logger.warning(
                "\(context): dropped input: \(reason)\(text.isEmpty ? "" : " (\(text))"); further drops of this kind are counted, not logged")
        }
    }

    /// `broker_source_dropped_total{source,reason}`, for drops counted outside a tally too (a UDP
    /// intake's overflow).
    public static func counter(source: SourceHub, reason: String) -> Counter {
        source.metrics.counter(
            "broker_source_dropped_total", help: "Input a source dropped (malformed, unknown, too short, overflow), by reason.",
            labels: [("source", source.id), ("reason", reason)])
    }

    /// How many inputs were dropped in all.
    public var total: UInt64 { state.withLock { $0.total } }

    /// The count for one reason (0 when none).
    public func count(_ reason: String) -> UInt64 {
        state.withLock { state in state.counts.first(where: { $0.reason == reason })?.count ?? 0 }
    }

    /// `{"reason": count, ...}` in the order the reasons first occurred, for status details.
    public var json: JSONValue {
        .object(state.withLock { $0.counts.map { ($0.reason, JSONValue.int(Int64($0.count))) } })
    }
}
