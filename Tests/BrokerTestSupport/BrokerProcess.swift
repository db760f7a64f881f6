import Foundation

/// The built `broker` executable running for an end-to-end test (a `ChildProcess`).
///
/// Use it through `withBroker`, which stops it on every path out of the test. Output goes to
/// temporary files (never a pipe that could fill and block the broker), removed at the end.
public final class BrokerProcess: Sendable {
    public let child: ChildProcess
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
    init(_ arguments: [String], directory: URL?, environment: [String: String], stderrAsJournal: Bool) async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("broker-\(UUID().uuidString)")
        stdoutPath = base.path + ".out"
        stderrPath = base.path + ".err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        var environment = Self.isolatedEnvironment.merging(environment) { $1 }
        if stderrAsJournal {
            var status = stat()
            guard stat(stderrPath, &status) == 0 else { throw CocoaError(.fileNoSuchFile) }
            environment["JOURNAL_STREAM"] = "\(status.st_dev):\(status.st_ino)"
        }
        child = ChildProcess(
            [Self.executable.path] + arguments, environment: environment, directory: directory, output: stdoutPath, errors: stderrPath)
        try await child.launched()
    }

    /// Starts a broker the caller stops itself: for a test that kills a broker and starts it again
    /// part-way (a driver's PC going away). Everything else uses `withBroker`.
    public static func start(_ arguments: [String], directory: URL? = nil, environment: [String: String] = [:]) async throws -> BrokerProcess {
        try await BrokerProcess(arguments, directory: directory, environment: environment, stderrAsJournal: false)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    public var stdout: String { ChildProcess.read(stdoutPath) }
    public var stderr: String { ChildProcess.read(stderrPath) }
    public var isRunning: Bool { child.isRunning }

    /// Sends SIGTERM (or another signal) to this broker.
    public func signal(_ signal: Int32 = SIGTERM) {
        child.signal(signal)
    }

    /// Waits up to `timeout` seconds for exit; returns the exit status, or nil if still running
    /// (in which case the broker is killed).
    @discardableResult
    public func wait(timeout: Double) async -> Int32? {
        if let status = await child.wait(timeout: timeout) { return status }
        child.signal(SIGKILL)
        return nil
    }

    /// Runs the broker with `arguments` to completion (bounded) and returns status and output.
    public static func run(_ arguments: [String], timeout: Double = 30, directory: URL? = nil) async throws -> ChildProcess.Completed {
        try await ChildProcess.run([executable.path] + arguments, timeout: timeout, environment: isolatedEnvironment, directory: directory)
    }
}

extension ChildProcess.Completed {
    /// The broker's standard output and error, under the names the CLI tests use.
    public var stdout: String { output }
    public var stderr: String { errors }
}

/// Runs the `broker` executable with `arguments` for `body`, and stops it (SIGTERM, SIGKILL after
/// 5 s) on every way out of `body`, a thrown error included.
public func withBroker<Value>(
    _ arguments: [String], directory: URL? = nil, environment: [String: String] = [:], stderrAsJournal: Bool = false,
    _ body: (BrokerProcess) async throws -> Value
) async throws -> Value {
    let broker = try await BrokerProcess(arguments, directory: directory, environment: environment, stderrAsJournal: stderrAsJournal)
    return try await using(broker, stop: { await $0.child.stop() }, body)
}
