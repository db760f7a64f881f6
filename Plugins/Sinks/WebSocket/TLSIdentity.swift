import BrokerCore
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// The certificate and key the sink serves https:// and wss:// with, loaded from PEM files and
/// replaced on SIGHUP (an ACME renewal, say) without touching connected clients: each new
/// connection takes the context current when it arrives, established ones keep theirs. A reload
/// that fails keeps the previous certificate and logs why.
final class TLSIdentity: Sendable {
    let certPath: String
    let keyPath: String
    private let current: Mutex<NIOSSLContext>
    private let logger: Logger

    /// A certificate closer than this to its end gets a warning when loaded.
    static let expiryWarning: TimeInterval = 14 * 86_400

    /// Loads the files (paths already resolved); throws a one-line reason naming the file.
    init(certPath: String, keyPath: String, logger: Logger, now: Date = Date()) throws(TLSLoadError) {
        self.certPath = certPath
        self.keyPath = keyPath
        self.logger = logger
        current = Mutex(try Self.load(certPath: certPath, keyPath: keyPath, logger: logger, now: now))
    }

    /// The context new connections use.
    var context: NIOSSLContext { current.withLock { $0 } }

    /// Reads the files again; on success new connections get the new certificate.
    @discardableResult
    func reload(now: Date = Date()) -> Bool {
        do {
            let context = try Self.load(certPath: certPath, keyPath: keyPath, logger: logger, now: now)
            current.withLock { $0 = context }
            logger.info("TLS certificate reloaded from \(certPath); new connections use it, connected clients keep theirs")
            return true
        } catch {
            logger.error("TLS reload failed, still serving the previous certificate: \(error.message)")
            return false
        }
    }

    /// Reloads on every SIGHUP until the returned source is cancelled. SIGHUP's default action
    /// (ending the process) is turned off once a sink with TLS has started, so a reload signal that
    /// arrives while the sink is stopping cannot kill the broker mid-shutdown.
    func reloadOnHangup() -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { [self] in
            logger.info("SIGHUP: reloading the TLS certificate and key")
            reload()
        }
        source.resume()
        return source
    }

    private static func load(certPath: String, keyPath: String, logger: Logger, now: Date) throws(TLSLoadError) -> NIOSSLContext {
        for (path, what) in [(certPath, "certificate"), (keyPath, "key")] where !FileManager.default.isReadableFile(atPath: path) {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw TLSLoadError("TLS \(what) file \(path) \(reason)")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certPath)
        } catch {
            throw TLSLoadError("TLS certificate file \(certPath) holds no readable PEM certificate (\(error))")
        }
        guard let leaf = chain.first else { throw TLSLoadError("TLS certificate file \(certPath) holds no PEM certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw TLSLoadError("TLS key file \(keyPath) holds no readable PEM private key (an encrypted key is not supported) (\(error))")
        }
        let notAfter = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        let notBefore = Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore))
        let day = notAfter.formatted(.iso8601.year().month().day())
        guard notAfter > now else { throw TLSLoadError("TLS certificate file \(certPath) expired on \(day)") }
        guard notBefore <= now else {
            throw TLSLoadError("TLS certificate file \(certPath) is not valid before \(notBefore.formatted(.iso8601))")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSLoadError("TLS key file \(keyPath) does not match the certificate in \(certPath) (\(error))")
        }
        let left = notAfter.timeIntervalSince(now)
        if left < expiryWarning {
            logger.warning("TLS certificate \(certPath) expires on \(day), in \(Int(left / 86_400)) days: renew it (then SIGHUP reloads it)")
        }
        return context
    }
}

/// Why a certificate or key could not be used, in one line that names the file.
struct TLSLoadError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Sits first on a TLS port and looks at the connection's first byte: a TLS handshake record
/// (0x16) passes on to the TLS handler; anything else (a plain `http://` or `ws://` request) gets
/// a plain-text 400 saying to use https:// or wss://, and the connection closes. Without it such
/// a client would see the TLS handler's failure as garbage or a reset.
final class PlainRequestRefuser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The first byte of every TLS record carrying a handshake message (RFC 8446 5.1).
    static let handshakeRecord: UInt8 = 0x16

    private let metrics: SinkMetrics
    private var refused = false

    init(metrics: SinkMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let bytes = unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        if first == Self.handshakeRecord {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        refused = true
        metrics.plainRequestsRefused.increment()
        let body = "this port speaks TLS only: use https:// for pages and wss:// for WebSocket\n"
        let response =
            "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: \(body.utf8.count)\r\n"
            + "connection: close\r\n\r\n" + body
        // The TLS handlers behind have seen no byte: without them the end of input reaches the
        // HTTP upgrader as on a plain port, which then closes the connection quietly (closing it
        // from here made hummingbird log an error for every plain request).
        let operations = context.pipeline.syncOperations
        if let tlsHandler = try? operations.handler(type: NIOSSLServerHandler.self) { operations.removeHandler(tlsHandler, promise: nil) }
        if let deadline = try? operations.handler(type: TLSHandshakeDeadline.self) { operations.removeHandler(deadline, promise: nil) }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: response))).assumeIsolated().whenComplete { _ in
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }
}

/// Closes a TLS connection whose handshake has not completed within `timeout` seconds. Before
/// the handshake nothing can be said to the client (an HTTP 408 would wait, unencrypted, behind
/// the TLS handler), so silent or stalled connections are simply closed, and do not pile up
/// holding file descriptors. It sits after the TLS handler and leaves once the handshake is done;
/// from then on the `AdmissionGate` guards the request head as on a plain port.
final class TLSHandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: Double
    private let metrics: SinkMetrics
    private var deadline: Scheduled<Void>?

    init(timeout: Double, metrics: SinkMetrics) {
        self.timeout = timeout
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let metrics = self.metrics
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            metrics.badRequests.increment()
            // The end of input first, so the HTTP upgrader behind ends quietly instead of logging
            // an error about a connection closed under it.
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            deadline?.cancel()
            deadline = nil
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
