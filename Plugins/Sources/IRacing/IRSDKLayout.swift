import BrokerCore

/// The fixed sizes, offsets and names of the irsdk format (`irsdk_defines.h`), in one place so the
/// parser, the live reader and the tests agree on them.
public enum IRSDK {
    /// `irsdk_header`: 112 bytes at offset 0 of a live map and of an .ibt file.
    public static let headerSize = 112
    /// `irsdk_diskSubHeader`: 32 bytes right after the header, in .ibt files only.
    public static let diskSubHeaderSize = 32
    /// `irsdk_varHeader`: 144 bytes per variable.
    public static let variableHeaderSize = 144
    /// `IRSDK_MAX_BUFS`: row buffer slots in the header (the sim uses 3 live, 1 in .ibt).
    public static let maxBuffers = 4
    /// Offset of `varBuf[0]` in the header; each slot is 16 bytes (tickCount, bufOffset, pad).
    public static let bufferTableOffset = 48
    public static let bufferEntrySize = 16
    /// `irsdk_stConnected`, the bit of `status` that says the sim is writing the map.
    public static let connectedStatusBit: Int32 = 1
    /// Size of the live map (pyirsdk's `MEMMAPFILESIZE`; both real dumps have it).
    public static let liveMapSize = 1_191_936
    /// Names of the Windows objects the sim creates.
    public static let memoryMapName = "Local\\IRSDKMemMapFileName"
    public static let dataValidEventName = "Local\\IRSDKDataValidEvent"

    /// Field offsets inside `irsdk_varHeader`.
    enum VariableHeaderField {
        static let type = 0, offset = 4, count = 8, countAsTime = 12, name = 16, description = 48, unit = 112
        static let nameLength = 32, descriptionLength = 64, unitLength = 32
    }

    /// Field offsets inside `irsdk_header`.
    enum HeaderField {
        static let version = 0, status = 4, tickRate = 8, sessionInfoUpdate = 12, sessionInfoLength = 16
        static let sessionInfoOffset = 20, variableCount = 24, variableHeaderOffset = 28, bufferCount = 32, bufferLength = 36
    }
}

/// `irsdk_VarType`: how the bytes of one variable are to be read.
public enum IRSDKVarType: Int32, Sendable, CaseIterable {
    case char = 0, bool, int, bitField, float, double

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .char, .bool: return 1
        case .int, .bitField, .float: return 4
        case .double: return 8
        }
    }

    /// The broker's type for it: char arrays become strings.
    public var variableType: VariableType {
        switch self {
        case .char: return .string
        case .bool: return .bool
        case .int: return .int
        case .bitField: return .bitfield
        case .float: return .float
        case .double: return .double
        }
    }
}

/// One row buffer slot of the header: the tick it holds and where it sits.
public struct IRSDKBuffer: Sendable, Equatable {
    /// Increments with every row the sim writes; the largest one is the newest row.
    public var tickCount: Int32
    /// Byte offset of the row from the start of the map or file.
    public var offset: Int
}

/// `irsdk_header`, validated against the size of the region it came from.
public struct IRSDKHeader: Sendable, Equatable {
    public var version: Int32
    public var status: Int32
    /// Rows per second the sim writes (60).
    public var tickRate: Int
    /// Changes whenever the sim rewrites the session-info text (0 in .ibt files).
    public var sessionInfoUpdate: Int32
    /// Live: the capacity of the session-info area (NUL-padded); .ibt: the exact text length.
    public var sessionInfoLength: Int
    public var sessionInfoOffset: Int
    public var variableCount: Int
    public var variableHeaderOffset: Int
    /// Bytes per row.
    public var bufferLength: Int
    /// The `numBuf` slots in use.
    public var buffers: [IRSDKBuffer]

    public var isConnected: Bool { status & IRSDK.connectedStatusBit != 0 }

    /// The fields that fix where variables and rows are; when they change, the variable table must
    /// be read again.
    var layoutKey: [Int] {
        [variableCount, variableHeaderOffset, bufferLength] + buffers.map(\.offset)
    }
}

/// `irsdk_diskSubHeader`: what an .ibt file says about its recording.
public struct IRSDKDiskSubHeader: Sendable, Equatable {
    /// Unix seconds when the session started.
    public var sessionStartDate: Int64
    /// `SessionTime` of the first and last rows, in seconds.
    public var sessionStartTime: Double
    public var sessionEndTime: Double
    public var sessionLapCount: Int32
    /// Rows in the file (0 in a file the sim has not finished writing).
    public var sessionRecordCount: Int32
}

/// One variable the sim declares, with its place in a row and any repairs applied to it.
public struct IRSDKVariable: Sendable, Equatable {
    /// The name served to clients (the declared one, or the repaired one for misnamed shock vars).
    public var name: String
    public var description: String
    public var unit: String
    /// The type the bytes are read as (the declared type, unless the unit says it is wrong).
    public var type: IRSDKVarType
    public var declaredType: IRSDKVarType
    public var declaredName: String
    /// Byte offset inside a row (need not be aligned).
    public var offset: Int
    /// Elements (1 for a scalar; for `char`, the string capacity).
    public var count: Int
    /// Marks the 360 Hz sub-sample arrays (`*_ST`).
    public var countAsTime: Bool

    public var byteSize: Int { type.byteSize * count }

    /// The declaration the hub registers: the sim's own name, type, count, unit and description, at
    /// the sim's own offset, so rows are published exactly as the sim wrote them.
    public var declaration: VariableDeclaration {
        let info = VariableInfo(
            name: name, type: type.variableType, count: type == .char ? 1 : count, unit: unit, description: description)
        return VariableDeclaration(info, offset: offset, stringCapacity: type == .char ? count : 32)
    }

    /// Element `element` as a number (bools 0/1, bitfields unsigned), or nil when it is out of `row`.
    public func number(in row: UnsafeRawBufferPointer, element: Int = 0) -> Double? {
        guard element >= 0, element < count else { return nil }
        let at = offset + element * type.byteSize
        guard at >= 0, at + type.byteSize <= row.count else { return nil }
        switch type {
        case .char, .bool: return Double(row[at])
        case .int: return Double(row.loadUnaligned(fromByteOffset: at, as: Int32.self).littleEndian)
        case .bitField: return Double(row.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
        case .float: return Double(Float(bitPattern: row.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian))
        case .double: return Double(bitPattern: row.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian)
        }
    }

    /// Element `element` as an integer (for `int`, `bitField`, `bool`, `char`), nil otherwise.
    public func integer(in row: UnsafeRawBufferPointer, element: Int = 0) -> Int? {
        switch type {
        case .float, .double: return nil
        default: return number(in: row, element: element).map { Int($0) }
        }
    }
}

/// What a map or file declares: its header and its variables, after validation and repairs.
public struct IRSDKDescription: Sendable {
    public var header: IRSDKHeader
    public var variables: [IRSDKVariable]
    /// Repairs made and declarations skipped, one line each, for the log.
    public var notes: [String]
    private let indexByName: [String: Int]

    public init(header: IRSDKHeader, variables: [IRSDKVariable], notes: [String] = []) {
        self.header = header
        self.variables = variables
        self.notes = notes
        var index: [String: Int] = [:]
        for (i, variable) in variables.enumerated() where index[variable.name] == nil { index[variable.name] = i }
        indexByName = index
    }

    public func variable(named name: String) -> IRSDKVariable? {
        indexByName[name].map { variables[$0] }
    }

    public var declarations: [VariableDeclaration] { variables.map(\.declaration) }
}

/// Input that does not follow the irsdk layout: a bad offset, count or length, a truncated file.
///
/// The message names the field and the numbers involved, so a user can tell a truncated download
/// from a file that is not telemetry at all.
public struct IRSDKFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
