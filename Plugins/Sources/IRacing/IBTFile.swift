/// An iRacing disk telemetry file (.ibt): header, disk sub-header, variables, session info and
/// `sessionRecordCount` rows of `bufLen` bytes back to back from `varBuf[0].bufOffset`.
///
/// Opening validates everything a replay will read, so a truncated or foreign file is refused up
/// front with a message that says what is wrong. Rows are then copied out one at a time; a file cut
/// short while it is replayed makes `row(_:)` throw instead of reading past its end.
public struct IBTFile: Sendable {
    public let path: String
    public let description: IRSDKDescription
    public let diskHeader: IRSDKDiskSubHeader
    /// Offset of the first row.
    public let firstRowOffset: Int
    public let rowCount: Int
    /// Set when the sub-header's record count was 0 (a file the sim had not finished) and the rows
    /// were counted from the file size instead.
    public let rowCountFromFileSize: Bool
    private let storage: any IRSDKSharedMemory & Sendable
    /// The file on disk, when the bytes came from one (not from memory).
    private let file: TelemetryFile?

    /// Opens and validates the file at `path`.
    public init(path: String) throws {
        let file = try TelemetryFile(path: path)
        do {
            try self.init(storage: file, path: path)
        } catch let error as IRSDKFormatError {
            throw IRSDKFormatError("\(path): \(error.message)")
        }
    }

    /// Validates .ibt bytes (a file, or bytes already in memory); `path` only names them in messages.
    public init(storage: any IRSDKSharedMemory & Sendable, path: String) throws {
        self.storage = storage
        self.path = path
        file = storage as? TelemetryFile
        let size = storage.size
        let head = storage.copyBytes(from: 0, count: min(size, IRSDK.headerSize + IRSDK.diskSubHeaderSize))
        let header = try head.withUnsafeBytes { try IRSDKParser.header(in: $0, regionSize: size) }
        diskHeader = try head.withUnsafeBytes { try IRSDKParser.diskSubHeader(in: $0) }
        description = try IRSDKParser.description(of: storage)
        firstRowOffset = header.buffers[0].offset
        let rowLength = header.bufferLength
        let available = (size - firstRowOffset) / rowLength
        let declared = Int(diskHeader.sessionRecordCount)
        guard declared >= 0 else {
            throw IRSDKFormatError("sessionRecordCount \(declared) is negative")
        }
        if declared == 0 {
            rowCount = available
            rowCountFromFileSize = true
        } else {
            guard declared <= available else {
                let expected = firstRowOffset + declared * rowLength
                throw IRSDKFormatError(
                    "truncated: the header promises \(declared) rows of \(rowLength) bytes from offset \(firstRowOffset) (\(expected) bytes in all) but the file has \(size) bytes (\(available) whole rows)"
                )
            }
            rowCount = declared
            rowCountFromFileSize = false
        }
        guard rowCount > 0 else { throw IRSDKFormatError("the file holds no telemetry rows") }
    }

    public var header: IRSDKHeader { description.header }

    /// A copy of row `index` (0 ..< rowCount), ready to publish as a frame. Throws when the file no
    /// longer holds it (it was cut short while being replayed).
    public func row(_ index: Int) throws -> [UInt8] {
        precondition(index >= 0 && index < rowCount, "row \(index) out of 0..<\(rowCount)")
        let row = storage.copyBytes(from: firstRowOffset + index * header.bufferLength, count: header.bufferLength)
        guard row.count == header.bufferLength else {
            throw IRSDKFormatError("\(path): row \(index) of \(rowCount) could not be read: the file was cut short while being replayed")
        }
        return row
    }

    /// Calls `body` with the bytes of row `index`.
    public func withRow<T>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try row(index).withUnsafeBytes(body)
    }

    /// The session-info text bytes (up to the first NUL); empty when the file no longer holds them.
    public var sessionInfoBytes: [UInt8] {
        IRSDKParser.sessionInfoBytes(of: storage, header: header) ?? []
    }

    /// Why the file on disk can no longer be replayed as it was opened (removed, replaced by another,
    /// or shorter than its rows), nil while it can. Bytes from memory always can.
    public func problem() -> String? {
        guard let file, let change = file.change() else { return nil }
        if case let .resized(size) = change, size >= firstRowOffset + rowCount * header.bufferLength { return nil }
        return "\(path): \(change)"
    }
}
