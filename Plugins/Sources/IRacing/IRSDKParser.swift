import BrokerCore

/// Reads the irsdk layout out of a byte region: a live map, a memory file or an .ibt file.
///
/// Every count, offset and length is checked against the region before anything is read through it,
/// so malformed input gives an `IRSDKFormatError` naming the bad field, never an out-of-bounds read.
/// All integers are little-endian and loaded unaligned (row offsets are not aligned in real data).
public enum IRSDKParser {
    /// Bounds on header fields beyond "fits in the region", so garbage is called garbage early.
    static let maxVariables = 100_000
    static let maxTickRate = 10_000

    // MARK: - Header

    /// Reads and checks the header at the start of `bytes`. Offsets and lengths are checked against
    /// `regionSize` (default: `bytes.count`), so the header copied out of a larger map or file can be
    /// checked against the whole.
    public static func header(in bytes: UnsafeRawBufferPointer, regionSize: Int? = nil) throws -> IRSDKHeader {
        guard bytes.count >= IRSDK.headerSize else {
            throw IRSDKFormatError("only \(bytes.count) bytes: shorter than the \(IRSDK.headerSize)-byte irsdk header")
        }
        let available = regionSize ?? bytes.count
        typealias F = IRSDK.HeaderField
        let version = int32(bytes, F.version)
        guard version == 1 || version == 2 else {
            throw IRSDKFormatError(
                "not an irsdk header: version is \(version), expected 1 or 2 (the data is not iRacing telemetry, or it does not start at the header)")
        }
        let tickRate = Int(int32(bytes, F.tickRate))
        guard (1...maxTickRate).contains(tickRate) else {
            throw IRSDKFormatError("tickRate \(tickRate) is out of range (1...\(maxTickRate) rows per second)")
        }
        let variableCount = Int(int32(bytes, F.variableCount))
        guard (1...maxVariables).contains(variableCount) else {
            throw IRSDKFormatError("numVars \(variableCount) is out of range (1...\(maxVariables))")
        }
        let variableHeaderOffset = Int(int32(bytes, F.variableHeaderOffset))
        let tableEnd = variableHeaderOffset + variableCount * IRSDK.variableHeaderSize
        guard variableHeaderOffset >= 0, tableEnd <= available else {
            throw IRSDKFormatError(
                "the variable header table (varHeaderOffset \(variableHeaderOffset), \(variableCount) x \(IRSDK.variableHeaderSize) bytes, ending at \(tableEnd)) does not fit in the \(available) bytes available"
            )
        }
        let bufferCount = Int(int32(bytes, F.bufferCount))
        guard (1...IRSDK.maxBuffers).contains(bufferCount) else {
            throw IRSDKFormatError("numBuf \(bufferCount) is out of range (1...\(IRSDK.maxBuffers))")
        }
        let bufferLength = Int(int32(bytes, F.bufferLength))
        guard bufferLength >= 1, bufferLength <= available else {
            throw IRSDKFormatError("bufLen \(bufferLength) is out of range (1...\(available), the bytes available)")
        }
        var buffers: [IRSDKBuffer] = []
        for index in 0..<bufferCount {
            let entry = IRSDK.bufferTableOffset + index * IRSDK.bufferEntrySize
            let offset = Int(int32(bytes, entry + 4))
            guard offset >= 0, offset + bufferLength <= available else {
                throw IRSDKFormatError(
                    "row buffer \(index) at offset \(offset) with bufLen \(bufferLength) ends at \(offset + bufferLength), past the \(available) bytes available"
                )
            }
            buffers.append(IRSDKBuffer(tickCount: int32(bytes, entry), offset: offset))
        }
        let sessionInfoOffset = Int(int32(bytes, F.sessionInfoOffset))
        let sessionInfoLength = Int(int32(bytes, F.sessionInfoLength))
        guard sessionInfoOffset >= 0, sessionInfoLength >= 0, sessionInfoOffset + sessionInfoLength <= available else {
            throw IRSDKFormatError(
                "the session info (sessionInfoOffset \(sessionInfoOffset), sessionInfoLen \(sessionInfoLength)) does not fit in the \(available) bytes available"
            )
        }
        return IRSDKHeader(
            version: version, status: int32(bytes, F.status), tickRate: tickRate,
            sessionInfoUpdate: int32(bytes, F.sessionInfoUpdate), sessionInfoLength: sessionInfoLength,
            sessionInfoOffset: sessionInfoOffset, variableCount: variableCount, variableHeaderOffset: variableHeaderOffset,
            bufferLength: bufferLength, buffers: buffers)
    }

    /// The disk sub-header of an .ibt file (never present in a live map, where these bytes are text).
    public static func diskSubHeader(in bytes: UnsafeRawBufferPointer) throws -> IRSDKDiskSubHeader {
        let end = IRSDK.headerSize + IRSDK.diskSubHeaderSize
        guard bytes.count >= end else {
            throw IRSDKFormatError("only \(bytes.count) bytes: shorter than the header and disk sub-header (\(end) bytes)")
        }
        let base = IRSDK.headerSize
        return IRSDKDiskSubHeader(
            sessionStartDate: bytes.loadUnaligned(fromByteOffset: base, as: Int64.self).littleEndian,
            sessionStartTime: Double(bitPattern: bytes.loadUnaligned(fromByteOffset: base + 8, as: UInt64.self).littleEndian),
            sessionEndTime: Double(bitPattern: bytes.loadUnaligned(fromByteOffset: base + 16, as: UInt64.self).littleEndian),
            sessionLapCount: int32(bytes, base + 24),
            sessionRecordCount: int32(bytes, base + 28))
    }

    // MARK: - Variables

    /// Units that name an irsdk enumeration (read as int) or a set of flags (read as bitfield).
    /// Real data declares some of these with the other 4-byte type (`CarLeftRight` as bitfield in 2021,
    /// `CarIdxPaceFlags` as int in 2021); the unit tells the intended type.
    static let enumerationUnits: Set<String> = [
        "irsdk_SessionState", "irsdk_TrkLoc", "irsdk_TrkSurf", "irsdk_PitSvStatus", "irsdk_PaceMode",
        "irsdk_TrackWetness", "irsdk_CarLeftRight",
    ]
    static let flagUnits: Set<String> = [
        "irsdk_Flags", "irsdk_EngineWarnings", "irsdk_PitSvFlags", "irsdk_CameraState", "irsdk_PaceFlags",
        "irsdk_IncidentFlags",
    ]

    /// Reads, validates and repairs the variable header table that `header` points at.
    public static func description(in bytes: UnsafeRawBufferPointer, header: IRSDKHeader) throws -> IRSDKDescription {
        let start = header.variableHeaderOffset
        let end = start + header.variableCount * IRSDK.variableHeaderSize
        guard start >= 0, end <= bytes.count else {
            throw IRSDKFormatError("the variable header table (offset \(start), ending at \(end)) is past the \(bytes.count) bytes available")
        }
        return try description(table: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), header: header)
    }

    /// Reads the header and the variable table of a region by copying them out of it (so a region
    /// that shrinks meanwhile gives an error, never a read past its end).
    public static func description(of memory: some IRSDKSharedMemory) throws -> IRSDKDescription {
        let head = memory.copyBytes(from: 0, count: min(memory.size, IRSDK.headerSize))
        let header = try head.withUnsafeBytes { try Self.header(in: $0, regionSize: memory.size) }
        let tableLength = header.variableCount * IRSDK.variableHeaderSize
        let table = memory.copyBytes(from: header.variableHeaderOffset, count: tableLength)
        guard table.count == tableLength else {
            throw IRSDKFormatError(
                "the variable header table could not be read: the data ends \(tableLength - table.count) bytes early (it shrank while being read)")
        }
        return try table.withUnsafeBytes { try description(table: $0, header: header) }
    }

    /// Validates and repairs a variable header table: `table` holds exactly the `numVars` x 144 bytes
    /// `header` points at, copied out of their map or file.
    public static func description(table: UnsafeRawBufferPointer, header: IRSDKHeader) throws -> IRSDKDescription {
        var variables: [IRSDKVariable] = []
        var notes: [String] = []
        var seen = Set<String>()
        typealias V = IRSDK.VariableHeaderField
        for index in 0..<header.variableCount {
            let base = index * IRSDK.variableHeaderSize
            guard base + IRSDK.variableHeaderSize <= table.count else {
                throw IRSDKFormatError(
                    "variable header \(index) at offset \(header.variableHeaderOffset + base) is past the end of the \(table.count)-byte table")
            }
            let name = text(table, at: base + V.name, length: V.nameLength)
            guard !name.isEmpty else {
                throw IRSDKFormatError("variable header \(index) (at offset \(header.variableHeaderOffset + base)) has an empty name")
            }
            let rawType = int32(table, base + V.type)
            guard let declaredType = IRSDKVarType(rawValue: rawType) else {
                throw IRSDKFormatError("variable '\(name)' has unknown type \(rawType) (expected 0...5)")
            }
            let offset = Int(int32(table, base + V.offset))
            let count = Int(int32(table, base + V.count))
            guard count >= 1, count <= header.bufferLength else {
                throw IRSDKFormatError("variable '\(name)' has count \(count), expected 1...\(header.bufferLength)")
            }
            let end = offset + count * declaredType.byteSize
            guard offset >= 0, end <= header.bufferLength else {
                throw IRSDKFormatError(
                    "variable '\(name)' at row offset \(offset) (\(count) x \(declaredType.byteSize) bytes) ends at \(end), past the row length bufLen \(header.bufferLength)"
                )
            }
            let unit = text(table, at: base + V.unit, length: V.unitLength)
            var variable = IRSDKVariable(
                name: name, description: text(table, at: base + V.description, length: V.descriptionLength), unit: unit,
                type: declaredType, declaredType: declaredType, declaredName: name, offset: offset, count: count,
                countAsTime: table[base + V.countAsTime] != 0)
            if let fixed = correctedType(declared: declaredType, unit: unit) {
                variable.type = fixed
                notes.append("'\(name)' is declared \(declaredType) but its unit \(unit) says \(fixed): read as \(fixed)")
            }
            guard seen.insert(name).inserted else {
                notes.append("'\(name)' is declared twice: the second declaration (variable header \(index)) is ignored")
                continue
            }
            variables.append(variable)
        }
        renameMisnamedShockVariables(&variables, notes: &notes)
        return IRSDKDescription(header: header, variables: variables, notes: notes)
    }

    /// The header and the variable table together.
    public static func description(in bytes: UnsafeRawBufferPointer) throws -> IRSDKDescription {
        try description(in: bytes, header: header(in: bytes))
    }

    static func correctedType(declared: IRSDKVarType, unit: String) -> IRSDKVarType? {
        if declared == .bitField && enumerationUnits.contains(unit) { return .int }
        if declared == .int && flagUnits.contains(unit) { return .bitField }
        return nil
    }

    /// Some cars declare `LFSHshockDefl`, `CRSHshockVel_ST`...; the names every other car uses are
    /// `LFshockDefl`, `CRshockVel_ST`. Renamed unless the proper name is declared as well.
    static func renameMisnamedShockVariables(_ variables: inout [IRSDKVariable], notes: inout [String]) {
        let names = Set(variables.map(\.name))
        for index in variables.indices {
            let name = variables[index].name
            guard name.utf8.count > 9, name.dropFirst(2).hasPrefix("SHshock"),
                name.prefix(2).allSatisfy({ $0.isUppercase && $0.isASCII })
            else { continue }
            let proper = String(name.prefix(2)) + String(name.dropFirst(4))
            guard !names.contains(proper) else { continue }
            variables[index].name = proper
            notes.append("'\(name)' is served as '\(proper)', the name other cars use")
        }
    }

    // MARK: - Session info

    /// A copy of the session-info text `header` points at, up to the first NUL; nil when the region
    /// no longer holds the whole area (it shrank).
    public static func sessionInfoBytes(of memory: some IRSDKSharedMemory, header: IRSDKHeader) -> [UInt8]? {
        let area = memory.copyBytes(from: header.sessionInfoOffset, count: header.sessionInfoLength)
        guard area.count == header.sessionInfoLength else { return nil }
        return Array(area[..<(area.firstIndex(of: 0) ?? area.endIndex)])
    }

    // MARK: - Primitive reads

    /// A little-endian int32 at `offset`; callers have checked that the 4 bytes are in `bytes`.
    @inline(__always)
    static func int32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Int32 {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "irsdk read out of bounds")
        return bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self).littleEndian
    }

    /// A NUL-terminated string field: UTF-8 when valid, else Windows-1252.
    static func text(_ bytes: UnsafeRawBufferPointer, at offset: Int, length: Int) -> String {
        let field = bytes[offset..<(offset + length)]
        return TextDecoding.utf8OrWindows1252(field[..<(field.firstIndex(of: 0) ?? field.endIndex)])
    }
}
