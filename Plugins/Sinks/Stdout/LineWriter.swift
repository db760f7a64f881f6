import Dispatch
import Foundation

/// Writes whole lines to a file descriptor off the cooperative thread pool.
///
/// A terminal or pipe that is not being read blocks `write(2)`; doing that on a dedicated queue
/// keeps the broker's other work running, and awaiting each batch keeps memory bounded (the sink's
/// feed keeps only the newest frame meanwhile). Each line goes out with as few `write` calls as
/// the kernel allows, so a reader never sees half a line from us followed by someone else's output.
final class LineWriter: @unchecked Sendable {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let queue = DispatchQueue(label: "broker.stdout-sink.writer")
    private var failed = false

    /// Standard output.
    init() {
        descriptor = 1
        ownsDescriptor = false
    }

    /// Appends to `path`, creating it if needed.
    init(appendingTo path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LineWriterError(message: "cannot open \(path) for appending: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        ownsDescriptor = true
    }

    /// Writes `bytes` (one or more complete lines); returns false once writing has failed.
    func write(_ bytes: [UInt8]) async -> Result<Void, LineWriterError> {
        await withCheckedContinuation { continuation in
            queue.async { [self] in continuation.resume(returning: writeAll(bytes)) }
        }
    }

    private func writeAll(_ bytes: [UInt8]) -> Result<Void, LineWriterError> {
        if failed { return .failure(LineWriterError(message: "output closed")) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                failed = true
                return .failure(LineWriterError(message: String(cString: strerror(errno))))
            }
            offset += written
        }
        return .success(())
    }

    /// Flushes to disk (files only) and closes.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                if ownsDescriptor {
                    fsync(descriptor)
                    Foundation.close(descriptor)
                }
                continuation.resume()
            }
        }
    }
}

struct LineWriterError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
