extension RecordingFormat {
    /// The variables of one `declare` line, checked before they shape any row.
    ///
    /// A recording is a file anyone can edit, so a declaration is bounded (element counts, string
    /// sizes, total row size) and entries that make no sense are dropped and counted rather than
    /// trusted.
    public struct Declaration: Equatable, Sendable {
        /// Largest `count` accepted for one variable.
        public static let maxCount = 65_536
        /// Largest `size` accepted for a string variable.
        public static let maxStringSize = 65_536
        /// Largest row the declared variables may add up to.
        public static let maxRowBytes = 16 << 20

        public var variables: [VariableInfo] = []
        /// Per variable, its capacity in bytes when it is a string.
        public var stringSizes: [Int] = []
        /// Entries that were not valid variables (no name, unknown type, count out of range, repeated).
        public var dropped = 0

        public var declarations: [VariableDeclaration] {
            zip(variables, stringSizes).map { VariableDeclaration($0, stringCapacity: $1) }
        }

        /// Reads the `variables` array of a declare line.
        public init(_ bytes: UnsafeRawBufferPointer, variables range: Range<Int>) throws {
            var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: bytes[range]))
            var names = Set<String>()
            var rowBytes = 0
            try scanner.forEachElement { scanner, _ in
                guard case let .object(members) = try scanner.parseValue() else {
                    dropped += 1
                    return
                }
                let entry = JSONValue.object(members)
                guard let name = entry["name"]?.stringValue, !name.isEmpty, !names.contains(name),
                    let type = entry["type"]?.stringValue.flatMap(VariableType.init(rawValue:))
                else {
                    dropped += 1
                    return
                }
                let count = entry["count"]?.intValue ?? 1
                let size = entry["size"]?.intValue ?? 32
                guard (1...Int64(Self.maxCount)).contains(count), type != .string || (1...Int64(Self.maxStringSize)).contains(size) else {
                    dropped += 1
                    return
                }
                rowBytes += type == .string ? Int(size) : type.elementSize * Int(count)
                guard rowBytes <= Self.maxRowBytes else { throw scanner.error("declared variables exceed \(Self.maxRowBytes) bytes per frame") }
                names.insert(name)
                variables.append(
                    VariableInfo(
                        name: name, type: type, count: type == .string ? 1 : Int(count), unit: entry["unit"]?.stringValue ?? "",
                        description: entry["desc"]?.stringValue ?? ""))
                stringSizes.append(type == .string ? Int(size) : 0)
            }
            try scanner.expectEnd()
        }
    }
}
