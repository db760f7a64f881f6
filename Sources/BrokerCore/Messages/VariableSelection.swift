/// Which variables a consumer wants: all of them, or a list of names.
///
/// A name may be plain (`Speed`: served by every source that has it) or qualified with a source id
/// (`lfs/Speed`: only that source). Names the registry knows but a source lacks come out as `null`.
public enum VariableSelection: Sendable, Equatable {
    case all
    case names([String])

    /// Parses a config or command value: `all`, or a list of names.
    public init(_ names: [String]) {
        self = names.count == 1 && names[0].lowercased() == "all" ? .all : .names(names)
    }

    /// The names of this selection that the registry does not know, for error replies.
    public func unknownNames(in registry: VariableRegistry) -> [String] {
        guard case let .names(names) = self else { return [] }
        return names.filter { registry.id(named: Self.split($0).name) == nil }
    }

    /// Splits `ID/Name` into its parts; a plain name has no source. Variable names have no `/`,
    /// source ids may (a relayed source `car12/mock`), so the last `/` separates them.
    public static func split(_ name: String) -> (source: String?, name: String) {
        guard let slash = name.lastIndex(of: "/") else { return (nil, name) }
        return (String(name[..<slash]), String(name[name.index(after: slash)...]))
    }

    /// Resolves the selection against one source's layout.
    public func resolve(sourceID: String, layout: FrameLayout, registry: VariableRegistry) -> ResolvedSelection {
        switch self {
        case .all:
            return ResolvedSelection(layout: layout, entries: layout.fields.indices.map { .init(jsonKey: layout.fields[$0].jsonKey, field: $0) })
        case let .names(names):
            var entries: [ResolvedSelection.Entry] = []
            var seen = Set<String>()
            for requested in names {
                let (source, name) = Self.split(requested)
                if let source, source != sourceID { continue }
                guard seen.insert(name).inserted else { continue }
                if let index = layout.fieldIndex(named: name) {
                    entries.append(.init(jsonKey: layout.fields[index].jsonKey, field: index))
                } else if registry.id(named: name) != nil {
                    var key = JSONWriter()
                    key.key(name)
                    entries.append(.init(jsonKey: key.bytes, field: nil))
                }
            }
            return ResolvedSelection(layout: layout, entries: entries)
        }
    }
}

/// A selection bound to one layout: the keys to write and where each value sits in the row.
public struct ResolvedSelection: Sendable {
    public struct Entry: Sendable {
        /// `"Name":`, ready to copy.
        public let jsonKey: [UInt8]
        /// The field in the layout, or nil for a value the source does not have (`null`).
        public let field: Int?
    }

    /// One entry as `writeData` walks it: its `,"Name":` (no comma for the first) as a range of
    /// `keyText`, and its field's placement. Plain values: the loop copies no strings or arrays.
    private struct Step {
        let key: Range<Int>
        let placement: FieldPlacement?
    }

    public let layout: FrameLayout
    public let entries: [Entry]
    private let steps: [Step]
    private let keyText: [UInt8]
    /// The most bytes `writeData` can write, so it reserves its room once.
    private let maxDataLength: Int

    init(layout: FrameLayout, entries: [Entry]) {
        self.layout = layout
        self.entries = entries
        var keyText: [UInt8] = []
        var steps: [Step] = []
        var maxDataLength = 2
        for (i, entry) in entries.enumerated() {
            let start = keyText.count
            if i > 0 { keyText.append(UInt8(ascii: ",")) }
            keyText.append(contentsOf: entry.jsonKey)
            let placement = entry.field.map { layout.fields[$0].placement }
            steps.append(Step(key: start..<keyText.count, placement: placement))
            maxDataLength += keyText.count - start + (placement?.maxJSONLength ?? 4)
        }
        self.steps = steps
        self.keyText = keyText
        self.maxDataLength = maxDataLength
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Writes `{"Name":value,...}` for `frame`, which must be in this selection's layout.
    public func writeData(of frame: Frame, to writer: inout JSONWriter) {
        writer.withCursor(reserving: maxDataLength) { cursor in
            cursor.byte(UInt8(ascii: "{"))
            keyText.withUnsafeBufferPointer { keys in
                frame.row.withUnsafeBytes { row in
                    for step in steps {
                        cursor.copy(UnsafeBufferPointer(rebasing: keys[step.key]))
                        if let placement = step.placement {
                            cursor.value(placement, in: row)
                        } else {
                            cursor.null()
                        }
                    }
                }
            }
            cursor.byte(UInt8(ascii: "}"))
        }
    }
}
