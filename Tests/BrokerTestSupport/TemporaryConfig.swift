import Foundation

/// A config file in a folder of its own under the temporary directory, for tests that run the
/// `broker` binary; `remove()` deletes the folder (call it in a `defer`).
public struct TemporaryConfig: Sendable {
    public let directory: URL
    /// The config file's path, for `--config`.
    public let path: String

    public init(_ text: String, prefix: String = "broker-test") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("config.yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
