import Foundation

/// A certificate authority and certificates made at run time with the openssl command, in a
/// temporary folder removed by `remove()`, so no key is ever committed. Certificates are EC P-256,
/// signed by the CA, for 127.0.0.1 and localhost unless told otherwise; they serve as server
/// certificates (the WebSocket sink, Mosquitto) and as client certificates alike.
public struct TestCertificates: Sendable {
    public struct Pair: Sendable {
        public let cert: String
        public let key: String
    }

    public let folder: URL
    public let ca: Pair

    /// openssl is on the machine; under CI (`CI=true`) tests always run, so a missing one fails.
    public static var opensslAvailable: Bool { Fixture.isCI || Fixture.program("openssl") != nil }

    /// A new CA named `name` in a new temporary folder.
    public init(caName: String = "Broker Test CA") async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tls-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cert = folder.appendingPathComponent("ca.pem").path
        let key = folder.appendingPathComponent("ca.key").path
        try await Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
            "-days", "30", "-subj", "/CN=\(caName)",
        ])
        ca = Pair(cert: cert, key: key)
    }

    /// A certificate named `name` (files `name.pem`, `name.key`), valid for `days` from now
    /// (negative: already expired), for the `subjectAltName` entries given, with the CA's
    /// certificate after it in the PEM file (a chain) unless `chain` is false.
    @discardableResult
    public func issue(_ name: String, days: Int = 30, chain: Bool = true, subjectAltName: String = "IP:127.0.0.1,DNS:localhost") async throws -> Pair
    {
        let key = folder.appendingPathComponent("\(name).key").path
        let request = folder.appendingPathComponent("\(name).csr").path
        let leaf = folder.appendingPathComponent("\(name).leaf.pem").path
        let cert = folder.appendingPathComponent("\(name).pem").path
        let extensions = folder.appendingPathComponent("\(name).ext").path
        try await Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=\(name)",
        ])
        try "basicConstraints=CA:FALSE\nsubjectAltName=\(subjectAltName)\nauthorityKeyIdentifier=keyid,issuer\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try await Self.openssl([
            "x509", "-req", "-in", request, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-days", "\(days)", "-extfile", extensions,
            "-out", leaf,
        ])
        let pem = try String(contentsOfFile: leaf, encoding: .utf8) + (chain ? try String(contentsOfFile: ca.cert, encoding: .utf8) : "")
        try pem.write(toFile: cert, atomically: true, encoding: .utf8)
        return Pair(cert: cert, key: key)
    }

    /// The SHA-256 of `pair`'s server certificate (DER), as the Python client reports it.
    public func fingerprint(_ pair: Pair) async throws -> String {
        let leaf = pair.cert.replacingOccurrences(of: ".pem", with: ".leaf.pem")
        let result = try await ChildProcess.run(["openssl", "x509", "-in", leaf, "-noout", "-fingerprint", "-sha256"], timeout: 20)
        let hex = result.output.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "") } ?? ""
        return hex.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// The base64 SHA-256 of `pair`'s server public key (SPKI), for Chromium's
    /// `--ignore-certificate-errors-spki-list` (Chromium has no flag to trust a CA file).
    public func spkiHash(_ pair: Pair) async throws -> String {
        let leaf = pair.cert.replacingOccurrences(of: ".pem", with: ".leaf.pem")
        let command = "openssl x509 -in '\(leaf)' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64"
        let result = try await ChildProcess.run(["sh", "-c", command], timeout: 20)
        guard result.status == 0 else { throw TestSetupError("SPKI hash failed: \(result.errors)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    public func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    private static func openssl(_ arguments: [String]) async throws {
        let result = try await ChildProcess.run(["openssl"] + arguments, timeout: 30)
        guard result.status == 0 else { throw TestSetupError("openssl \(arguments.first ?? "") failed: \(result.errors)") }
    }
}
