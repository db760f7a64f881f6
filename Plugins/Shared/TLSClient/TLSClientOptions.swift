import BrokerCore
import Foundation
import NIOSSL

/// The `tls:` key of a TLS client connection (the MQTT sink and source on `mqtts://`, the
/// `websocket` source on `wss://`): which CAs to trust (else the system's roots), an optional
/// client certificate, and the escape hatch that turns verification off.
///
/// Paths are relative to the config file's folder. When a config file is loaded, every file is
/// read and checked then (present, readable, PEM, key matching the certificate), so a mistake is
/// reported with its line and column like any other config error instead of at the first connect.
public struct TLSClientOptions: Decodable, Sendable, Equatable {
    /// PEM file of the CA certificate(s) the server's certificate must chain to.
    public var ca: String?
    /// PEM client certificate (with any intermediates after it), for servers that require one.
    public var cert: String?
    /// PEM private key of `cert` (unencrypted).
    public var key: String?
    /// Accepts any server certificate and name; logged as a warning at every connect.
    public var insecureSkipVerify: Bool

    enum CodingKeys: String, CodingKey {
        case ca, cert, key
        case insecureSkipVerify = "insecure_skip_verify"
    }

    public init(ca: String? = nil, cert: String? = nil, key: String? = nil, insecureSkipVerify: Bool = false) {
        self.ca = ca
        self.cert = cert
        self.key = key
        self.insecureSkipVerify = insecureSkipVerify
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ca = try c.decodeIfPresent(String.self, forKey: .ca)
        cert = try c.decodeIfPresent(String.self, forKey: .cert)
        key = try c.decodeIfPresent(String.self, forKey: .key)
        insecureSkipVerify = try c.value(.insecureSkipVerify, default: false)
        if cert != nil && key == nil { try c.reportOrThrow("cert needs key (the client certificate's private key file)", key: .cert) }
        if key != nil && cert == nil { try c.reportOrThrow("key needs cert (the client certificate file)", key: .key) }

        // Inside the config loader the files are checked now, relative to the config's folder.
        guard let file = ConfigDiagnostics.current?.file else { return }
        let folder = Self.folder(of: file)
        let resolve = { (path: String) in path.hasPrefix("/") || folder == "." ? path : folder + "/" + path }
        var filesReadable = true
        if let ca, let problem = Self.certificateProblem(resolve(ca), what: "CA") {
            try c.reportOrThrow(problem, key: .ca)
            filesReadable = false
        }
        if let cert, let problem = Self.certificateProblem(resolve(cert), what: "client certificate") {
            try c.reportOrThrow(problem, key: .cert)
            filesReadable = false
        }
        if let key, let problem = Self.keyProblem(resolve(key)) {
            try c.reportOrThrow(problem, key: .key)
            filesReadable = false
        }
        guard filesReadable, (cert == nil) == (key == nil) else { return }
        do {
            _ = try makeContext(resolvingPathsWith: resolve)
        } catch {
            try c.reportOrThrow(error.description, key: key != nil ? .key : .ca)
        }
    }

    /// The TLS client context: the CAs (or the system's roots), hostname verification on unless
    /// `insecure_skip_verify`, the client certificate when given. Throws one line naming the file.
    public func makeContext(resolvingPathsWith resolve: (String) -> String) throws(PluginError) -> NIOSSLContext {
        let configuration = try makeConfiguration(resolvingPathsWith: resolve)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            if cert != nil, let key {
                throw PluginError("TLS key file \(resolve(key)) does not match the client certificate \(resolve(cert ?? "")) (\(error))")
            }
            throw PluginError("TLS set-up failed (\(error))")
        }
    }

    /// The configuration `makeContext` builds its context from, for clients that make their own
    /// context per connection (the WebSocket client library does). Throws one line naming the file.
    public func makeConfiguration(resolvingPathsWith resolve: (String) -> String) throws(PluginError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = insecureSkipVerify ? .none : .fullVerification
        if let ca {
            let path = resolve(ca)
            if let problem = Self.certificateProblem(path, what: "CA") { throw PluginError(problem) }
            configuration.trustRoots = .file(path)
        }
        if let cert, let key {
            let certPath = resolve(cert)
            let keyPath = resolve(key)
            if let problem = Self.certificateProblem(certPath, what: "client certificate") { throw PluginError(problem) }
            if let problem = Self.keyProblem(keyPath) { throw PluginError(problem) }
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certPath).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
            } catch {
                throw PluginError("TLS client certificate \(certPath) or key \(keyPath) cannot be used (\(error))")
            }
        }
        return configuration
    }

    /// Why `path` is not a readable PEM file with at least one certificate, or nil.
    static func certificateProblem(_ path: String, what: String) -> String? {
        if let problem = fileProblem(path, what: what) { return problem }
        guard let certificates = try? NIOSSLCertificate.fromPEMFile(path), !certificates.isEmpty else {
            return "TLS \(what) file \(path) holds no PEM certificate"
        }
        return nil
    }

    /// Why `path` is not a readable, unencrypted PEM private key, or nil.
    static func keyProblem(_ path: String) -> String? {
        if let problem = fileProblem(path, what: "key") { return problem }
        guard (try? NIOSSLPrivateKey(file: path, format: .pem)) != nil else {
            return "TLS key file \(path) holds no readable PEM private key (an encrypted key is not supported)"
        }
        return nil
    }

    private static func fileProblem(_ path: String, what: String) -> String? {
        guard !FileManager.default.isReadableFile(atPath: path) else { return nil }
        let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
        return "TLS \(what) file \(path) \(reason)"
    }

    /// The folder of a config file, as `PluginContext.configDirectory` is set at run time.
    static func folder(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }
}
