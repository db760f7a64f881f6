/// The JSON messages every sink sends, built in one place so the WebSocket, NDJSON, UDP and MQTT
/// outputs stay byte-for-byte the same objects (docs/PROTOCOL.md).
///
/// `time` (wall-clock seconds) is added only when a sink asks for it, as the stdout recordings do.
public enum BrokerMessages {
    /// `{"type":"telemetry","source":"ID","seq":N,"data":{...}}`
    public static func telemetry(sourceID: String, frame: Frame, selection: ResolvedSelection, time: Double? = nil) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + selection.entries.count * 24)
        writeTelemetry(sourceID: sourceID, frame: frame, selection: selection, time: time, extra: nil, to: &writer)
        return writer.bytes
    }

    /// The telemetry object, with optional extra keys written before `data` (e.g. `"part":1,"parts":3`).
    public static func writeTelemetry(
        sourceID: String, frame: Frame, selection: ResolvedSelection, time: Double?, extra: [(String, JSONValue)]?,
        to writer: inout JSONWriter
    ) {
        writer.raw("{\"type\":\"telemetry\",\"source\":")
        writer.string(sourceID)
        writer.raw(",\"seq\":")
        writer.int(frame.seq)
        if let time {
            writer.raw(",\"time\":")
            writer.double(time)
        }
        for (key, value) in extra ?? [] {
            writer.byte(UInt8(ascii: ","))
            writer.key(key)
            writer.write(value)
        }
        writer.raw(",\"data\":")
        selection.writeData(of: frame, to: &writer)
        writer.byte(UInt8(ascii: "}"))
    }

    /// `{"type":"status","connected":BOOL,"sources":{"ID":{"connected":BOOL,"type":"T",...}}}`
    public static func status(of hubs: [SourceHub], time: Double? = nil) -> [UInt8] {
        let statuses = hubs.map { ($0, $0.status) }
        var sources: [(String, JSONValue)] = []
        for (hub, status) in statuses {
            sources.append((hub.id, .object([("connected", .bool(status.connected)), ("type", .string(hub.typeName))] + status.details)))
        }
        var fields: [(String, JSONValue)] = [
            ("type", "status"), ("connected", .bool(statuses.contains { $0.1.connected })),
        ]
        if let time { fields.append(("time", .double(time))) }
        fields.append(("sources", .object(sources)))
        return encode(.object(fields))
    }

    /// `{"type":"event","source":"ID","name":"lap","data":{...}}`
    public static func event(sourceID: String, event: SourceEvent, includeTime: Bool = false) -> [UInt8] {
        var fields: [(String, JSONValue)] = [("type", "event"), ("source", .string(sourceID)), ("name", .string(event.name))]
        if includeTime { fields.append(("time", .double(event.timestamp))) }
        fields.append(("data", event.data))
        return encode(.object(fields))
    }

    /// `{"type":"sessionInfo","source":"ID","data":{...}}`
    public static func sessionInfo(sourceID: String, info: SessionInfo, includeTime: Bool = false) -> [UInt8] {
        var fields: [(String, JSONValue)] = [("type", "sessionInfo"), ("source", .string(sourceID))]
        if includeTime { fields.append(("time", .double(info.timestamp))) }
        fields.append(("data", info.data))
        return encode(.object(fields))
    }

    /// `{"type":"error","message":"...",...}` with optional `command` and `unknown` keys.
    public static func error(_ message: String, command: String? = nil, unknown: [String] = []) -> [UInt8] {
        var fields: [(String, JSONValue)] = [("type", "error"), ("message", .string(message))]
        if let command { fields.append(("command", .string(command))) }
        if !unknown.isEmpty { fields.append(("unknown", .array(unknown.map { .string($0) }))) }
        return encode(.object(fields))
    }

    /// The `vars` catalogue entries: name, type, count, unit, desc, the plausible range as `min` and
    /// `max` where the catalogue has one (dashboards scale bars with it), and the source ids providing
    /// each.
    public static func variableCatalogue(_ registry: VariableRegistry) -> JSONValue {
        .array(
            registry.entries().map { entry in
                .object(entry.info.jsonFields() + rangeFields(entry.info) + [("sources", .array(entry.providers.map { .string($0) }))])
            })
    }

    /// `min` and `max` of a variable's range, or nothing when it has none.
    public static func rangeFields(_ info: VariableInfo) -> [(String, JSONValue)] {
        guard let range = info.range else { return [] }
        return [("min", .double(range.lowerBound)), ("max", .double(range.upperBound))]
    }

    public static func encode(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }
}
