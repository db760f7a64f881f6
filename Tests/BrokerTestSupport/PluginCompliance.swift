import BrokerCore
import Foundation
import Logging
import Synchronization
import Testing

/// The checks every plugin passes, whatever it talks to (the brief's shared compliance suite).
///
/// For each built-in plugin: its sample config is a valid config file that uses it; an instance
/// built from a test fixture's config starts, emits (a source: connected status and frames; a sink:
/// a telemetry message its fixture receives), and returns promptly once cancelled.
public enum PluginCompliance {
    /// How long a cancelled plugin may take to return.
    public static let stopDeadline = 1.5

    /// A source under test: a config entry (YAML mapping text) and anything it needs running.
    public struct SourceFixture: Sendable {
        public var typeName: String
        /// Builds the entry, e.g. `"type: mock\nrate: 30"`, after starting whatever it needs
        /// (a fake sim host); returns the entry and a teardown.
        public var prepare: @Sendable () async throws -> (entry: String, tearDown: @Sendable () async -> Void)

        public init(typeName: String, prepare: @escaping @Sendable () async throws -> (entry: String, tearDown: @Sendable () async -> Void)) {
            self.typeName = typeName
            self.prepare = prepare
        }

        public init(typeName: String, entry: String) {
            self.init(typeName: typeName) { (entry, {}) }
        }
    }

    /// A sink under test: a config entry plus a probe that returns the first telemetry message
    /// (as JSON text) that reached the sink's output.
    public struct SinkFixture: Sendable {
        public var typeName: String
        public var prepare: @Sendable () async throws -> SinkProbe

        public init(typeName: String, prepare: @escaping @Sendable () async throws -> SinkProbe) {
            self.typeName = typeName
            self.prepare = prepare
        }
    }

    public struct SinkProbe: Sendable {
        public var entry: String
        /// Waits (bounded) for a telemetry message from the sink's output and returns it.
        public var receiveTelemetry: @Sendable () async throws -> String
        public var tearDown: @Sendable () async -> Void

        public init(
            entry: String, receiveTelemetry: @escaping @Sendable () async throws -> String, tearDown: @escaping @Sendable () async -> Void = {}
        ) {
            self.entry = entry
            self.receiveTelemetry = receiveTelemetry
            self.tearDown = tearDown
        }
    }

    /// A processor under test: its config entry and the source entry it runs on (one that needs
    /// nothing running, e.g. the mock).
    public struct ProcessorFixture: Sendable {
        public var typeName: String
        public var entry: String
        public var sourceEntry: String

        public init(typeName: String, entry: String, sourceEntry: String = "type: mock\nrate: 60\nseed: 1") {
            self.typeName = typeName
            self.entry = entry
            self.sourceEntry = sourceEntry
        }
    }

    /// Thrown by a fixture whose test data or program is absent outside CI (see `Fixture`): the check
    /// is reported as skipped with this reason instead of failing in a user's clone.
    public struct Unavailable: Error {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    /// The sample config must load without errors and use the plugin.
    public static func checkSampleConfig(_ sample: String, typeName: String, catalog: PluginCatalog) throws {
        let config = try ConfigLoader(catalog: catalog).load(text: sample, file: "<sample of \(typeName)>")
        let types = config.sources.map(\.plugin.typeName) + config.processors.map(\.plugin.typeName) + config.sinks.map(\.plugin.typeName)
        #expect(types.contains(typeName), "the sample config of \(typeName) does not use it")
    }

    /// Starts the source from its fixture; expects connected status and frames (on its own hub, or
    /// on hubs it added through its `hubFactory`); stops it.
    public static func checkSource(_ fixture: SourceFixture, catalog: PluginCatalog, timeout: Double = 20) async throws {
        let prepared: (entry: String, tearDown: @Sendable () async -> Void)
        do {
            prepared = try await fixture.prepare()
        } catch let unavailable as Unavailable {
            try Fixture.unavailable("the \(fixture.typeName) compliance check: \(unavailable.reason)")
        }
        do {
            try await runSource(fixture, entry: prepared.entry, catalog: catalog, timeout: timeout)
        } catch {
            await prepared.tearDown()
            throw error
        }
        await prepared.tearDown()
    }

    private static func runSource(_ fixture: SourceFixture, entry: String, catalog: PluginCatalog, timeout: Double) async throws {
        let yaml = "sources:\n" + indentAsListItem(entry) + "sinks: []\n"
        let config = try ConfigLoader(catalog: catalog).load(text: yaml, file: "<fixture \(fixture.typeName)>")
        let source = try #require(config.sources.first)
        let registry = VariableRegistry()
        let hub = SourceHub(id: source.id, typeName: source.plugin.typeName, registry: registry)
        // A source that relays others (mqtt) adds hubs of its own: its frames may be on those.
        let directory = HubDirectory([hub])
        let factory = SourceHubFactory(origin: source.id, typeName: source.plugin.typeName, registry: registry, directory: directory)
        let context = PluginContext(logger: Logger(label: "compliance"), registry: registry, hubFactory: factory)
        let runner = try source.makeRunner(context: context)
        let task = Task { try await runner.run(hub) }

        func emitting() -> SourceHub? { directory.hubs.first { ($0.latestFrame?.seq ?? 0) >= 2 } }
        await waitUntil(timeout: timeout) { hub.status.connected && emitting() != nil }
        #expect(hub.status.connected, "\(fixture.typeName) never reported connected")
        let output = emitting() ?? hub
        let frame = try #require(output.latestFrame, "\(fixture.typeName) published no frame within \(timeout) s")
        #expect(frame.seq >= 2, "\(fixture.typeName) published only one frame")
        #expect(!frame.layout.fields.isEmpty, "\(fixture.typeName) declared no variables")
        for field in frame.layout.fields {
            #expect(registry.id(named: field.name) == field.variable, "\(field.name) is not registered under its id")
        }
        let message = BrokerMessages.telemetry(
            sourceID: output.id, frame: frame, selection: VariableSelection.all.resolve(sourceID: output.id, layout: frame.layout, registry: registry)
        )
        #expect((try? JSONSerialization.jsonObject(with: Data(message))) != nil, "\(fixture.typeName) frame does not encode to valid JSON")

        try await expectPromptStop(task, name: fixture.typeName)
    }

    /// Runs the sink against a hub publishing 60 Hz frames; expects its probe to receive one; stops it.
    public static func checkSink(_ fixture: SinkFixture, catalog: PluginCatalog) async throws {
        let probe: SinkProbe
        do {
            probe = try await fixture.prepare()
        } catch let unavailable as Unavailable {
            try Fixture.unavailable("the \(fixture.typeName) compliance check: \(unavailable.reason)")
        }
        do {
            try await runSink(fixture, probe: probe, catalog: catalog)
        } catch {
            await probe.tearDown()
            throw error
        }
        await probe.tearDown()
    }

    private static func runSink(_ fixture: SinkFixture, probe: SinkProbe, catalog: PluginCatalog) async throws {
        let yaml = "sources:\n  - type: \(catalog.sources.first?.typeName ?? "mock")\n    id: fixture\nsinks:\n" + indentAsListItem(probe.entry)
        let config = try ConfigLoader(catalog: catalog).load(text: yaml, file: "<fixture \(fixture.typeName)>")
        let sink = try #require(config.sinks.first)
        let registry = VariableRegistry()
        let hub = SourceHub(id: "fixture", typeName: "test", registry: registry)
        let layout = hub.declare(
            ["Speed", "RPM", "Gear", "Throttle"].compactMap { name in
                VariableCatalogue.all.first { $0.name == name }.map { VariableDeclaration($0) }
            })
        hub.setConnected(true)
        let publisher = Task {
            for tick in 0..<(60 * 30) where !Task.isCancelled {
                var row = FrameRow(layout: layout)
                row.set(0, Double(tick) * 0.5)
                row.set(1, 3000 + Double(tick % 100) * 40)
                row.set(2, 3)
                row.set(3, 0.75)
                hub.publish(row)
                try? await Task.sleep(for: .milliseconds(16))
            }
        }
        defer { publisher.cancel() }
        let context = PluginContext(logger: Logger(label: "compliance"), registry: registry)
        let runner = try sink.makeRunner(context: context)
        let input = SinkInput(sinkID: sink.id, sources: [hub], rate: sink.rate)
        let task = Task { try await runner.run(input) }

        let text = try await probe.receiveTelemetry()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
        #expect(object["type"] as? String == "telemetry")
        #expect(object["source"] as? String == "fixture")
        let data = try #require(object["data"] as? [String: Any], "telemetry without data: \(text)")
        #expect(!data.isEmpty)

        try await expectPromptStop(task, name: fixture.typeName)
    }

    /// Runs the fixture's source with the processor attached: the frames must gain variables the
    /// processor declares it provides (registered, encodable), with no processor errors; stops it.
    public static func checkProcessor(_ fixture: ProcessorFixture, catalog: PluginCatalog, timeout: Double = 20) async throws {
        let yaml = "sources:\n" + indentAsListItem(fixture.sourceEntry) + "processors:\n" + indentAsListItem(fixture.entry) + "sinks: []\n"
        let config = try ConfigLoader(catalog: catalog).load(text: yaml, file: "<fixture \(fixture.typeName)>")
        let source = try #require(config.sources.first)
        let processor = try #require(config.processors.first)
        let registry = VariableRegistry()
        let context = PluginContext(logger: Logger(label: "compliance"), registry: registry)
        let hub = SourceHub(
            id: source.id, typeName: source.plugin.typeName, registry: registry,
            processors: [try processor.attach(to: source.id, context: context)])
        let runner = try source.makeRunner(context: context)
        let task = Task { try await runner.run(hub) }

        await waitUntil(timeout: timeout) { (hub.latestFrame?.seq ?? 0) >= 10 }
        let frame = try #require(hub.latestFrame, "\(fixture.typeName) on \(source.plugin.typeName): no frame within \(timeout) s")
        let provided = Set(processor.plugin.providedVariables.map(\.name))
        let added = frame.layout.fields.filter { provided.contains($0.name) }
        #expect(!added.isEmpty, "\(fixture.typeName) added no variable to \(source.plugin.typeName)'s frames")
        for field in added {
            #expect(registry.entries().first { $0.info.name == field.name }?.providers == [source.id], "\(field.name) is not registered")
        }
        let message = BrokerMessages.telemetry(
            sourceID: hub.id, frame: frame, selection: VariableSelection.all.resolve(sourceID: hub.id, layout: frame.layout, registry: registry))
        #expect((try? JSONSerialization.jsonObject(with: Data(message))) != nil, "frames with \(fixture.typeName) do not encode to valid JSON")
        let report = JSONValue.object(hub.status.details)["processors"]?[processor.id]
        #expect(report?["errors"] == .int(0), "\(fixture.typeName) failed on frames: \(String(describing: report))")
        try await expectPromptStop(task, name: fixture.typeName)
    }

    /// Cancels `task` and expects it to finish within `stopDeadline`; never waits forever itself.
    static func expectPromptStop(_ task: Task<Void, any Error>, name: String) async throws {
        let started = Date()
        let stoppedAt = Mutex<Date?>(nil)
        task.cancel()
        let waiter = Task {
            _ = await task.result
            stoppedAt.withLock { $0 = Date() }
        }
        _ = waiter
        while stoppedAt.withLock({ $0 }) == nil && Date().timeIntervalSince(started) < stopDeadline * 4 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let elapsed = stoppedAt.withLock { $0 }.map { $0.timeIntervalSince(started) } ?? .infinity
        #expect(elapsed <= stopDeadline, "\(name) took \(elapsed) s to stop after cancellation (limit \(stopDeadline) s)")
    }

    /// `key: value` lines as one YAML list item under a section.
    static func indentAsListItem(_ entry: String) -> String {
        let lines = entry.split(separator: "\n", omittingEmptySubsequences: true)
        return lines.enumerated().map { index, line in (index == 0 ? "  - " : "    ") + line }.joined(separator: "\n") + "\n"
    }
}
