/// The value types a telemetry variable can have, as clients see them.
///
/// They mirror iRacing's `irsdk_VarType` (char arrays become `string`), so iRacing's declarations map
/// one to one and every other sim maps onto the same small set.
public enum VariableType: String, Sendable, CaseIterable, Codable {
    case bool, int, bitfield, float, double, string

    /// Bytes one element occupies in a frame row (for `string`, one byte per character).
    public var elementSize: Int {
        switch self {
        case .bool, .string: return 1
        case .int, .bitfield, .float: return 4
        case .double: return 8
        }
    }
}

/// What the broker knows about one variable: its name, shape, unit and meaning.
///
/// Catalogue entries come from `VariableCatalogue`; a source that declares a variable the catalogue
/// lacks registers it with the sim's own metadata.
public struct VariableInfo: Sendable, Equatable {
    public var name: String
    public var type: VariableType
    /// Array length (1 for scalars). For `string`, the capacity in bytes is `byteWidth`.
    public var count: Int
    public var unit: String
    public var description: String
    /// The plausible range of the value, used by the mock source and by dashboards for bar scales.
    public var range: ClosedRange<Double>?

    public init(
        name: String, type: VariableType, count: Int = 1, unit: String = "", description: String = "",
        range: ClosedRange<Double>? = nil
    ) {
        self.name = name
        self.type = type
        self.count = count
        self.unit = unit
        self.description = description
        self.range = range
    }

    /// The catalogue entry as JSON, in the shape of the `vars` reply (without `sources`).
    public func jsonFields() -> [(String, JSONValue)] {
        [
            ("name", .string(name)), ("type", .string(type.rawValue)), ("count", .int(Int64(count))),
            ("unit", .string(unit)), ("desc", .string(description)),
        ]
    }
}

/// A registry handle for a variable: dense, so frames can index tables by it.
public struct VariableID: Hashable, Sendable, Comparable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static func < (a: VariableID, b: VariableID) -> Bool { a.rawValue < b.rawValue }
}
