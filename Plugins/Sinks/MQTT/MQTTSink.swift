import BrokerCore
import Logging
import MQTTClient

/// Publishes telemetry, status, events and session info to an MQTT server (Mosquitto, EMQX,
/// HiveMQ, VerneMQ...), so any number of screens across a network or the internet can subscribe.
///
/// Topics per source: `<prefix>/<source>/telemetry`, `/status` (retained, with a last will),
/// `/event`, `/sessionInfo` (retained) and, with `per_variable`, `/vars/<Name>`. Payloads are the
/// same JSON objects the WebSocket sink sends. Each source gets its own MQTT session (see
/// `MQTTSession`); the feed loop here only builds messages and hands them over, never waiting.
public struct MQTTSink: Sink {
    public static let typeName = "mqtt"
    public static let summary = "publishes telemetry, status, events and session info to an MQTT 3.1.1 server"
    public static let defaultRate: Double? = 10
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    let id: String
    let config: MQTTConfig
    let context: PluginContext
    /// The TLS context for an `mqtts://` server, made (and its files checked) when the sink is.
    let tls: MQTTTLSClient?
    private let statistics: MQTTStatistics

    /// Throws a one-line `PluginError` naming the file when a TLS file cannot be used.
    public init(id: String, config: MQTTConfig, context: PluginContext) throws {
        self.id = id
        self.config = config
        self.context = context
        statistics = MQTTStatistics(sinkID: id, metrics: context.metrics)
        do {
            tls = try MQTTTLSClient.make(for: config.server, options: config.tls, context: context)
        } catch {
            throw PluginError("mqtt sink '\(id)': \(error.description)")
        }
    }

    /// The sink's counters now, summed over its sessions.
    public var stats: MQTTStats { statistics.snapshot }

    public func run(input: SinkInput) async throws {
        try await run(input: input) { _ in }
    }

    /// `run`, handing each session to `started` once it exists (tests use it to cut a connection).
    ///
    /// The sources there at the start get their sessions at once; a source added later (relayed by
    /// an `mqtt` or `websocket` source) gets one when its first message comes through the feed.
    func run(input: SinkInput, started: @escaping @Sendable (MQTTSession) -> Void) async throws {
        let initial = input.sources
        for hub in initial {
            if let problem = MQTTTopics.sourceIDProblem(hub.id) {
                throw PluginError("mqtt sink '\(id)': source id '\(hub.id)' cannot be used in MQTT topics: \(problem)")
            }
        }
        if initial.isEmpty { context.logger.warning("mqtt sink '\(id)' has no sources to publish yet") }

        await withTaskGroup(of: Void.self) { group in
            var sessions: [String: MQTTSession] = [:]
            /// Hubs added later whose id cannot be used in topics, each reported once.
            var refused = Set<String>()
            func open(_ hub: SourceHub, _ clientID: String) {
                let session = MQTTSession(
                    hub: hub, settings: settings(clientID: clientID), topicPrefix: config.topicPrefix, statistics: statistics,
                    logger: context.logger, clock: context.clock)
                sessions[hub.id] = session
                started(session)
                group.addTask { await session.run() }
            }
            for hub in initial { open(hub, initial.count > 1 ? "\(config.clientID)-\(hub.id)" : config.clientID) }
            /// The session of `hub`, opened on its first message when the hub was added later.
            func session(for hub: SourceHub) -> MQTTSession? {
                if let session = sessions[hub.id] { return session }
                guard !refused.contains(hub.id) else { return nil }
                if let problem = MQTTTopics.sourceIDProblem(hub.id) {
                    refused.insert(hub.id)
                    context.logger.error("mqtt sink '\(id)': source '\(hub.id)' is not published: its id cannot be used in MQTT topics (\(problem))")
                    return nil
                }
                context.logger.info("mqtt sink '\(id)': new source '\(hub.id)', publishing it too")
                open(hub, "\(config.clientID)-\(hub.id)")
                return sessions[hub.id]
            }

            group.addTask { await logStatistics() }
            var routes: [String: FrameRoute] = [:]
            var reportedNames = Set<String>()
            for await message in input.messages() {
                switch message {
                case let .frame(hub, frame):
                    guard let session = session(for: hub) else { continue }
                    let route: FrameRoute
                    if let cached = routes[hub.id], cached.selection.layout === frame.layout {
                        route = cached
                    } else {
                        route = makeRoute(hub: hub, layout: frame.layout, reportedNames: &reportedNames)
                        routes[hub.id] = route
                        // A receiver (another broker's mqtt source) must know types, counts and units.
                        session.enqueue(
                            OutboundMessage(
                                topic: topic(hub, "declarations"), payload: declarations(hub: hub, selection: route.selection), retain: true,
                                kind: .latest),
                            remember: true)
                    }
                    let payload = BrokerMessages.telemetry(sourceID: hub.id, frame: frame, selection: route.selection)
                    session.enqueue(OutboundMessage(topic: topic(hub, "telemetry"), payload: payload, retain: false, kind: .latest))
                    for (topic, field) in route.variableTopics {
                        var writer = JSONWriter(capacity: 16)
                        frame.writeValue(ofField: field, to: &writer)
                        session.enqueue(OutboundMessage(topic: topic, payload: writer.bytes, retain: false, kind: .latest))
                    }
                case let .status(hub, _):
                    let payload = BrokerMessages.status(of: [hub])
                    session(for: hub)?.enqueue(
                        OutboundMessage(topic: topic(hub, "status"), payload: payload, retain: config.retainStatus, kind: .latest), remember: true)
                case let .event(hub, event):
                    let payload = BrokerMessages.event(sourceID: hub.id, event: event)
                    session(for: hub)?.enqueue(OutboundMessage(topic: topic(hub, "event"), payload: payload, retain: false, kind: .event))
                case let .sessionInfo(hub, info):
                    let payload = BrokerMessages.sessionInfo(sourceID: hub.id, info: info)
                    session(for: hub)?.enqueue(
                        OutboundMessage(topic: topic(hub, "sessionInfo"), payload: payload, retain: true, kind: .latest), remember: true)
                case let .eventsMissed(hub, count):
                    context.logger.warning("mqtt sink '\(id)' fell behind and missed \(count) events of source '\(hub.id)'")
                }
            }
            group.cancelAll()
        }
        context.logger.debug("mqtt sink '\(id)' stopped: \(statistics.snapshot)")
    }

    /// The selection for one layout, and the per-variable topics when `per_variable` is on.
    /// `{"type":"vars","source":ID,"data":[...]}`: the declarations of the variables this sink
    /// publishes for the source, in the `vars` reply's shape (docs/PROTOCOL.md), with the source's own types.
    private func declarations(hub: SourceHub, selection: ResolvedSelection) -> [UInt8] {
        let entries: [JSONValue] = selection.entries.compactMap { entry in
            guard let index = entry.field else { return nil }
            let field = selection.layout.fields[index]
            var info = context.registry.info(field.variable)
            info.type = field.type
            info.count = field.count
            return .object(info.jsonFields() + BrokerMessages.rangeFields(info) + [("sources", .array([.string(hub.id)]))])
        }
        return BrokerMessages.encode(.object([("type", "vars"), ("source", .string(hub.id)), ("data", .array(entries))]))
    }

    private struct FrameRoute {
        var selection: ResolvedSelection
        var variableTopics: [(topic: String, field: Int)]
    }

    private func makeRoute(hub: SourceHub, layout: FrameLayout, reportedNames: inout Set<String>) -> FrameRoute {
        let selection = config.variables.resolve(sourceID: hub.id, layout: layout, registry: context.registry)
        var variableTopics: [(String, Int)] = []
        if config.perVariable {
            for entry in selection.entries {
                guard let field = entry.field else { continue }
                let name = layout.fields[field].name
                let topic = topic(hub, "vars/\(name)")
                if let problem = MQTTTopics.levelProblem(name) {
                    if reportedNames.insert(name).inserted {
                        context.logger.warning("mqtt sink '\(id)': variable '\(name)' gets no per-variable topic: \(problem)")
                    }
                    continue
                }
                variableTopics.append((topic, field))
            }
        }
        return FrameRoute(selection: selection, variableTopics: variableTopics)
    }

    private func topic(_ hub: SourceHub, _ leaf: String) -> String {
        "\(config.topicPrefix)/\(hub.id)/\(leaf)"
    }

    private func settings(clientID: String) -> MQTTSession.Settings {
        MQTTSession.Settings(
            server: config.server, tls: tls, clientID: clientID,
            username: config.username, password: config.password, qos: config.qos, keepAliveSeconds: config.keepAliveSeconds,
            retainStatus: config.retainStatus, maxInFlight: config.maxInFlight, reconnect: config.reconnect, sinkID: id)
    }

    /// Logs the counters at debug level every 10 s while they change.
    private func logStatistics() async {
        var last = statistics.snapshot
        while true {
            do {
                try await context.clock.sleep(until: context.clock.now() + 10)
            } catch {
                return
            }
            let now = statistics.snapshot
            if now != last { context.logger.debug("mqtt sink '\(id)': \(now)") }
            last = now
        }
    }
}
