import BrokerCore

/// The kinds of line a recording holds (see the plugin's README for each one's keys).
enum RecordingLineKind: String, CaseIterable, Sendable {
    case declare, telemetry, status, event, sessionInfo
}

/// One line of a recording with its top-level keys read and its payloads located, not decoded.
///
/// Locating first keeps the common case cheap: a telemetry line of a source that is not being
/// replayed, or one before the start point, is never decoded beyond its `type`, `source` and
/// `time`. Payload ranges index the line's own bytes.
struct RecordingLine {
    /// Nil when `type` is missing or names no kind this replay knows.
    var kind: RecordingLineKind?
    /// The `type` value as written (for the warning about an unknown type).
    var typeName: String?
    var source: String?
    /// Wall-clock seconds when the line was recorded.
    var time: Double?
    /// An event's `name`.
    var name: String?
    /// `data` (telemetry, event, sessionInfo).
    var data: Range<Int>?
    /// `variables` (declare).
    var variables: Range<Int>?
    /// `sources` (status).
    var sources: Range<Int>?

    /// Reads the top level of one line; throws when the line is not one JSON object.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> RecordingLine {
        var line = RecordingLine()
        var scanner = JSONScanner(bytes)
        guard scanner.peek() == UInt8(ascii: "{") else { throw scanner.error("not a JSON object") }
        try scanner.forEachMember { scanner, key in
            if scanner.tokenEquals(key, "type") {
                line.typeName = try scanner.parseStringValue()
                line.kind = line.typeName.flatMap(RecordingLineKind.init(rawValue:))
            } else if scanner.tokenEquals(key, "source") {
                line.source = try scanner.parseStringValue()
            } else if scanner.tokenEquals(key, "time") {
                line.time = try scanner.parseNumberValue()
            } else if scanner.tokenEquals(key, "data") {
                line.data = try scanner.skipValue()
            } else if scanner.tokenEquals(key, "name") {
                line.name = try scanner.parseStringValue()
            } else if scanner.tokenEquals(key, "variables") {
                line.variables = try scanner.skipValue()
            } else if scanner.tokenEquals(key, "sources") {
                line.sources = try scanner.skipValue()
            } else {
                try scanner.skipValue()
            }
        }
        try scanner.expectEnd()
        if let time = line.time, !time.isFinite { line.time = nil }
        return line
    }

    /// The source ids a status line's `sources` object names, in order.
    static func statusSourceIDs(_ bytes: UnsafeRawBufferPointer, sources: Range<Int>) -> [String] {
        var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: bytes[sources]))
        var ids: [String] = []
        guard scanner.peek() == UInt8(ascii: "{") else { return [] }
        _ = try? scanner.forEachMember { scanner, key in
            ids.append(scanner.string(key))
            try scanner.skipValue()
        }
        return ids
    }

    /// The value at `range` of `bytes` as a tree (a `data` or `sources` payload).
    static func value(_ bytes: UnsafeRawBufferPointer, at range: Range<Int>) throws -> JSONValue {
        var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: bytes[range]))
        return try scanner.parseValue()
    }
}
