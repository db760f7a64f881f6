import Foundation

/// One line of a recording, located in the reader's buffer.
struct RecordingLineSlice {
    /// Where the line's bytes sit in the reader's buffer (valid until the next `next()`).
    var range: Range<Int>
    /// 1-based line number in the file.
    var number: Int
    /// False for a last line with no newline after it (a recording cut off mid-write).
    var terminated: Bool
    /// True for a line longer than the reader's limit; its bytes were dropped.
    var tooLong: Bool
}

/// An error reading a recording file, with the file's path and the system's reason.
struct RecordingFileError: Error, CustomStringConvertible {
    var description: String
}

/// Reads a recording file line by line, in large blocks, without loading the whole file.
///
/// Recordings of long races run to gigabytes, so the reader keeps one block in memory and hands
/// out lines as ranges of its buffer. A line longer than `maxLineBytes` (a file with no newlines)
/// is dropped and reported as too long instead of growing the buffer without bound.
final class RecordingLineReader {
    /// The longest line kept; longer ones are dropped and reported.
    static let maxLineBytes = 64 << 20

    let path: String
    private let descriptor: Int32
    private let maxLineBytes: Int
    private static let blockSize = 1 << 20
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    /// Where the search for the next newline resumes (everything before it in the line has none).
    private var scanned = 0
    private var atEndOfFile = false
    private var discardingLongLine = false
    private var lineNumber = 0
    /// Bytes of the file handed out as lines so far.
    private(set) var bytesRead = 0

    /// Opens `path` for reading; throws with the system's reason (no such file, permission...).
    init(path: String, maxLineBytes: Int = RecordingLineReader.maxLineBytes) throws {
        self.path = path
        self.maxLineBytes = maxLineBytes
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RecordingFileError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw RecordingFileError(description: "cannot open \(path): it is a directory")
        }
        descriptor = fd
        buffer = [UInt8](repeating: 0, count: Self.blockSize)
    }

    deinit {
        close(descriptor)
    }

    /// Goes back to the first line (for another pass of a looping replay).
    func rewind() throws {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw RecordingFileError(description: "cannot rewind \(path): \(String(cString: strerror(errno)))")
        }
        start = 0
        end = 0
        scanned = 0
        atEndOfFile = false
        discardingLongLine = false
        lineNumber = 0
        bytesRead = 0
    }

    /// The next line, or nil at the end of the file.
    func next() throws -> RecordingLineSlice? {
        while true {
            if let newline = findNewline() {
                let range = start..<newline
                bytesRead += newline + 1 - start
                start = newline + 1
                scanned = start
                lineNumber += 1
                if discardingLongLine {
                    discardingLongLine = false
                    return RecordingLineSlice(range: range.lowerBound..<range.lowerBound, number: lineNumber, terminated: true, tooLong: true)
                }
                return RecordingLineSlice(range: range, number: lineNumber, terminated: true, tooLong: false)
            }
            scanned = end
            if atEndOfFile {
                guard start < end || discardingLongLine else { return nil }
                let range = start..<end
                bytesRead += end - start
                start = end
                lineNumber += 1
                let tooLong = discardingLongLine
                discardingLongLine = false
                return RecordingLineSlice(range: tooLong ? start..<start : range, number: lineNumber, terminated: false, tooLong: tooLong)
            }
            try fill()
        }
    }

    /// Calls `body` with the bytes of `line` (valid only during the call).
    func withBytes<T>(of line: RecordingLineSlice, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[line.range])) }
    }

    private func findNewline() -> Int? {
        guard scanned < end else { return nil }
        return buffer.withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress, let found = memchr(base + scanned, 0x0A, end - scanned) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
    }

    /// Reads another block, first making room: drops consumed bytes, and drops the partial line
    /// itself once it exceeds the limit.
    private func fill() throws {
        if end - start >= maxLineBytes {
            discardingLongLine = true
            bytesRead += end - start
            start = 0
            end = 0
        } else if start > 0 {
            let pending = end - start
            buffer.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                memmove(base, base + start, pending)
            }
            start = 0
            end = pending
        }
        scanned = end
        if buffer.count - end < Self.blockSize / 2 {
            buffer.append(contentsOf: repeatElement(0, count: Self.blockSize))
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(descriptor, base + end, raw.count - end)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw RecordingFileError(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { atEndOfFile = true } else { end += count }
            return
        }
    }
}
