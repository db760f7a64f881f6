/// Where one variable sits inside a frame row.
public struct FrameField: Sendable {
    public let variable: VariableID
    public let name: String
    public let type: VariableType
    /// Elements (1 for a scalar; for `string`, 1).
    public let count: Int
    /// Byte offset of the first element in the row. Need not be aligned.
    public let offset: Int
    /// Total bytes the field occupies in the row.
    public let byteSize: Int
    /// `"Name":` as UTF-8, precomputed so encoders copy it instead of escaping it per frame.
    public let jsonKey: [UInt8]

    var placement: FieldPlacement { FieldPlacement(type: type, count: count, offset: offset, byteSize: byteSize) }
}

/// Where a field's value sits in a row and how to read it: what encoders need of a `FrameField`,
/// without its strings, so encoding loops copy it with no reference counting.
struct FieldPlacement {
    let type: VariableType
    let count: Int
    let offset: Int
    let byteSize: Int

    /// The most bytes the value's JSON can take (`null` included).
    var maxJSONLength: Int {
        let element: Int
        switch type {
        case .string: return max(4, JSONCursor.maxStringLength(utf8Count: byteSize))  // a byte may decode to 3, or escape to 6
        case .bool: element = 5
        case .int: element = 11
        case .bitfield: element = 10
        case .float: element = JSONCursor.maxFloatLength
        case .double: element = JSONCursor.maxDoubleLength
        }
        return count == 1 ? element : 2 + count * (element + 1)
    }
}

/// One variable a source declares, with its place in the source's row if the source has one.
public struct VariableDeclaration: Sendable {
    public var info: VariableInfo
    /// Byte offset in the row; nil lets the layout pack fields one after another.
    public var offset: Int?
    /// Bytes for a `string` variable (its capacity); ignored for other types.
    public var stringCapacity: Int

    public init(_ info: VariableInfo, offset: Int? = nil, stringCapacity: Int = 32) {
        self.info = info
        self.offset = offset
        self.stringCapacity = stringCapacity
    }
}

/// The shape of a source's frames: which variables a row holds and where.
///
/// A source declares its variables once (and again whenever the set changes, e.g. the sim restarts
/// with another car); every frame it publishes then carries a flat byte row in this layout. Rows in
/// the irsdk layout are copied straight from the sim's memory; other sources fill them with
/// `FrameRow`. Encoders look fields up by variable id through a dense table.
public final class FrameLayout: Sendable {
    public let fields: [FrameField]
    public let rowSize: Int
    private let fieldIndexByVariable: [Int32]
    private let fieldIndexByName: [String: Int]

    /// Builds a layout, registering every declared variable in `registry` as provided by `sourceID`.
    /// Fields with no explicit offset are packed after the last byte used.
    public init(declaring declarations: [VariableDeclaration], registry: VariableRegistry, sourceID: String, rowSize: Int? = nil) {
        var fields: [FrameField] = []
        var end = 0
        var seen = Set<String>()
        for declaration in declarations where seen.insert(declaration.info.name).inserted {
            let info = declaration.info
            let byteSize = info.type == .string ? declaration.stringCapacity : info.type.elementSize * max(info.count, 1)
            let offset = declaration.offset ?? end
            let id = registry.register(info, providedBy: sourceID)
            var key = JSONWriter(capacity: info.name.utf8.count + 3)
            key.key(info.name)
            fields.append(
                FrameField(
                    variable: id, name: info.name, type: info.type, count: info.type == .string ? 1 : max(info.count, 1),
                    offset: offset, byteSize: byteSize, jsonKey: key.bytes))
            end = max(end, offset + byteSize)
        }
        self.fields = fields
        self.rowSize = max(rowSize ?? end, end)
        var table = [Int32](repeating: -1, count: Int((fields.map(\.variable.rawValue).max() ?? -1) + 1))
        var byName: [String: Int] = [:]
        for (index, field) in fields.enumerated() {
            table[Int(field.variable.rawValue)] = Int32(index)
            byName[field.name] = index
        }
        fieldIndexByVariable = table
        fieldIndexByName = byName
    }

    @inlinable
    public func fieldIndex(of variable: VariableID) -> Int? {
        fieldIndex(rawVariable: Int(variable.rawValue))
    }

    @usableFromInline
    func fieldIndex(rawVariable: Int) -> Int? {
        guard rawVariable < fieldIndexByVariable.count else { return nil }
        let index = fieldIndexByVariable[rawVariable]
        return index < 0 ? nil : Int(index)
    }

    public func fieldIndex(named name: String) -> Int? { fieldIndexByName[name] }
}
