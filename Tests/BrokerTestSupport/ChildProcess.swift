import Foundation
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A program a test runs beside it (the broker, Mosquitto, `mosquitto_sub`, `ip`, Python, a
/// browser), started through swift-subprocess and only ever signalled as that one child.
///
/// swift-subprocess starts the child with no signals blocked and default handlers (the test
/// runner's threads block SIGTERM, and a child inheriting that could not be stopped), and hands it
/// out only inside the closure of its `run`. A test needs it longer: it signals the child, asks
/// whether it has exited, or stops it between other awaits. So that closure stays open in a task
/// of its own and serves those requests until `stop` (or until the object is released, which
/// kills the child). Output goes to files, never to a pipe a grandchild could hold open.
///
/// One thing swift-subprocess does not offer is written here: whether the child has exited while
/// that closure still runs (`exitStatus`, a `waitid` that peeks without reaping; the child is
/// reaped only once the closure returns, so its PID cannot be reused before). Children still
/// running when the test process exits (a teardown that never ran) are killed then.
public final class ChildProcess: Sendable {
    /// What a test asks of the running child.
    private enum Request: Sendable {
        case signal(Int32)
        case stop(grace: Double)
    }

    private enum State: Sendable {
        case launching
        case running(pid_t)
        /// The closure has returned and the child is about to be reaped: its PID must not be used.
        case reaping
        /// `run` has returned: the child is reaped (or never started).
        case finished(status: Int32?, launchError: String?)
    }

    public let command: [String]
    private let requests: AsyncStream<Request>.Continuation
    private let state: StateBox
    private let runner: Task<Void, Never>

    /// Starts `command` (its first element a path, or a name looked up in PATH), with `environment`
    /// added to this process's, in `directory`, standard output and error appended to the given
    /// files (or discarded). Launching happens in the background: `launched()` reports its failure.
    public init(_ command: [String], environment: [String: String] = [:], directory: URL? = nil, output: String? = nil, errors: String? = nil) {
        precondition(!command.isEmpty, "a command needs a program")
        self.command = command
        let (stream, continuation) = AsyncStream<Request>.makeStream()
        let state = StateBox()
        requests = continuation
        self.state = state
        let executable: Executable = command[0].contains("/") ? .path(FilePath(command[0])) : .name(command[0])
        var updates: [Environment.Key: String?] = [:]
        for (key, value) in environment {
            if let key = Environment.Key(rawValue: key) { updates[key] = value }
        }
        let configuration = Configuration(
            executable: executable, arguments: Arguments(Array(command.dropFirst())), environment: .inherit.updating(updates),
            workingDirectory: directory.map { FilePath($0.path) })
        runner = Task {
            var status: Int32?
            var launchError: String?
            do {
                let result = try await Subprocess.run(
                    configuration, input: .none, output: .fileDescriptor(try Self.open(output), closeAfterSpawningProcess: true),
                    error: .fileDescriptor(try Self.open(errors), closeAfterSpawningProcess: true)
                ) { execution in
                    let pid = execution.processIdentifier.value
                    Self.unreaped.withLock { _ = $0.insert(pid) }
                    _ = Self.killUnreapedAtExit
                    state.set(.running(pid))
                    await Self.serve(stream, execution: execution)
                    state.set(.reaping)
                    Self.unreaped.withLock { _ = $0.remove(pid) }
                }
                status = Self.code(result.terminationStatus)
            } catch {
                launchError = "cannot run \(command.joined(separator: " ")): \(error)"
            }
            state.set(.finished(status: status, launchError: launchError))
        }
    }

    deinit {
        requests.finish()
    }

    /// The PIDs of the children started and not yet reaped.
    private static let unreaped = Mutex<Set<pid_t>>([])
    private static let killUnreapedAtExit: Bool = {
        atexit {
            for pid in ChildProcess.unreaped.withLock({ $0 }) { kill(pid, SIGKILL) }
        }
        return true
    }()

    /// Waits until the child is started; throws when it could not be (no such program...).
    public func launched() async throws {
        await waitUntil(timeout: 30) {
            if case .launching = state.value { return false }
            return true
        }
        if case .finished(_, let launchError?) = state.value { throw TestSetupError(launchError) }
    }

    /// The exit status (128 + the signal when a signal ended it), or nil while it runs.
    public var exitStatus: Int32? {
        state.withValue { value in
            switch value {
            case .launching, .reaping: return nil
            case .finished(let status, _): return status ?? -1
            case .running(let pid): return Self.peekExit(pid)
            }
        }
    }

    public var isRunning: Bool { exitStatus == nil }

    /// The child's PID while it runs (not reaped yet), else nil.
    public var pid: pid_t? {
        if case .running(let pid) = state.value { return pid }
        return nil
    }

    /// Sends `signal` to the child (if it still runs).
    public func signal(_ signal: Int32) {
        requests.yield(.signal(signal))
    }

    /// Waits up to `timeout` seconds for the child to exit by itself; its status, or nil if it still runs.
    @discardableResult
    public func wait(timeout: Double) async -> Int32? {
        await waitUntil(timeout: timeout) { !isRunning }
        return exitStatus
    }

    /// SIGTERM, then SIGKILL after `grace` seconds; returns the exit status once the child is reaped.
    @discardableResult
    public func stop(grace: Double = 5) async -> Int32? {
        requests.yield(.stop(grace: grace))
        requests.finish()
        await runner.value
        return exitStatus
    }

    /// `stop` for callers that cannot await (Mosquitto's synchronous API): SIGTERM, SIGKILL after
    /// `grace` seconds, blocking until the child has exited; the reaping follows in the background.
    public func terminate(grace: Double = 5) {
        requests.yield(.stop(grace: grace))
        requests.finish()
        let deadline = Date().addingTimeInterval(grace + 5)
        while isRunning && Date() < deadline { usleep(5_000) }
    }

    /// What a program printed and how it ended, when run to completion.
    public struct Completed: Sendable {
        /// The exit status, or nil when it had to be stopped at the timeout.
        public var status: Int32?
        public var output: String
        public var errors: String
    }

    /// Runs `command` to its end; after `timeout` seconds stops it (SIGTERM, SIGKILL 3 s later).
    public static func run(
        _ command: [String], timeout: Double, environment: [String: String] = [:], directory: URL? = nil
    ) async throws -> Completed {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)").path
        defer {
            unlink(base + ".out")
            unlink(base + ".err")
        }
        let child = ChildProcess(command, environment: environment, directory: directory, output: base + ".out", errors: base + ".err")
        try await child.launched()
        let exited = await child.wait(timeout: timeout) != nil
        let status = await child.stop(grace: 3)
        return Completed(status: exited ? status : nil, output: Self.read(base + ".out"), errors: Self.read(base + ".err"))
    }

    /// A file's text, or "" when it cannot be read.
    public static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    private static func serve<Input, Output, Failure>(_ requests: AsyncStream<Request>, execution: Execution<Input, Output, Failure>) async {
        for await request in requests {
            switch request {
            case .signal(let number):
                try? execution.send(signal: Signal(rawValue: number))
            case .stop(let grace):
                await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .milliseconds(Int64(grace * 1000)))])
                return
            }
        }
        // Released without `stop`: end the child now.
        await execution.teardown(using: [])
    }

    private static func open(_ path: String?) throws -> FileDescriptor {
        try FileDescriptor.open(
            FilePath(path ?? "/dev/null"), .writeOnly, options: path == nil ? [] : [.create, .append], permissions: .ownerReadWrite)
    }

    private static func code(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    /// The child's exit status if it has exited, without reaping it (swift-subprocess does that).
    private static func peekExit(_ pid: pid_t) -> Int32? {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._sigchld.si_pid == pid else { return nil }
        let status = info._sifields._sigchld.si_status
        return info.si_code == CLD_EXITED ? status : 128 + status
    }

    /// The state, shared by the object and the task running the child.
    private final class StateBox: Sendable {
        private let mutex = Mutex<State>(.launching)
        var value: State { mutex.withLock { $0 } }
        func set(_ state: State) { mutex.withLock { $0 = state } }
        func withValue<T>(_ body: (State) -> T) -> T { mutex.withLock { body($0) } }
    }
}
