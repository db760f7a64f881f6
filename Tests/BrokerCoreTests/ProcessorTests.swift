import BrokerCore
import BrokerTestSupport
import Logging
import Testing

/// A processor for the core's tests: adds `SpeedKmh` (Speed × 3.6) and `ProbeFrames` (frames seen
/// since the last bind), throws on a negative speed, emits `fast` when the speed crosses 50 m/s.
final class KmhProcessor: Processor {
    struct Config: PluginConfig {
        var factor: Double
        enum CodingKeys: String, CodingKey { case factor }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            factor = try c.value(.factor, default: 3.6, in: 0.1...10)
        }
    }
    struct NegativeSpeed: Error, CustomStringConvertible {
        var description: String { "negative speed" }
    }
    static let typeName = "kmh"
    static let summary = "test"
    static let sampleConfig = ""
    static let providedVariables = [
        VariableInfo(name: "SpeedKmh", type: .float, unit: "km/h", description: "Speed in km/h"),
        VariableInfo(name: "ProbeFrames", type: .int, description: "Frames since the layout was bound"),
    ]

    let factor: Double
    var speed: RowField?
    var kmh: RowField?
    var frames: RowField?
    var seen = 0
    var wasFast = false

    init(id: String, sourceID: String, config: Config, context: PluginContext) {
        factor = config.factor
    }

    func variables(for source: FrameLayout) -> [VariableInfo] {
        source.fieldIndex(named: "Speed") == nil ? [] : Self.providedVariables
    }

    func bind(_ binding: ProcessorBinding) {
        speed = binding.input("Speed")
        kmh = binding.output("SpeedKmh")
        frames = binding.output("ProbeFrames")
        seen = 0
    }

    func process(_ row: ProcessorRow, events: inout ProcessorEvents) throws {
        guard let speed else { return }
        seen += 1
        if let frames { row.set(frames, Double(seen)) }
        guard let kmh else { return }
        guard let value = row.number(speed) else { return row.set(kmh, nil) }
        if value < 0 { throw NegativeSpeed() }
        row.set(kmh, value * factor)
        if value > 50 && !wasFast { events.emit("fast", .object([("Speed", .double(value))]), timestamp: row.timestamp) }
        wasFast = value > 50
    }
}

let processorCatalog = PluginCatalog(
    sources: [SourcePlugin(ProbeSource.self)], sinks: [SinkPlugin(ProbeSink.self)], processors: [ProcessorPlugin(KmhProcessor.self)])

private func attached(budget: Duration = .seconds(1)) throws -> sending [AttachedProcessor] {
    let context = PluginContext(logger: Logger(label: "t"), registry: VariableRegistry())
    let processor = KmhProcessor(id: "kmh", sourceID: "s", config: try KmhConfigFactory.config(factor: 3.6), context: context)
    return [AttachedProcessor(id: "kmh", typeName: "kmh", budget: budget, processor: processor, logger: Logger(label: "t"))]
}

/// Builds a `KmhProcessor.Config` the way the loader does, from YAML.
enum KmhConfigFactory {
    static func config(factor: Double) throws -> KmhProcessor.Config {
        let text = "sources: [{type: probe, id: s}]\nprocessors: [{type: kmh, factor: \(factor)}]\nsinks: []\n"
        let config = try ConfigLoader(catalog: processorCatalog).load(text: text, file: "c.yaml")
        return try #require(config.processors.first?.config as? KmhProcessor.Config)
    }
}

private func declarations(_ names: [String]) -> [VariableDeclaration] {
    names.map { name in VariableDeclaration(VariableCatalogue.all.first { $0.name == name }!) }
}

@Suite struct ProcessorTests {
    @Test func addedVariablesFollowTheSourceRowAndAreComputedEveryFrame() throws {
        let registry = VariableRegistry()
        let processors = try attached()
        let hub = SourceHub(id: "s", typeName: "probe", registry: registry, processors: processors)
        let layout = hub.declare(declarations(["Speed", "RPM"]), rowSize: 64)
        #expect(layout.fields.map(\.name) == ["Speed", "RPM", "SpeedKmh", "ProbeFrames"])
        #expect(layout.fields[2].offset == 64 && layout.fields[3].offset == 68 && layout.rowSize == 72)
        #expect(registry.entries().first { $0.info.name == "SpeedKmh" }?.providers == ["s"])
        #expect(registry.entries().first { $0.info.name == "SpeedKmh" }?.info.unit == "km/h")

        // A source that copies its sim's 64-byte rows: the hub makes room for the added fields.
        var raw = [UInt8](repeating: 0, count: 64)
        raw.withUnsafeMutableBytes { $0.storeBytes(of: Float(25).bitPattern.littleEndian, toByteOffset: 0, as: UInt32.self) }
        hub.publish(row: raw, layout: layout)
        var frame = try #require(hub.latestFrame)
        #expect(frame.row.count == 72)
        #expect(frame.value(named: "SpeedKmh") == .float(90))
        #expect(frame.value(named: "ProbeFrames") == .int(1))

        var row = FrameRow(layout: layout)
        row.set(0, 10.0)
        hub.publish(row)
        frame = try #require(hub.latestFrame)
        #expect(frame.value(named: "SpeedKmh") == .float(36))
        #expect(frame.value(named: "ProbeFrames") == .int(2))

        row.setNull(0)
        hub.publish(row)
        #expect(hub.latestFrame?.value(named: "SpeedKmh") == .null)
    }

    @Test func aSourceWithoutTheInputsGetsNothingAddedAndItsOwnNamesWin() throws {
        let registry = VariableRegistry()
        let processors = try attached()
        let hub = SourceHub(id: "s", typeName: "probe", registry: registry, processors: processors)
        #expect(hub.declare(declarations(["RPM"])).fields.map(\.name) == ["RPM"])

        // The source declares SpeedKmh itself: its value stays the sim's.
        let own = declarations(["Speed"]) + [VariableDeclaration(VariableInfo(name: "SpeedKmh", type: .float, unit: "km/h"))]
        let layout = hub.declare(own)
        #expect(layout.fields.map(\.name) == ["Speed", "SpeedKmh", "ProbeFrames"])
        var row = FrameRow(layout: layout)
        row.set(0, 10.0)
        row.set(1, 1.0)
        hub.publish(row)
        #expect(hub.latestFrame?.value(named: "SpeedKmh") == .float(1))
        #expect(hub.latestFrame?.value(named: "ProbeFrames") == .int(1))
    }

    @Test func redeclaringRebindsTheProcessorToTheNewLayout() throws {
        let processors = try attached()
        let hub = SourceHub(id: "s", typeName: "probe", registry: VariableRegistry(), processors: processors)
        let first = hub.declare(declarations(["Speed"]))
        var row = FrameRow(layout: first)
        row.set(0, 1.0)
        hub.publish(row)
        hub.publish(row)
        #expect(hub.latestFrame?.value(named: "ProbeFrames") == .int(2))

        let second = hub.declare(declarations(["RPM", "Gear", "Speed"]))
        #expect(second.fields.map(\.name) == ["RPM", "Gear", "Speed", "SpeedKmh", "ProbeFrames"])
        // A late frame in the old layout passes through unprocessed.
        hub.publish(row)
        #expect(hub.latestFrame?.value(named: "ProbeFrames") == .int(0))
        var next = FrameRow(layout: second)
        next.set(2, 20.0)
        hub.publish(next)
        #expect(hub.latestFrame?.value(named: "SpeedKmh") == .float(72))
        #expect(hub.latestFrame?.value(named: "ProbeFrames") == .int(1))
    }

    @Test func aThrowingProcessorIsReportedAndItsValuesAreNullNotFatal() throws {
        let processors = try attached()
        let hub = SourceHub(id: "s", typeName: "probe", registry: VariableRegistry(), processors: processors)
        let layout = hub.declare(declarations(["Speed"]))
        hub.setConnected(true)
        let versionBefore = hub.statusVersion
        var row = FrameRow(layout: layout)
        row.set(0, -3.0)
        for _ in 0..<3 { hub.publish(row) }
        let frame = try #require(hub.latestFrame)
        #expect(frame.seq == 3)
        #expect(frame.value(named: "SpeedKmh") == .null)
        #expect(hub.statusVersion == versionBefore + 1, "consumers are told once, at the first failure")
        let details = JSONValue.object(hub.status.details)
        #expect(details["processors"]?["kmh"]?["errors"] == .int(3))
        #expect(details["processors"]?["kmh"]?["lastError"] == .string("negative speed"))
        #expect(details["processors"]?["kmh"]?["frames"] == .int(3))
        #expect(hub.status.connected)

        row.set(0, 2.0)
        hub.publish(row)
        #expect(hub.latestFrame?.value(named: "SpeedKmh") == .float(7.2))
    }

    @Test func aFrameOverTheBudgetIsCounted() throws {
        let processors = try attached(budget: .zero)
        let hub = SourceHub(id: "s", typeName: "probe", registry: VariableRegistry(), processors: processors)
        let layout = hub.declare(declarations(["Speed"]))
        var row = FrameRow(layout: layout)
        row.set(0, 1.0)
        hub.publish(row)
        hub.publish(row)
        let details = JSONValue.object(hub.status.details)
        #expect(details["processors"]?["kmh"]?["overBudget"] == .int(2))
        #expect(hub.latestFrame?.value(named: "SpeedKmh") == .float(3.6))
    }

    @Test func eventsFollowTheirFrame() throws {
        let processors = try attached()
        let hub = SourceHub(id: "s", typeName: "probe", registry: VariableRegistry(), processors: processors)
        let layout = hub.declare(declarations(["Speed"]))
        var row = FrameRow(layout: layout)
        for speed in [10.0, 60, 70, 40, 55] {
            row.set(0, speed)
            hub.publish(row, timestamp: speed)
        }
        let (events, missed, _) = hub.events(after: 0)
        #expect(missed == 0)
        #expect(events.map(\.name) == ["fast", "fast"])
        #expect(events.map(\.timestamp) == [60, 55])
    }

    @Test func configEntriesAreValidatedAndAttachedToTheirSources() throws {
        let text = """
            sources:
              - type: probe
                id: a
              - type: probe
                id: b
            processors:
              - type: kmh
                sources: [b]
                factor: 2
                budget_us: 40
              - type: kmh
                id: every
            sinks: []
            """
        let config = try ConfigLoader(catalog: processorCatalog).load(text: text, file: "c.yaml")
        #expect(config.processors.map(\.id) == ["kmh", "every"])
        #expect(config.processors[0].sourceIDs == ["b"] && config.processors[0].budget == .microseconds(40))
        #expect(config.processors[1].sourceIDs == nil && config.processors[1].budget == .microseconds(500))
        #expect((config.processors[0].config as? KmhProcessor.Config)?.factor == 2)
        #expect(config.processors.map { $0.isAttached(to: "a") } == [false, true])

        let broker = try Broker(config: config, logger: Logger(label: "t"))
        let hubA = try #require(broker.hubs.first { $0.id == "a" })
        let hubB = try #require(broker.hubs.first { $0.id == "b" })
        #expect((JSONValue.object(hubA.status.details)["processors"]?.objectKeys) == ["every"])
        #expect((JSONValue.object(hubB.status.details)["processors"]?.objectKeys) == ["kmh", "every"])

        let bad = """
            sources:
              - type: probe
                id: a
            processors:
              - type: kmhh
              - type: kmh
                sources: [z]
                budget_us: 0
                factor: 99
                colour: red
              - type: kmh
            sinks: []
            """
        let errors = errorsLoading(bad)
        #expect(errors.map(\.mark.line) == [5, 7, 8, 9, 10, 11])
        #expect(errors[0].message.contains("unknown processor type 'kmhh' (did you mean 'kmh'?)"))
        #expect(errors[1].message.contains("unknown source id 'z'"))
        #expect(errors[2].message.contains("budget_us must be"))
        #expect(errors[3].message.contains("factor must be between"))
        #expect(errors[4].message.contains("unknown key 'colour'"))
        #expect(errors[5].message.contains("duplicate processor id 'kmh'"))
    }

    @Test func testModeDropsTheProcessorsSourceLists() throws {
        let text = "sources: [{type: probe, id: a}]\nprocessors: [{type: kmh, sources: [a]}]\nsinks: []\n"
        let catalog = PluginCatalog(
            sources: [SourcePlugin(ProbeSource.self), SourcePlugin(MockNamedProbe.self)], sinks: [], processors: [ProcessorPlugin(KmhProcessor.self)])
        let config = try ConfigLoader(catalog: catalog).load(text: text, file: "c.yaml", overrides: ConfigOverrides(testMode: true))
        #expect(config.sources.map(\.id) == ["mock"])
        #expect(config.processors.first?.sourceIDs == nil)
    }

    @Test func theCatalogKnowsTheProcessorsVariables() {
        #expect(processorCatalog.knownVariableNames.contains("SpeedKmh"))
        #expect(processorCatalog.processor("kmh")?.providedVariables.count == 2)
    }
}

/// The probe source under the mock's type name, for `--test` overrides.
struct MockNamedProbe: Source {
    typealias Config = ProbeSource.Config
    static let typeName = "mock"
    static let summary = "test"
    static let sampleConfig = ""
    static let providedVariables = ProvidedVariables.catalogue
    init(id: String, config: Config, context: PluginContext) {}
    func run(output: SourceHub) async throws {}
}

private func errorsLoading(_ text: String) -> [ConfigError] {
    do {
        _ = try ConfigLoader(catalog: processorCatalog).load(text: text, file: "c.yaml")
        return []
    } catch let errors as ConfigErrors {
        return errors.errors.sorted { $0.mark < $1.mark }
    } catch {
        Issue.record("unexpected error \(error)")
        return []
    }
}

extension JSONValue {
    var objectKeys: [String]? {
        if case let .object(pairs) = self { return pairs.map(\.0) }
        return nil
    }
}
