/// The recording format: the NDJSON lines the stdout sink writes with `path:` and the replay source
/// plays back, written and read in one place so the two cannot drift apart.
///
/// A recording holds the objects every sink sends (`telemetry`, `status`, `event`, `sessionInfo`),
/// each with `time` (wall-clock seconds), plus a `declare` line before a source's telemetry whenever
/// its layout first appears or changes, so a replay can rebuild the source's variables (type,
/// count, unit, description) without the sim or the catalogue:
/// `{"type":"declare","source":"ID","time":T,"variables":[{"name","type","count","unit","desc"},...]}`;
/// a `string` variable also has `"size"`, its capacity in bytes. The replay source's README
/// describes every line.
///
/// Writing: `declareLine` and `telemetryLine`. Reading: `Line.parse` reads a line's top level and
/// locates its payloads without decoding them, `Declaration` checks a declare line's variables, and
/// `RowDecoder` turns a telemetry line's `data` back into a frame row, value for value.
public enum RecordingFormat {
    /// The kinds of line a recording holds.
    public enum LineKind: String, CaseIterable, Sendable {
        case declare, telemetry, status, event, sessionInfo
    }

    /// The `declare` line for `selection` (without the newline): the variables the selection
    /// writes that the source has, in the order `telemetryLine` writes them.
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

    /// The `telemetry` line of `frame` (without the newline): the WebSocket's telemetry object with
    /// `time`, when the source captured the frame.
    public static func telemetryLine(sourceID: String, frame: Frame, selection: ResolvedSelection) -> [UInt8] {
        BrokerMessages.telemetry(sourceID: sourceID, frame: frame, selection: selection, time: frame.timestamp)
    }
}
