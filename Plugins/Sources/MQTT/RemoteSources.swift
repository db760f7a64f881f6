import BrokerCore
import Logging
import MQTTClient
import Synchronization

/// The remote sources one `mqtt` entry brings in, each restored as a source of this broker from
/// what another broker's MQTT sink publishes: its declarations (retained), frames, status (retained,
/// and the last will), events and session info.
///
/// Messages arrive on the connection's event loop and are handled there, one at a time, so a
/// flood is slowed by TCP rather than queued. Each remote id gets a hub (`id_prefix` + its id) on
/// its first message, up to `max_sources`. Whatever cannot be used is dropped and counted under
/// one reason per kind, logged once (`DropTally`).
final class RemoteSources: Sendable {
    struct Settings: Sendable {
        var topicPrefix: String
        var idPrefix: String
        var maxSources: Int
        var silenceSeconds: Double
    }

    /// Capacity of a string variable (declarations carry none); longer text is truncated.
    static let stringCapacity = 64
    /// Declared variables beyond this are refused, so a remote cannot grow the registry forever.
    static let maxVariables = 4096
    /// Distinct ignored ids remembered (beyond it they are still ignored and counted per message,
    /// each new one counted again as a distinct id).
    static let maxRememberedIgnored = 1024

    /// What is known of one remote source.
    private struct Remote {
        let remoteID: String
        let hub: SourceHub
        var layout: FrameLayout?
        /// Clock time of the last message about it.
        var lastHeard: Double
        /// What its own broker last said: connected, with these extra status keys.
        var remoteConnected = false
        var remoteType: String?
        var remoteDetails: [(String, JSONValue)] = [("reason", "waiting for its status")]
        /// Said connected, then nothing for `silence_s`.
        var silent = false
    }

    private struct State {
        var remotes: [String: Remote] = [:]
        /// Local ids in the order their remotes appeared.
        var order: [String] = []
        /// Remote ids not brought in, with the reason (beyond `max_sources`, or an id taken here).
        var ignored: [String: String] = [:]
        var ignoredCount = 0
        /// Why this entry is not connected to the MQTT server; nil while subscribed.
        var linkDown: String? = "not connected to the MQTT server yet"
    }

    let settings: Settings
    let drops: DropTally
    private let factory: SourceHubFactory
    private let clock: any BrokerClock
    private let state = Mutex(State())

    init(settings: Settings, factory: SourceHubFactory, drops: DropTally, clock: any BrokerClock) {
        self.settings = settings
        self.factory = factory
        self.drops = drops
        self.clock = clock
    }

    /// The local ids of the remote sources brought in so far, in order of appearance.
    var localIDs: [String] { state.withLock { $0.order } }

    /// How many distinct remote ids were ignored (beyond `max_sources`, or their id taken here).
    var ignoredCount: Int { state.withLock { $0.ignoredCount } }

    // MARK: - The MQTT link

    /// Subscribed: remote sources are as their own messages say (their retained status follows).
    func linkUp() {
        updateAll { $0.linkDown = nil }
    }

    /// The connection to the MQTT server is gone: every remote source is disconnected here.
    func linkDown(_ reason: String) {
        updateAll { $0.linkDown = reason }
    }

    /// Marks remote sources that claim to be connected but have been silent for `silence_s`.
    func checkSilence() {
        let now = clock.now()
        let changed: [(SourceHub, SourceStatus)] = state.withLock { state in
            var changed: [(SourceHub, SourceStatus)] = []
            for id in state.order {
                guard var remote = state.remotes[id], remote.remoteConnected, !remote.silent,
                    now - remote.lastHeard > settings.silenceSeconds
                else { continue }
                remote.silent = true
                state.remotes[id] = remote
                changed.append((remote.hub, status(of: remote, linkDown: state.linkDown)))
            }
            return changed
        }
        for (hub, status) in changed { hub.setStatus(status) }
    }

    private func updateAll(_ body: (inout State) -> Void) {
        let statuses: [(SourceHub, SourceStatus)] = state.withLock { state in
            body(&state)
            return state.order.compactMap { id in state.remotes[id].map { ($0.hub, status(of: $0, linkDown: state.linkDown)) } }
        }
        for (hub, status) in statuses { hub.setStatus(status) }
    }

    /// A remote source's status here: connected only while the link is up, its own broker says so
    /// and it is not silent; otherwise the first of those reasons.
    private func status(of remote: Remote, linkDown: String?) -> SourceStatus {
        var details: [(String, JSONValue)] = [("remote_id", .string(remote.remoteID))]
        if let type = remote.remoteType { details.append(("remote_type", .string(type))) }
        let reason: String?
        if let linkDown {
            reason = linkDown
        } else if !remote.remoteConnected {
            reason = remote.remoteDetails.first { $0.0 == "reason" }?.1.stringValue.map { "remote: \($0)" } ?? "its broker reports it disconnected"
        } else if remote.silent {
            reason = "no messages for \(Self.seconds(settings.silenceSeconds)) (silence_s)"
        } else {
            reason = nil
        }
        details += remote.remoteDetails.filter { $0.0 != "reason" }
        if let reason { details.append(("reason", .string(reason))) }
        return SourceStatus(connected: reason == nil, details: details)
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    // MARK: - Messages

    /// Takes one message from the subscription.
    func handle(_ inbound: MQTTInbound) {
        switch inbound {
        case let .oversized(topic, bytes):
            drops.record(
                "oversized message",
                detail: "\(bytes) bytes on '\(topic.prefix(120))', over the limit of \(MQTTConnectionDefaults.maximumPublishLength)")
        case let .message(publish):
            // An empty retained message is how a topic's retained copy is deleted: nothing to take.
            guard !publish.payload.isEmpty else { return }
            guard let topic = RemoteTopic(publish.topic, prefix: settings.topicPrefix) else {
                if RemoteTopic.isPerVariableValue(publish.topic, prefix: settings.topicPrefix) { return }
                return drops.record("unexpected topic", detail: String(publish.topic.prefix(120)))
            }
            handle(publish.payload, on: topic)
        }
    }

    private func handle(_ payload: [UInt8], on topic: RemoteTopic) {
        let message: JSONValue
        do {
            message = try JSONValue(parsing: payload)
        } catch {
            return drops.record("malformed JSON", detail: "on '\(topic.remoteID)/\(topic.kind.rawValue)': \(error)")
        }
        let expectedType = topic.kind == .declarations ? "vars" : topic.kind.rawValue
        guard message["type"]?.stringValue == expectedType else {
            return drops.record(
                "message of the wrong type for its topic",
                detail: "a \(topic.kind.rawValue) topic carried type '\(message["type"]?.stringValue ?? "none")'")
        }
        if topic.kind != .status, let source = message["source"]?.stringValue, source != topic.remoteID {
            return drops.record("source differs from its topic", detail: "'\(source)' on the topic of '\(topic.remoteID)'")
        }
        // Work out what to do under the lock, publish into the hub after it.
        let outcome: (hub: SourceHub, action: Action, status: SourceStatus?)? = state.withLock { state in
            guard var remote = remote(topic.remoteID, in: &state) else { return nil }
            remote.lastHeard = clock.now()
            var statusChanged = false
            if remote.silent {
                remote.silent = false
                statusChanged = true
            }
            var action: Action
            switch topic.kind {
            case .declarations:
                guard let entries = message["data"]?.arrayValue else {
                    action = .drop("declarations without data", "")
                    break
                }
                let declared = declarations(from: entries)
                remote.layout = remote.hub.declare(declared.map { VariableDeclaration($0, stringCapacity: Self.stringCapacity) })
                action = .none
            case .telemetry:
                guard let data = message["data"]?.objectValue else {
                    action = .drop("telemetry without data", "")
                    break
                }
                guard let layout = remote.layout else {
                    action = .drop("telemetry before its declarations", "'\(topic.remoteID)' sent frames before its retained declarations")
                    break
                }
                action = .publish(Self.row(from: data, layout: layout))
                if !remote.remoteConnected {
                    // Frames prove the remote source live, whatever its last status said.
                    remote.remoteConnected = true
                    remote.remoteDetails = []
                    statusChanged = true
                }
            case .status:
                guard let entry = message["sources"]?[topic.remoteID], let connected = entry["connected"]?.boolValue else {
                    action = .drop("status without its source", "a status on '\(topic.remoteID)' does not list it")
                    break
                }
                remote.remoteConnected = connected
                remote.remoteType = entry["type"]?.stringValue
                remote.remoteDetails = (entry.objectValue ?? []).filter { $0.0 != "connected" && $0.0 != "type" }
                statusChanged = true
                action = .none
            case .event:
                guard let name = message["name"]?.stringValue, !name.isEmpty else {
                    action = .drop("event without a name", "")
                    break
                }
                action = .emit(SourceEvent(name: name, data: message["data"] ?? .object([])))
            case .sessionInfo:
                guard let data = message["data"], data.objectValue != nil else {
                    action = .drop("sessionInfo without data", "")
                    break
                }
                action = .sessionInfo(data)
            }
            state.remotes[remote.hub.id] = remote
            let status = statusChanged ? status(of: remote, linkDown: state.linkDown) : nil
            return (remote.hub, action, status)
        }
        guard let outcome else { return }
        if let status = outcome.status { outcome.hub.setStatus(status) }
        apply(outcome.action, to: outcome.hub)
    }

    private func apply(_ action: Action, to hub: SourceHub) {
        switch action {
        case .none:
            break
        case let .drop(reason, detail):
            drops.record(reason, detail: detail)
        case let .publish(frame):
            if let misfit = frame.misfit {
                drops.record("value that does not fit its declaration", detail: "'\(misfit)' of '\(hub.id)' (stored as null)")
            }
            hub.publish(frame.row)
        case let .emit(event):
            hub.emit(event)
        case let .sessionInfo(data):
            hub.setSessionInfo(data)
        }
    }

    /// The remote `id`'s record, created (with its hub) on its first message; nil when it is
    /// beyond `max_sources` or its id here is taken.
    private func remote(_ remoteID: String, in state: inout State) -> Remote? {
        let localID = settings.idPrefix + remoteID
        if let remote = state.remotes[localID] { return remote }
        if let reason = state.ignored[remoteID] {
            drops.record(reason)
            return nil
        }
        guard state.remotes.count < settings.maxSources else {
            let reason = "more than max_sources remote sources"
            state.ignoredCount += 1
            if state.ignored.count < Self.maxRememberedIgnored { state.ignored[remoteID] = reason }
            drops.record(reason, detail: "'\(remoteID)' and any further ones are ignored (max_sources \(settings.maxSources))")
            return nil
        }
        let hub: SourceHub
        do {
            hub = try factory.hub(id: localID)
        } catch {
            let reason = "source id taken here"
            state.ignoredCount += 1
            state.ignored[remoteID] = reason
            drops.record(reason, detail: "remote '\(remoteID)' is ignored: \(error); an id_prefix keeps remote ids apart from this broker's")
            return nil
        }
        let remote = Remote(remoteID: remoteID, hub: hub, lastHeard: clock.now())
        state.remotes[localID] = remote
        state.order.append(localID)
        hub.setStatus(status(of: remote, linkDown: state.linkDown))
        return remote
    }

    /// The declarations in a `vars` message: name, type, count, unit, description, range. Entries
    /// that lack a name or a known type, or have an impossible count, are dropped and counted.
    private func declarations(from entries: [JSONValue]) -> [VariableInfo] {
        var declared: [VariableInfo] = []
        var seen = Set<String>()
        for entry in entries {
            guard let name = entry["name"]?.stringValue, !name.isEmpty, !name.contains("/"),
                let type = entry["type"]?.stringValue.flatMap(VariableType.init(rawValue:)),
                let count: Int64 = entry["count"].map({ $0.intValue }) ?? 1, (1...65536).contains(count)
            else {
                drops.record("bad declaration", detail: String(entry.jsonString.prefix(200)))
                continue
            }
            guard seen.insert(name).inserted else { continue }
            guard declared.count < Self.maxVariables else {
                drops.record("too many variables", detail: "more than \(Self.maxVariables) declared; the rest are left out")
                break
            }
            var range: ClosedRange<Double>? = nil
            if let low = entry["min"]?.doubleValue, let high = entry["max"]?.doubleValue, low <= high { range = low...high }
            declared.append(
                VariableInfo(
                    name: name, type: type, count: Int(count), unit: entry["unit"]?.stringValue ?? "",
                    description: entry["desc"]?.stringValue ?? "", range: range))
        }
        return declared
    }

    /// A frame row from a telemetry message's `data`: each declared variable's value in its field,
    /// `null` (or 0 where the type has no null) for what is missing or does not fit. The second
    /// element names a variable whose value did not fit, or that was never declared.
    static func row(from data: [(String, JSONValue)], layout: FrameLayout) -> (row: FrameRow, misfit: String?) {
        var row = FrameRow(layout: layout)
        for (index, field) in layout.fields.enumerated() where field.type == .float || field.type == .double {
            for element in 0..<field.count { row.setNull(index, element: element) }
        }
        var misfit: String?
        for (name, value) in data {
            guard let index = layout.fieldIndex(named: name) else {
                misfit = misfit ?? name
                continue
            }
            if !store(value, in: &row, field: index) { misfit = misfit ?? name }
        }
        return (row, misfit)
    }

    /// Stores a JSON value in its field; false when it does not fit (the field keeps null or 0).
    private static func store(_ value: JSONValue, in row: inout FrameRow, field index: Int) -> Bool {
        let field = row.layout.fields[index]
        if field.type == .string {
            guard let text = value.stringValue else { return value == .null }
            row.setString(index, text)
            return true
        }
        let elements: [JSONValue]
        if case let .array(items) = value {
            guard field.count > 1 || items.count <= 1 else { return false }
            elements = items
        } else {
            elements = [value]
        }
        var fits = elements.count <= field.count
        for (element, item) in elements.prefix(field.count).enumerated() {
            switch (item, field.type) {
            case (.null, _):
                row.setNull(index, element: element)
            case let (.bool(flag), .bool):
                row.set(index, flag, element: element)
            case let (.int(integer), .int), let (.int(integer), .bitfield):
                row.set(index, Int(clamping: integer), element: element)
            case (_, .float), (_, .double):
                guard let number = item.doubleValue else {
                    fits = false
                    continue
                }
                row.set(index, number, element: element)
            default:
                fits = false
            }
        }
        return fits
    }

    /// What to do with a hub once the lock is released.
    private enum Action {
        case none
        case drop(String, String)
        case publish((row: FrameRow, misfit: String?))
        case emit(SourceEvent)
        case sessionInfo(JSONValue)
    }
}
