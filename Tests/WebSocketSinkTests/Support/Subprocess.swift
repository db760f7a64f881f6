import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a helper program (the Python client, the mDNS script, a browser, the broker) for a test,
/// bounded in time.
///
/// Spawned with `posix_spawn` rather than Foundation's `Process` for two reasons: the child starts
/// with no signals blocked (this process's threads block some, and a child inheriting that mask
/// cannot be stopped with SIGTERM), and its output goes to files, so a grandchild that outlives it
/// cannot hold a pipe open and hang the test. Only the spawned process is ever signalled, by PID.
final class Subprocess: @unchecked Sendable {
    struct Result: Sendable {
        var status: Int32?
        var output: String
        var errors: String
    }

    let pid: pid_t
    let outputPath: String
    let errorPath: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `arguments` (looked up in PATH); `stop` or `wait` ends it.
    init(_ arguments: [String]) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("subprocess-\(UUID().uuidString)").path
        outputPath = base + ".out"
        errorPath = base + ".err"

        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid = pid_t()
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            unlink(outputPath)
            unlink(errorPath)
            throw HarnessError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        self.pid = pid
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
        unlink(outputPath)
        unlink(errorPath)
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// The exit status (128 + signal when killed), or nil while it runs. Reaps the process.
    var status: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus == nil {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                exitStatus = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
            }
        }
        return exitStatus
    }

    /// Waits up to `timeout` seconds for the process to exit by itself; then SIGTERM, and SIGKILL
    /// 3 s later. Returns the exit status, or nil when it had to be stopped.
    @discardableResult
    func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var killAt: Date?
        while status == nil {
            if killAt == nil, Date() > deadline {
                kill(pid, SIGTERM)
                killAt = Date().addingTimeInterval(3)
            } else if let killAt, Date() > killAt {
                kill(pid, SIGKILL)
            }
            usleep(20_000)
        }
        return killAt == nil ? status : nil
    }

    /// Sends SIGTERM now and waits for the exit (SIGKILL after `grace` seconds).
    @discardableResult
    func stop(grace: Double = 5) -> Int32? {
        if status == nil { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        var killed = false
        while status == nil {
            if !killed, Date() > deadline {
                kill(pid, SIGKILL)
                killed = true
            }
            usleep(20_000)
        }
        return status
    }

    /// Runs `arguments` (looked up in PATH) to its end; after `timeout` seconds sends SIGTERM, then
    /// SIGKILL.
    static func run(_ arguments: [String], timeout: Double) throws -> Result {
        let process = try Subprocess(arguments)
        let status = process.wait(timeout: timeout)
        return Result(status: status, output: process.output, errors: process.errors)
    }
}

/// Runs blocking work (a subprocess wait, a blocking socket read) on a Dispatch thread rather than
/// on Swift concurrency's small cooperative pool: with two cores that pool has two threads, and
/// tests blocking both would starve the sink under test, whose request handlers run there too.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
