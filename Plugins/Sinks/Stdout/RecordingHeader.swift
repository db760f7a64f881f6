import BrokerCore

/// The `declare` line a recording carries before a source's telemetry, so a replay can rebuild the
/// source's variables (type, count, unit, description) without the sim or the catalogue.
///
/// `{"type":"declare","source":"ID","time":T,"variables":[{"name","type","count","unit","desc"},...]}`;
/// a `string` variable also has `"size"`, its capacity in bytes. It lists the variables the sink's
/// selection writes and the source has, in the order the telemetry lines write them. The sink
/// writes one whenever a source's layout first appears or changes, and only when it records to a
/// `path` (standard output carries the same objects as the WebSocket, nothing else).
public enum RecordingHeader {
    /// The `declare` line for `selection` (without the newline).
    public static func declareLine(sourceID: String, selection: ResolvedSelection, registry: VariableRegistry, time: Double) -> [UInt8] {
        let layout = selection.layout
        let variables: [JSONValue] = selection.entries.compactMap { entry in
            guard let index = entry.field else { return nil }
            let field = layout.fields[index]
            let info = registry.info(field.variable)
            var object: [(String, JSONValue)] = [
                ("name", .string(field.name)), ("type", .string(field.type.rawValue)), ("count", .int(Int64(field.count))),
                ("unit", .string(info.unit)), ("desc", .string(info.description)),
            ]
            if field.type == .string { object.append(("size", .int(Int64(field.byteSize)))) }
            return .object(object)
        }
        return BrokerMessages.encode(
            .object([
                ("type", "declare"), ("source", .string(sourceID)), ("time", .double(time)), ("variables", .array(variables)),
            ]))
    }
}
