import CoreMetrics
import Prometheus
import Synchronization

/// The broker's metrics: one Prometheus registry that the core and every plugin record into through
/// swift-metrics (`Counter`, `Gauge`, `Timer`), rendered as text by the WebSocket sink's `/metrics`.
///
/// A broker hands one instance to all its hubs and plugins (`PluginContext.metrics`) instead of
/// relying on the process-wide `MetricsSystem` alone: the `broker` executable bootstraps this same
/// registry as that global backend (so a library recording through the global factory lands here
/// too), while tests give each broker, hub or sink a registry of its own and see counts that start
/// at zero, however many tests share the process. See docs/ARCHITECTURE.md#metrics.
///
/// swift-metrics carries no help text, so the helpers below take one per name and the factory
/// writes it as the family's `# HELP` line; the first text given for a name is kept.
public final class BrokerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory over `registry`, for `MetricsSystem.bootstrap` and for metrics
    /// created with `factory:`.
    public let factory: any MetricsFactory
    private let helpTexts: HelpTexts

    /// Histogram buckets of every timer: 100 ns to 10 s in 1-2.5-5 steps, so an encode's
    /// nanoseconds, a processor's microseconds and a slow client's seconds each land in a bucket of
    /// their own size.
    public static let durationBuckets: [Duration] = [
        .nanoseconds(100), .nanoseconds(250), .nanoseconds(500),
        .microseconds(1), .nanoseconds(2500), .microseconds(5), .microseconds(10), .microseconds(25), .microseconds(50),
        .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    public init() {
        registry = PrometheusCollectorRegistry()
        helpTexts = HelpTexts()
        factory = DescribedPrometheusFactory(registry: registry, helpTexts: helpTexts)
    }

    /// A counter `name{labels}`; the same name and labels always give the same series.
    public func counter(_ name: String, help: String, labels: [(String, String)]) -> CoreMetrics.Counter {
        helpTexts.describe(name, help)
        return CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
    }

    /// A gauge `name{labels}` (the last value recorded).
    public func gauge(_ name: String, help: String, labels: [(String, String)]) -> CoreMetrics.Gauge {
        helpTexts.describe(name, help)
        return CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
    }

    /// A timer `name{labels}`, exposed as a histogram in seconds (`name` should end in `_seconds`).
    public func timer(_ name: String, help: String, labels: [(String, String)]) -> CoreMetrics.Timer {
        helpTexts.describe(name, help)
        return CoreMetrics.Timer(label: name, dimensions: labels, factory: factory)
    }

    /// Every family in the Prometheus text exposition format (version 0.0.4).
    public func exposition() -> String {
        registry.emitToString()
    }
}

extension CoreMetrics.Timer {
    /// Records a `Duration` (e.g. a difference of `ContinuousClock` instants).
    public func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// The help text of each metric name, first description wins (the registry refuses two texts
/// for one family).
private final class HelpTexts: Sendable {
    private let texts = Mutex([String: String]())

    func describe(_ name: String, _ help: String) {
        texts.withLock { texts in
            if texts[name] == nil { texts[name] = help }
        }
    }

    subscript(name: String) -> String {
        texts.withLock { $0[name] ?? "" }
    }
}

/// swift-metrics handlers backed by the registry's collectors, with each family's help text and the
/// broker's duration buckets (swift-prometheus's own factory has neither).
private struct DescribedPrometheusFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let helpTexts: HelpTexts

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: helpTexts[label])
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(
            descriptor: descriptor(label), labels: dimensions, buckets: [1, 10, 100, 1000, 10_000, 100_000, 1_000_000])
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: BrokerMetrics.durationBuckets)
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
