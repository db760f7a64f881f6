import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a helper program (the Python client, the mDNS script) for a test, bounded in time.
///
/// Spawned with `posix_spawn` rather than Foundation's `Process` for two reasons: the child starts
/// with no signals blocked (this process's threads block some, and a child inheriting that mask
/// cannot be stopped with SIGTERM), and its output goes to files, so a grandchild that outlives it
/// cannot hold a pipe open and hang the test. Only the spawned process is ever signalled, by PID.
enum Subprocess {
    struct Result: Sendable {
        var status: Int32?
        var output: String
        var errors: String
    }

    /// Runs `arguments` (looked up in PATH); after `timeout` seconds sends SIGTERM, then SIGKILL.
    static func run(_ arguments: [String], timeout: Double) throws -> Result {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("subprocess-\(UUID().uuidString)").path
        let outputPath = base + ".out"
        let errorPath = base + ".err"
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }

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
        guard spawned == 0 else { throw HarnessError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))") }

        var status: Int32?
        let deadline = Date().addingTimeInterval(timeout)
        var killAt: Date?
        while status == nil {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
                break
            }
            if killAt == nil, Date() > deadline {
                kill(pid, SIGTERM)
                killAt = Date().addingTimeInterval(3)
            } else if let killAt, Date() > killAt {
                kill(pid, SIGKILL)
            }
            usleep(20_000)
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return Result(status: killAt == nil ? status : nil, output: output, errors: errors)
    }
}
