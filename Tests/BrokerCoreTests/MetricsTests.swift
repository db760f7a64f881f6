import BrokerCore
import BrokerTestSupport
import Logging
import Testing

/// The core's metrics: the registry's text, what a hub counts for every source, drops by reason,
/// processors' run time, and the one percentile helper.
@Suite struct MetricsTests {
    @Test func nearestRankPercentilesAreAlwaysOneOfTheSamples() {
        let samples = SortedSamples([5, 1, 4, 2, 3])
        #expect(samples.values == [1, 2, 3, 4, 5])
        #expect(samples.percentile(0) == 1)
        #expect(samples.percentile(0.2) == 1)
        #expect(samples.percentile(0.21) == 2)
        #expect(samples.percentile(0.5) == 3)
        #expect(samples.percentile(0.99) == 5)
        #expect(samples.percentile(1) == 5)
        #expect(samples.min == 1 && samples.max == 5 && samples.mean == 3)
        let many = SortedSamples((1...200).map(Double.init))
        #expect(many.percentile(0.9) == 180)
        #expect(many.percentile(0.95) == 190)
        #expect(SortedSamples([]).percentile(0.5) == nil)
        #expect(SortedSamples([]).mean == nil)
    }

    @Test func countersGaugesAndTimersRenderWithTheirHelpAndSeconds() {
        let metrics = BrokerMetrics()
        let counter = metrics.counter("test_things_total", help: "Things.", labels: [("sink", "a")])
        counter.increment(by: 2)
        // The same name and labels are the same series; the first help text stays.
        metrics.counter("test_things_total", help: "Other words.", labels: [("sink", "a")]).increment()
        metrics.counter("test_things_total", help: "Things.", labels: [("sink", "b \"quoted\"")]).increment()
        metrics.gauge("test_level", help: "A level.", labels: [("sink", "a")]).record(7)
        let timer = metrics.timer("test_run_seconds", help: "Run time.", labels: [("sink", "a")])
        timer.record(.microseconds(300))
        timer.record(.milliseconds(20))

        let text = metrics.exposition()
        #expect(text.contains("# HELP test_things_total Things.\n# TYPE test_things_total counter\n"))
        #expect(!text.contains("Other words."))
        #expect(metrics.value(#"test_things_total{sink="a"}"#) == 3)
        #expect(metrics.value(#"test_things_total{sink="b \"quoted\""}"#) == 1)
        #expect(metrics.value(#"test_level{sink="a"}"#) == 7)
        #expect(text.contains("# TYPE test_run_seconds histogram\n"))
        #expect(metrics.value(#"test_run_seconds_bucket{sink="a",le="0.00025"}"#) == 0)
        #expect(metrics.value(#"test_run_seconds_bucket{sink="a",le="0.0005"}"#) == 1)
        #expect(metrics.value(#"test_run_seconds_bucket{sink="a",le="0.025"}"#) == 2)
        #expect(metrics.value(#"test_run_seconds_bucket{sink="a",le="+Inf"}"#) == 2)
        #expect(metrics.value(#"test_run_seconds_count{sink="a"}"#) == 2)
        #expect(abs((metrics.value(#"test_run_seconds_sum{sink="a"}"#) ?? 0) - 0.0203) < 1e-9)
    }

    @Test func aHubCountsFramesEventsStatusChangesAndReconnects() {
        let metrics = BrokerMetrics()
        let hub = SourceHub(id: "sim", typeName: "probe", registry: VariableRegistry(), metrics: metrics)
        let layout = hub.declare([VariableDeclaration(VariableInfo(name: "Speed", type: .float))])
        for _ in 0..<3 { hub.publish(FrameRow(layout: layout)) }
        hub.emit("lap")
        hub.setSessionInfo(.object([]))
        hub.setConnected(true)
        hub.setConnected(true)  // no change, not counted
        hub.setConnected(false, details: [("reason", "sim closed")])
        hub.setConnected(true)

        #expect(metrics.value(#"broker_source_frames_total{source="sim"}"#) == 3)
        #expect(metrics.value(#"broker_source_events_total{source="sim"}"#) == 1)
        #expect(metrics.value(#"broker_source_session_info_updates_total{source="sim"}"#) == 1)
        #expect(metrics.value(#"broker_source_status_changes_total{source="sim"}"#) == 3)
        #expect(metrics.value(#"broker_source_reconnects_total{source="sim"}"#) == 1)
        #expect(metrics.value(#"broker_source_connected{source="sim"}"#) == 1)
        hub.setConnected(false)
        #expect(metrics.value(#"broker_source_connected{source="sim"}"#) == 0)
    }

    @Test func dropsAreCountedByReasonInTheSourcesMetricsAndLoggedOncePerReason() {
        let metrics = BrokerMetrics()
        let hub = SourceHub(id: "f1", typeName: "f1", registry: VariableRegistry(), metrics: metrics)
        let log = LogCapture()
        let drops = DropTally(logger: log.logger, context: "f1 source", source: hub)
        for _ in 0..<4 { drops.record("short datagram") }
        drops.record("unknown packet id", detail: "id 99")

        #expect(metrics.value(#"broker_source_dropped_total{source="f1",reason="short datagram"}"#) == 4)
        #expect(metrics.value(#"broker_source_dropped_total{source="f1",reason="unknown packet id"}"#) == 1)
        #expect(drops.count("short datagram") == 4 && drops.total == 5)
        #expect(log.messages.filter { $0.contains("dropped input") }.count == 2)
    }

    @Test func aProcessorsRunTimeErrorsAndOverBudgetFramesAreMetrics() throws {
        let metrics = BrokerMetrics()
        let context = PluginContext(logger: Logger(label: "t"), registry: VariableRegistry(), metrics: metrics)
        let processor = KmhProcessor(id: "kmh", sourceID: "s", config: try KmhConfigFactory.config(factor: 3.6), context: context)
        let hub = SourceHub(
            id: "s", typeName: "probe", registry: context.registry,
            processors: [AttachedProcessor(id: "kmh", typeName: "kmh", budget: .zero, processor: processor, logger: Logger(label: "t"))],
            metrics: metrics)
        let layout = hub.declare([VariableDeclaration(VariableCatalogue.all.first { $0.name == "Speed" }!)])
        var row = FrameRow(layout: layout)
        row.set(0, 10.0)
        hub.publish(row)
        row.set(0, -1.0)
        hub.publish(row)

        let labels = #"source="s",processor="kmh""#
        #expect(metrics.value("broker_processor_run_seconds_count{\(labels)}") == 2)
        #expect(metrics.value("broker_processor_run_seconds_bucket{\(labels),le=\"+Inf\"}") == 2)
        #expect(metrics.value("broker_processor_errors_total{\(labels)}") == 1)
        // A zero budget: every frame is over it.
        #expect(metrics.value("broker_processor_over_budget_total{\(labels)}") == 2)
    }
}
