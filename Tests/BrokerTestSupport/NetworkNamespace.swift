import Foundation
import Synchronization
import Testing

/// A network namespace a test creates for itself, so broadcast and multicast never touch the
/// host's interfaces. Only `lo` exists inside; it is brought up on creation. Use it through
/// `withNetworkNamespace`, which stops what the test started inside and deletes the namespace.
public final class NetworkNamespace: Sendable {
    public let name: String
    public let ipTool: String
    private let started = Mutex<[ChildProcess]>([])

    /// Creates `udp-test-<pid>-<random>` with `lo` up; throws with `ip`'s own message on failure.
    init(ipTool: String) async throws {
        self.ipTool = ipTool
        name = "udp-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try await Self.run(ipTool, ["netns", "add", name])
        do {
            try await run(["link", "set", "lo", "up"])
        } catch {
            await tearDown()
            throw error
        }
    }

    /// `ip -n NAME <arguments>`.
    public func run(_ arguments: [String]) async throws {
        try await Self.run(ipTool, ["-n", name] + arguments)
    }

    /// Starts `command` inside the namespace (`ip netns exec` execs it, so the child is the
    /// command itself), with its output in the given files; it is stopped when the namespace goes.
    public func start(_ command: [String], stdout: URL, stderr: URL) -> ChildProcess {
        let child = ChildProcess([ipTool, "netns", "exec", name] + command, output: stdout.path, errors: stderr.path)
        started.withLock { $0.append(child) }
        return child
    }

    /// Stops every process started inside, then deletes the namespace.
    func tearDown() async {
        for child in started.withLock({ $0 }) { await child.stop(grace: 2) }
        try? await Self.run(ipTool, ["netns", "delete", name])
    }

    /// Runs a command to completion (at most 10 s); throws with its stderr when it fails.
    static func run(_ executable: String, _ arguments: [String]) async throws {
        let command = ([executable] + arguments).joined(separator: " ")
        let result = try await ChildProcess.run([executable] + arguments, timeout: 10)
        guard let status = result.status else { throw TestSetupError("\(command) did not finish within 10 s") }
        guard status == 0 else { throw TestSetupError("\(command) failed (\(status)): \(result.errors)") }
    }
}

/// Creates a network namespace for `body` (see `NetworkNamespace`); on every way out of `body`
/// stops what was started inside and deletes it. Needs root and `ip` (iproute2): without `ip`
/// the test is skipped, or fails under CI (see `Fixture`).
public func withNetworkNamespace<Value>(_ body: (NetworkNamespace) async throws -> Value) async throws -> Value {
    let ipTool = try Fixture.require("ip", install: "iproute2")
    return try await using(try await NetworkNamespace(ipTool: ipTool), stop: { await $0.tearDown() }, body)
}
