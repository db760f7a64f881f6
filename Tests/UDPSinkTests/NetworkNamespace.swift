import Foundation

/// A network namespace a test creates for itself, so broadcast and multicast never touch the
/// host's interfaces. Only `lo` exists inside; it is brought up on creation. Delete it when done.
final class NetworkNamespace: @unchecked Sendable {
    let name: String
    let ipTool: String

    /// `ip` from iproute2, looked up in PATH and the usual sbin folders.
    static var ipToolPath: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return folders.map { $0 + "/ip" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Creates `udp-test-<pid>-<random>` with `lo` up; throws with `ip`'s own message on failure.
    init(ipTool: String) throws {
        self.ipTool = ipTool
        name = "udp-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try Self.run(ipTool, ["netns", "add", name])
        do {
            try run(["link", "set", "lo", "up"])
        } catch {
            delete()
            throw error
        }
    }

    /// `ip -n NAME <arguments>`.
    func run(_ arguments: [String]) throws {
        try Self.run(ipTool, ["-n", name] + arguments)
    }

    /// Starts `command` inside the namespace (`ip netns exec` execs it, so the process's PID is
    /// the command's own), with its output in the given files.
    func start(_ command: [String], stdout: URL, stderr: URL) throws -> Process {
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ipTool)
        process.arguments = ["netns", "exec", name] + command
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    func delete() {
        try? Self.run(ipTool, ["netns", "delete", name])
    }

    /// Runs a command to completion (at most 10 s); throws with its stderr when it fails.
    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            throw NamespaceError("\(executable) \(arguments.joined(separator: " ")) did not finish within 10 s")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw NamespaceError("\(executable) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(message)")
        }
    }
}

struct NamespaceError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
