import Foundation
import Synchronization

/// A real Mosquitto MQTT server for tests: started on a free loopback port with a config file the
/// test writes (listener on 127.0.0.1 only, anonymous or a password file, optionally a second TLS
/// listener with the test's certificates), stopped by its own PID.
///
/// Debian's `mosquitto` and `mosquitto-clients` packages provide the programs. Without them the
/// tests that need them are skipped (`.enabled(if: Mosquitto.isAvailable)`), except under CI
/// (`CI=true`), where they run and fail with a message naming the packages.
public final class Mosquitto: @unchecked Sendable {
    /// A TLS listener's files (paths to PEM files, e.g. from `TestCertificates`).
    public struct TLSListener: Sendable {
        /// The CA that client certificates must chain to (`cafile`).
        public var caFile: String
        public var certFile: String
        public var keyFile: String
        /// Refuse clients without a certificate signed by `caFile`.
        public var requireCertificate: Bool

        public init(caFile: String, certFile: String, keyFile: String, requireCertificate: Bool = false) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.requireCertificate = requireCertificate
        }
    }

    /// The client side of a TLS subscription: the CA to trust, and a client certificate if needed.
    public struct TLSClient: Sendable {
        public var caFile: String
        public var certFile: String?
        public var keyFile: String?

        public init(caFile: String, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    /// The plain listener.
    public let port: Int
    /// The TLS listener, when the server was started with one.
    public let tlsPort: Int?
    public let directory: URL
    public var logPath: String { directory.appendingPathComponent("mosquitto.log").path }
    private let configPath: String
    private let process = Mutex<ChildProcess?>(nil)

    /// What to install when a program is missing.
    public static let packages = "mosquitto mosquitto-clients"

    /// The path of a Mosquitto program (`mosquitto`, `mosquitto_sub`, `mosquitto_passwd`...).
    public static func program(_ name: String) -> String? {
        Fixture.program(name)
    }

    /// True when the programs are installed, or when running under CI (where their absence must fail).
    public static var isAvailable: Bool {
        Fixture.isCI
            || (program("mosquitto") != nil && program("mosquitto_sub") != nil && program("mosquitto_passwd") != nil)
    }

    static func require(_ name: String) throws -> String {
        guard let path = program(name) else {
            throw TestSetupError("\(name) is not installed (apt-get install -y \(packages))")
        }
        return path
    }

    /// Writes the config (and a password file when `users` is given) and starts the server, with a
    /// second listener speaking TLS when `tls` is given.
    public init(users: [String: String]? = nil, tls: TLSListener? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mosquitto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try freeLoopbackPort()
        configPath = directory.appendingPathComponent("mosquitto.conf").path
        var lines = ["listener \(port) 127.0.0.1"]
        if let tls {
            let tlsPort = try freeLoopbackPort()
            self.tlsPort = tlsPort
            lines += [
                "listener \(tlsPort) 127.0.0.1",
                "cafile \(tls.caFile)",
                "certfile \(tls.certFile)",
                "keyfile \(tls.keyFile)",
                "require_certificate \(tls.requireCertificate)",
            ]
        } else {
            tlsPort = nil
        }
        lines += [
            "persistence false",
            "log_dest file \(directory.appendingPathComponent("mosquitto.log").path)",
            "log_type all",
            "log_timestamp_format %s",
        ]
        if geteuid() == 0 { lines.append("user root") }
        if let users {
            let passwordFile = directory.appendingPathComponent("passwords").path
            for (index, (name, password)) in users.sorted(by: { $0.key < $1.key }).enumerated() {
                let tool = ChildProcess([try Self.require("mosquitto_passwd")] + (index == 0 ? ["-c"] : []) + ["-b", passwordFile, name, password])
                let deadline = Date().addingTimeInterval(10)
                while tool.isRunning && Date() < deadline { usleep(5_000) }
                guard tool.exitStatus == 0 else {
                    tool.terminate()
                    throw TestSetupError("mosquitto_passwd failed for user \(name)")
                }
            }
            lines += ["allow_anonymous false", "password_file \(passwordFile)"]
        } else {
            lines.append("allow_anonymous true")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the server (again, after `stop`) on the same port and waits until it accepts connections.
    public func start() throws {
        let server = ChildProcess([try Self.require("mosquitto"), "-c", configPath])
        process.withLock { $0 = server }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !server.isRunning { throw TestSetupError("mosquitto exited at start:\n\(log)") }
            if Self.accepts(port: port) && tlsPort.map(Self.accepts(port:)) != false { return }
            usleep(20_000)
        }
        stop()
        throw TestSetupError("mosquitto did not listen on port \(port) within 10 s:\n\(log)")
    }

    /// Stops the server this object started (SIGTERM, then SIGKILL after 5 s), by its PID.
    public func stop() {
        process.withLock { current in
            current?.terminate()
            current = nil
        }
    }

    /// The server's log so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts `mosquitto_sub` on `topic` (an MQTT filter) and returns once the server has
    /// acknowledged the subscription, so nothing published afterwards can be missed. With `tls`, it
    /// connects to the TLS listener and verifies the server against the CA given.
    public func subscribe(
        _ topic: String, qos: Int = 0, username: String? = nil, password: String? = nil, tls: TLSClient? = nil
    ) async throws -> MQTTSubscriber {
        let clientID = "sub-\(UUID().uuidString.prefix(8))"
        var connection = ["-p", String(port)]
        if let tls {
            guard let tlsPort else { throw TestSetupError("this mosquitto has no TLS listener") }
            connection = ["-p", String(tlsPort), "--cafile", tls.caFile]
            if let certFile = tls.certFile, let keyFile = tls.keyFile { connection += ["--cert", certFile, "--key", keyFile] }
        }
        let subscriber = try MQTTSubscriber(
            connection: connection, topic: topic, qos: qos, clientID: clientID, username: username, password: password)
        let deadline = Date().addingTimeInterval(5)
        while !log.contains("Sending SUBACK to \(clientID)") {
            guard Date() < deadline else { throw TestSetupError("mosquitto_sub \(clientID) did not subscribe within 5 s:\n\(log)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return subscriber
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// Runs a Mosquitto server (see `Mosquitto.init`) for `body` and stops it on every way out of
/// `body`, a thrown error included.
public func withMosquitto<Value>(users: [String: String]? = nil, _ body: (Mosquitto) async throws -> Value) async throws -> Value {
    let mosquitto = try Mosquitto(users: users)
    defer { mosquitto.stop() }
    return try await body(mosquitto)
}

/// One message as `mosquitto_sub` printed it.
public struct MQTTReceived: Sendable, CustomStringConvertible {
    /// Wall-clock seconds when the subscriber received it.
    public var time: Double
    public var topic: String
    public var retained: Bool
    public var qos: Int
    public var payload: String

    /// The payload parsed as a JSON object, or nil.
    public var object: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any]
    }

    public var description: String { "\(topic) r\(retained ? 1 : 0) q\(qos) \(payload.prefix(200))" }
}

/// A `mosquitto_sub` process writing what it receives to a file, one message per line.
public final class MQTTSubscriber: @unchecked Sendable {
    private let process: ChildProcess
    private let outputPath: String

    init(connection: [String], topic: String, qos: Int, clientID: String, username: String?, password: String?) throws {
        outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-sub-\(UUID().uuidString).txt").path
        var arguments = ["-h", "127.0.0.1"] + connection + ["-i", clientID, "-t", topic, "-q", String(qos), "-F", "%U\t%t\t%r\t%q\t%p"]
        if let username { arguments += ["-u", username] }
        if let password { arguments += ["-P", password] }
        process = ChildProcess([try Mosquitto.require("mosquitto_sub")] + arguments, output: outputPath)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    /// Stops this subscriber (by its own PID).
    public func stop() {
        process.terminate()
    }

    /// Every complete message received so far.
    public var messages: [MQTTReceived] {
        guard let text = try? String(contentsOfFile: outputPath, encoding: .utf8) else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // the part after the last newline is incomplete (or empty)
        return lines.compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false)
            guard parts.count == 5, let time = Double(parts[0]), let qos = Int(parts[3]) else { return nil }
            return MQTTReceived(time: time, topic: String(parts[1]), retained: parts[2] == "1", qos: qos, payload: String(parts[4]))
        }
    }

    /// Waits (up to `timeout` seconds) until `condition` holds for the messages; returns them either way.
    @discardableResult
    public func waitUntil(timeout: Double = 5, _ condition: ([MQTTReceived]) -> Bool) async throws -> [MQTTReceived] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let received = messages
            if condition(received) || Date() >= deadline { return received }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
