import BrokerCore
import BrokerTestSupport
import Logging
import Synchronization
import Testing

/// A source that relays others (like an MQTT subscription): it adds a hub per remote source while
/// it runs, through its context's hub factory.
struct RelaySource: Source {
    struct Config: PluginConfig {
        var remotes: [String]
        enum CodingKeys: String, CodingKey { case remotes }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            remotes = try c.value(.remotes, default: ["x", "y"])
        }
    }
    static let typeName = "relay"
    static let summary = "test"
    static let sampleConfig = ""
    static let providedVariables = ProvidedVariables.catalogue
    let id: String
    let config: Config
    let context: PluginContext

    init(id: String, config: Config, context: PluginContext) {
        self.id = id
        self.config = config
        self.context = context
    }

    func run(output: SourceHub) async throws {
        output.setConnected(true)
        guard let factory = context.hubFactory else { throw PluginError("no hub factory for a source") }
        for remote in config.remotes {
            let hub = try factory.hub(id: "\(id)/\(remote)")
            let layout = hub.declare([VariableDeclaration(VariableInfo(name: "Speed", type: .float))])
            var row = FrameRow(layout: layout)
            row.set(0, 10)
            hub.publish(row)
            hub.setConnected(true)
        }
        try await Task.sleep(for: .seconds(3600))
    }
}

@Suite("Sources added at run time")
struct RelayedSourcesTests {
    let registry = VariableRegistry()

    @Test("a factory creates a hub once, refuses ids of other entries and its own entry's id")
    func factoryOwnership() throws {
        let directory = HubDirectory([SourceHub(id: "mock", typeName: "mock", registry: registry)])
        let team = SourceHubFactory(origin: "team", typeName: "mqtt", registry: registry, directory: directory)
        let other = SourceHubFactory(origin: "league", typeName: "mqtt", registry: registry, directory: directory)
        let hub = try team.hub(id: "car12/mock")
        #expect(hub.origin == "team" && hub.typeName == "mqtt")
        #expect(try team.hub(id: "car12/mock") === hub)
        #expect(directory.hubs.map(\.id) == ["mock", "car12/mock"])
        #expect(throws: PluginError.self) { try other.hub(id: "car12/mock") }
        #expect(throws: PluginError.self) { try team.hub(id: "mock") }
        #expect(throws: PluginError.self) { try team.hub(id: "team") }
        #expect(directory.hubs.count == 2)
    }

    @Test("a sink's sources list takes a relaying entry's id for every hub it adds")
    func sinkSourcesByOrigin() throws {
        let directory = HubDirectory([SourceHub(id: "mock", typeName: "mock", registry: registry)])
        let team = SourceHubFactory(origin: "team", typeName: "mqtt", registry: registry, directory: directory)
        let onlyTeam = SinkInput(sinkID: "k", directory: directory, sourceIDs: ["team"], rate: 0)
        let all = SinkInput(sinkID: "k", directory: directory, rate: 0)
        #expect(onlyTeam.sources.isEmpty)
        _ = try team.hub(id: "a")
        _ = try team.hub(id: "b")
        #expect(onlyTeam.sources.map(\.id) == ["a", "b"])
        #expect(all.sources.map(\.id) == ["mock", "a", "b"])
    }

    @Test("a running feed picks up a source added after it started: status, frames, events")
    func feedFollowsNewSources() async throws {
        let directory = HubDirectory()
        let team = SourceHubFactory(origin: "team", typeName: "mqtt", registry: registry, directory: directory)
        let input = SinkInput(sinkID: "k", directory: directory, rate: 0)
        let received = Mutex<[String]>([])
        let reader = Task {
            for await message in input.messages() {
                let line: String
                switch message {
                case let .status(hub, status): line = "status \(hub.id) \(status.connected)"
                case let .frame(hub, frame): line = "frame \(hub.id) \(frame.seq)"
                case let .event(hub, event): line = "event \(hub.id) \(event.name)"
                default: continue
                }
                received.withLock { $0.append(line) }
            }
        }
        defer { reader.cancel() }
        try await Task.sleep(for: .milliseconds(50))
        let hub = try team.hub(id: "car1")
        let layout = hub.declare([VariableDeclaration(VariableInfo(name: "Speed", type: .float))])
        hub.setConnected(true)
        hub.publish(FrameRow(layout: layout))
        #expect(await waitUntil(timeout: 5) { received.withLock { $0.contains("frame car1 1") } })
        hub.emit("pit")
        #expect(await waitUntil(timeout: 5) { received.withLock { $0.contains("event car1 pit") } })
        #expect(received.withLock { $0.contains("status car1 true") })
    }

    @Test("a broker's relaying source adds hubs that get the entry's processors and feed its sinks")
    func brokerWiresRelayedSources() async throws {
        let catalog = PluginCatalog(
            sources: [SourcePlugin(ProbeSource.self), SourcePlugin(RelaySource.self)], sinks: [SinkPlugin(ProbeSink.self)],
            processors: [ProcessorPlugin(KmhProcessor.self)])
        let text = """
            sources:
              - type: probe
                id: a
              - type: relay
                id: team
            processors:
              - type: kmh
                sources: [team]
            sinks:
              - type: websocket
                target: x
                sources: [team]
            """
        let config = try ConfigLoader(catalog: catalog).load(text: text, file: "c.yaml")
        let broker = try Broker(config: config, logger: Logger(label: "t"))
        let run = Task { try await broker.run(handleSignals: false) }
        defer { run.cancel() }
        #expect(await waitUntil(timeout: 10) { broker.hubs.count == 4 })
        #expect(broker.hubs.map(\.id) == ["a", "team", "team/x", "team/y"])
        let relayed = try #require(broker.hubs.first { $0.id == "team/x" })
        #expect(relayed.origin == "team" && relayed.typeName == "relay")
        #expect((JSONValue.object(relayed.status.details)["processors"]?.objectKeys) == ["kmh"])
        let sinkInput = SinkInput(sinkID: "ws", directory: broker.directory, sourceIDs: config.sinks[0].sourceIDs, rate: 0)
        #expect(sinkInput.sources.map(\.id) == ["team", "team/x", "team/y"])
    }
}
