import Foundation

/// Runs the built `broker` executable for end-to-end tests and cleans up after itself.
///
/// Output goes to temporary files (never a pipe that could fill and block the broker). Only the
/// process this object started is ever signalled, by its own PID.
public final class BrokerProcess: @unchecked Sendable {
    public let process = Process()
    public let stdoutPath: String
    public let stderrPath: String

    /// The `broker` binary next to the test bundle (the same build), else under `.build/debug`.
    public static var executable: URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("broker")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return TestData.packageRoot.appendingPathComponent(".build/debug/broker")
    }

    /// Points D-Bus at nowhere, so a WebSocket sink with mDNS on cannot reach a host's avahi-daemon
    /// and advertise on the host's interfaces; tests of mDNS itself use their own namespace.
    public static let isolatedEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/nonexistent/broker-tests-no-dbus"]

    /// With `stderrAsJournal`, the broker is told (as systemd tells a service) that its standard
    /// error is the journal: `JOURNAL_STREAM` names the stderr file's device and inode.
    public init(_ arguments: [String], directory: URL? = nil, environment: [String: String] = [:], stderrAsJournal: Bool = false) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("broker-\(UUID().uuidString)")
        stdoutPath = base.path + ".out"
        stderrPath = base.path + ".err"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = Self.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = environment
        if stderrAsJournal {
            var status = stat()
            guard stat(stderrPath, &status) == 0 else { throw CocoaError(.fileNoSuchFile) }
            environment["JOURNAL_STREAM"] = "\(status.st_dev):\(status.st_ino)"
        }
        process.environment = ProcessInfo.processInfo.environment.merging(Self.isolatedEnvironment.merging(environment) { $1 }) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM (or another signal) to this process.
    public func signal(_ signal: Int32 = SIGTERM) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits up to `timeout` seconds for exit; returns the exit status, or nil if still running
    /// (in which case the process is killed).
    @discardableResult
    public func wait(timeout: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    /// Runs the broker with `arguments` to completion (bounded) and returns status and output.
    public static func run(_ arguments: [String], timeout: Double = 30, directory: URL? = nil) async throws -> (status: Int32?, stdout: String, stderr: String) {
        let process = try BrokerProcess(arguments, directory: directory)
        let status = await process.wait(timeout: timeout)
        return (status, process.stdout, process.stderr)
    }
}
