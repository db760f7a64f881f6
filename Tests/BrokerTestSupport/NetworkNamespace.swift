import Foundation

/// A network namespace a test creates for itself, so broadcast and multicast never touch the
/// host's interfaces. Only `lo` exists inside; it is brought up on creation. Delete it when done.
public final class NetworkNamespace: @unchecked Sendable {
    public let name: String
    public let ipTool: String

    /// `ip` from iproute2, looked up in PATH and the usual sbin folders.
    public static var ipToolPath: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return folders.map { $0 + "/ip" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Creates `udp-test-<pid>-<random>` with `lo` up; throws with `ip`'s own message on failure.
    public init(ipTool: String) throws {
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
    public func run(_ arguments: [String]) throws {
        try Self.run(ipTool, ["-n", name] + arguments)
    }

    /// Starts `command` inside the namespace (`ip netns exec` execs it, so the process's PID is
    /// the command's own), with its output in the given files.
    public func start(_ command: [String], stdout: URL, stderr: URL) throws -> Process {
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

    /// A command's path from PATH (and the usual bin folders), for what runs inside a namespace.
    public static func pathLookup(_ command: String) -> String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return folders.map { "\($0)/\(command)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Ends a process the test started in the namespace, by its own PID, and reaps it.
    public static func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func delete() {
        try? Self.run(ipTool, ["netns", "delete", name])
    }

    /// Runs a command to completion (at most 10 s); throws with its stderr when it fails.
    public static func run(_ executable: String, _ arguments: [String]) throws {
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

public struct NamespaceError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
