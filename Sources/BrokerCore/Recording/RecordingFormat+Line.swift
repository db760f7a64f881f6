extension RecordingFormat {
    /// One line of a recording with its top-level keys read and its payloads located, not decoded.
    ///
    /// Locating first keeps the common case cheap: a telemetry line of a source that is not being
    /// replayed, or one before the start point, is never decoded beyond its `type`, `source` and
    /// `time`. Payload ranges index the line's own bytes.
    public struct Line: Sendable {
        /// Nil when `type` is missing or names no kind this replay knows.
        public var kind: LineKind?
        /// The `type` value as written (for the warning about an unknown type).
        public var typeName: String?
        public var source: String?
        /// Wall-clock seconds when the line was recorded.
        public var time: Double?
        /// An event's `name`.
        public var name: String?
        /// `data` (telemetry, event, sessionInfo).
        public var data: Range<Int>?
        /// `variables` (declare).
        public var variables: Range<Int>?
        /// `sources` (status).
        public var sources: Range<Int>?

        /// Reads the top level of one line; throws when the line is not one JSON object.
        public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> Line {
            var line = Line()
            var scanner = JSONScanner(bytes)
            guard scanner.peek() == UInt8(ascii: "{") else { throw scanner.error("not a JSON object") }
            try scanner.forEachMember { scanner, key in
                if scanner.tokenEquals(key, "type") {
                    line.typeName = try scanner.parseStringValue()
                    line.kind = line.typeName.flatMap(LineKind.init(rawValue:))
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
        public static func statusSourceIDs(_ bytes: UnsafeRawBufferPointer, sources: Range<Int>) -> [String] {
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
        public static func value(_ bytes: UnsafeRawBufferPointer, at range: Range<Int>) throws -> JSONValue {
            var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: bytes[range]))
            return try scanner.parseValue()
        }
    }
}
