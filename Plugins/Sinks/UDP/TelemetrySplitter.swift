import BrokerCore

/// Turns one frame's telemetry message into datagrams of at most `limit` bytes (docs/PROTOCOL.md).
///
/// A message that fits goes out as the core writes it. One that does not is cut between variables
/// into parts, each a complete telemetry object with the same `type`, `source` and `seq`, plus
/// `"part":I,"parts":N` (I counts from 1) before `data`. Each variable's `"Name":value` text is
/// exactly the text of the unsplit message, and the variables keep their order. A variable too big
/// for a datagram of its own is left out and reported in `dropped`: never sending more than `limit`
/// bytes is the promise receivers size their buffers by.
public struct TelemetrySplitter: Sendable {
    /// What one frame became.
    public struct Output: Sendable {
        /// Empty only when the header alone (a very long source id) exceeds the limit.
        public var datagrams: [[UInt8]]
        /// True when the frame went out in parts.
        public var isSplit: Bool
        /// Variables left out because they do not fit a datagram even alone, with the bytes that
        /// datagram would have needed.
        public var dropped: [(name: String, bytesNeeded: Int)]
    }

    public let limit: Int
    public let sourceID: String
    public let selection: ResolvedSelection
    /// The same layout with no variables: the core writes the header (`type`, `source`, `seq`,
    /// `part`, `parts`) around an empty `data`, and the variables go inside it.
    private let headerSelection: ResolvedSelection

    public init(limit: Int, sourceID: String, selection: ResolvedSelection, registry: VariableRegistry) {
        self.limit = limit
        self.sourceID = sourceID
        self.selection = selection
        headerSelection = VariableSelection.names([]).resolve(sourceID: sourceID, layout: selection.layout, registry: registry)
    }

    /// The datagrams for `frame`, which must be in the selection's layout.
    public func datagrams(for frame: Frame) -> Output {
        let whole = BrokerMessages.telemetry(sourceID: sourceID, frame: frame, selection: selection)
        if whole.count <= limit { return Output(datagrams: [whole], isSplit: false, dropped: []) }

        let texts: [[UInt8]] = selection.entries.map { entry in
            var writer = JSONWriter(capacity: entry.jsonKey.count + 16)
            writer.bytes.append(contentsOf: entry.jsonKey)
            if let field = entry.field {
                frame.writeValue(ofField: field, to: &writer)
            } else {
                writer.null()
            }
            return writer.bytes
        }
        guard header(for: frame, part: 1, parts: 1).count + 2 <= limit else { return Output(datagrams: [], isSplit: true, dropped: []) }

        // The header grows with the digits of the part numbers: pack assuming a part count, and
        // pack again with less room if the count needs more digits than assumed.
        var assumedParts = 9
        var room: Int
        var kept: [Int]
        var groups: [Range<Int>]
        while true {
            room = limit - header(for: frame, part: assumedParts, parts: assumedParts).count - 2
            kept = texts.indices.filter { texts[$0].count <= room }
            groups = pack(kept.map { texts[$0].count }, room: room)
            if decimalDigits(groups.count) <= decimalDigits(assumedParts) { break }
            assumedParts = groups.count
        }
        var dropped: [(name: String, bytesNeeded: Int)] = []
        var keptIndex = 0
        for index in texts.indices {
            if keptIndex < kept.count && kept[keptIndex] == index {
                keptIndex += 1
            } else {
                dropped.append((name: name(of: selection.entries[index]), bytesNeeded: limit - room + texts[index].count))
            }
        }
        let variables = kept.map { texts[$0] }

        var datagrams: [[UInt8]] = []
        datagrams.reserveCapacity(groups.count)
        for (index, group) in groups.enumerated() {
            var datagram = header(for: frame, part: index + 1, parts: groups.count)
            for (position, variable) in variables[group].enumerated() {
                if position > 0 { datagram.append(UInt8(ascii: ",")) }
                datagram.append(contentsOf: variable)
            }
            datagram.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "}")])
            datagrams.append(datagram)
        }
        return Output(datagrams: datagrams, isSplit: true, dropped: dropped)
    }

    /// The message up to and including `"data":{`, as the core writes it for an empty selection.
    private func header(for frame: Frame, part: Int, parts: Int) -> [UInt8] {
        var writer = JSONWriter(capacity: 96 + sourceID.utf8.count)
        BrokerMessages.writeTelemetry(
            sourceID: sourceID, frame: frame, selection: headerSelection, time: nil,
            extra: [("part", .int(Int64(part))), ("parts", .int(Int64(parts)))], to: &writer)
        writer.bytes.removeLast(2)  // the empty data object's "}" and the message's "}"
        return writer.bytes
    }

    /// Consecutive runs of variables (given by their text sizes) that fit `room` bytes with commas
    /// between them. Always at least one run, so a frame whose every variable was dropped still
    /// announces its `seq`.
    private func pack(_ sizes: [Int], room: Int) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var start = 0
        var used = 0
        for (index, size) in sizes.enumerated() {
            let needed = index == start ? size : used + 1 + size
            if needed > room && index > start {
                groups.append(start..<index)
                start = index
                used = size
            } else {
                used = needed
            }
        }
        groups.append(start..<sizes.count)
        return groups
    }

    private func name(of entry: ResolvedSelection.Entry) -> String {
        if let field = entry.field { return selection.layout.fields[field].name }
        // `"Name":` written by the core; a variable the source lacks has no field to name it.
        return String(decoding: entry.jsonKey.dropFirst().dropLast(2), as: UTF8.self)
    }

    private func decimalDigits(_ value: Int) -> Int {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }
}
