/// An iRacing disk telemetry file (.ibt): header, disk sub-header, variables, session info and
/// `sessionRecordCount` rows of `bufLen` bytes back to back from `varBuf[0].bufOffset`.
///
/// Opening validates everything a replay will read, so a truncated or foreign file is refused up
/// front with a message that says what is wrong, and rows can then be read without further checks.
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

    /// Maps and validates the file at `path`.
    public init(path: String) throws {
        let storage = try MappedFile(path: path)
        do {
            try self.init(storage: storage, path: path)
        } catch let error as IRSDKFormatError {
            throw IRSDKFormatError("\(path): \(error.message)")
        }
    }

    /// Validates .ibt bytes already in memory; `path` only names them in messages.
    public init(storage: any IRSDKSharedMemory & Sendable, path: String) throws {
        self.storage = storage
        self.path = path
        let bytes = storage.bytes
        let header = try IRSDKParser.header(in: bytes)
        diskHeader = try IRSDKParser.diskSubHeader(in: bytes)
        description = try IRSDKParser.description(in: bytes, header: header)
        firstRowOffset = header.buffers[0].offset
        let rowLength = header.bufferLength
        let available = (bytes.count - firstRowOffset) / rowLength
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
                    "truncated: the header promises \(declared) rows of \(rowLength) bytes from offset \(firstRowOffset) (\(expected) bytes in all) but the file has \(bytes.count) bytes (\(available) whole rows)")
            }
            rowCount = declared
            rowCountFromFileSize = false
        }
        guard rowCount > 0 else { throw IRSDKFormatError("the file holds no telemetry rows") }
    }

    public var header: IRSDKHeader { description.header }

    /// Calls `body` with the bytes of row `index` (0 ..< rowCount) in place, without copying.
    public func withRow<T>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        precondition(index >= 0 && index < rowCount, "row \(index) out of 0..<\(rowCount)")
        let start = firstRowOffset + index * header.bufferLength
        return try body(UnsafeRawBufferPointer(rebasing: storage.bytes[start..<(start + header.bufferLength)]))
    }

    /// A copy of row `index`, ready to publish as a frame.
    public func row(_ index: Int) -> [UInt8] {
        withRow(index) { Array($0) }
    }

    /// The session-info text bytes (up to the first NUL).
    public var sessionInfoBytes: [UInt8] {
        IRSDKParser.sessionInfoBytes(in: storage.bytes, header: header)
    }
}
