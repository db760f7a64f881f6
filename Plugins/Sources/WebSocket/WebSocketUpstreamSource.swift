import BrokerCore
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL
import Synchronization
import TLSClient

/// A source fed by another WebSocket server: an upstream broker's WebSocket sink, or the Python
/// bridge on a sim PC. This broker then serves that telemetry to its own clients, MQTT,
/// recordings and processors, so one sim PC's feed reaches many consumers through a bigger machine.
///
/// It connects as a client, asks for status, declarations, session info, events and telemetry, and
/// republishes them under its own id. A lost upstream is reported disconnected with the reason and
/// retried with backoff; garbage is dropped and counted; an oversized message or a stream of
/// garbage drops the connection, which is then retried. A `wss://` upstream is reached over TLS,
/// its certificate checked against `tls.ca` (or the system's roots) and the url's host.
public struct WebSocketUpstreamSource: Source {
    public static let typeName = "websocket"
    public static let summary = "Another broker's WebSocket sink (or the Python bridge), republished here"
    public static let providedVariables = ProvidedVariables.catalogue
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    /// What the server name in the TLS handshake says for a `wss://` url whose host is an IP
    /// address. The client library always sends one, and an address is not allowed there (RFC 6066),
    /// so it sends this reserved name (RFC 6761: `.invalid` never resolves, no certificate lists
    /// it); the certificate is then checked against the address connected to, which it must list.
    static let serverNameForIPAddress = "ip-address.invalid"

    /// How long a closing TLS connection waits for the upstream's `close_notify` (NIOSSL's default
    /// is 5 s): a broker stopping must not wait on its upstream.
    static let tlsShutdownTimeout = TimeAmount.milliseconds(200)

    let id: String
    let config: WebSocketUpstreamConfig
    let context: PluginContext
    /// The TLS set-up of a `wss://` upstream (nil for `ws://`), its files checked when the source
    /// is made; the client library makes its context from it at every connect.
    let tls: TLSConfiguration?

    /// Throws a one-line `PluginError` naming the file when a TLS file cannot be used.
    public init(id: String, config: WebSocketUpstreamConfig, context: PluginContext) throws {
        self.id = id
        self.config = config
        self.context = context
        guard config.usesTLS else {
            tls = nil
            return
        }
        let options = config.tls ?? TLSClientOptions()
        do {
            _ = try options.makeContext(resolvingPathsWith: context.resolvePath)
            var configuration = try options.makeConfiguration(resolvingPathsWith: context.resolvePath)
            configuration.shutdownTimeout = Self.tlsShutdownTimeout
            tls = configuration
        } catch {
            throw PluginError("websocket source '\(id)': \(error.description)")
        }
    }

    /// How one connection ended, for the status and the backoff.
    struct Outcome {
        var reason: String
        /// Whether the upstream accepted the connection (then the backoff starts over).
        var opened: Bool
    }

    public func run(output hub: SourceHub) async throws {
        let logger = context.logger
        let drops = DropTally(logger: logger, context: "websocket source '\(id)' from \(config.displayURL)", source: hub)
        let session = SessionBox(
            UpstreamSession(hub: hub, followed: config.source, variables: config.variables, drops: drops, logger: logger))
        var backoff = ReconnectBackoff(config.reconnect)
        var reconnects = 0
        var lastReason: String? = nil
        defer { hub.setConnected(false, details: [("upstream", .string(config.displayURL)), ("reason", "stopped")]) }
        while !Task.isCancelled {
            let outcome = await connectOnce(hub: hub, session: session, drops: drops, reconnects: reconnects)
            if Task.isCancelled { return }
            if outcome.opened { backoff.reset() }
            let delay = backoff.nextDelay()
            if outcome.reason != lastReason {
                logger.warning("websocket source '\(id)': upstream \(config.displayURL): \(outcome.reason); retrying with backoff")
                lastReason = outcome.reason
            }
            hub.setStatus(
                SourceStatus(
                    connected: false,
                    details: [
                        ("upstream", .string(config.displayURL)), ("reason", .string(outcome.reason)), ("retry_in_s", .double(delay)),
                        ("reconnects", .int(Int64(reconnects))), ("dropped", drops.json),
                    ]))
            let clock = context.clock
            do { try await clock.sleep(until: clock.now() + delay) } catch { return }
            reconnects += 1
        }
    }

    /// One connection, from the upgrade until it ends; never throws.
    private func connectOnce(hub: SourceHub, session: SessionBox, drops: DropTally, reconnects: Int) async -> Outcome {
        var headers = HTTPFields()
        if let token = config.token { headers[.authorization] = "Bearer \(token)" }
        let maxBytes = config.maxMessageBytes
        var configuration = WebSocketClientConfiguration(
            maxFrameSize: maxBytes, additionalHeaders: headers, closeTimeout: .seconds(2), autoPing: .enabled(timePeriod: .seconds(10)),
            validateUTF8: true)
        if tls != nil && config.hostIsIPAddress { configuration.sniHostname = Self.serverNameForIPAddress }
        var clientLogger = context.logger
        clientLogger.logLevel = max(clientLogger.logLevel, .warning)
        let opened = Atomic<Bool>(false)
        let ended = Mutex<String?>(nil)
        let commands = startCommands()
        let publishStatus: @Sendable () -> Void = { [config] in
            let status = session.state.withLock { state in
                Self.status(of: state, url: config.displayURL, reconnects: reconnects, drops: drops)
            }
            hub.setStatus(status)
        }
        do {
            let close = try await WebSocketClient.connect(
                url: config.url, configuration: configuration, tlsConfiguration: tls, logger: clientLogger
            ) { inbound, outbound, _ in
                opened.store(true, ordering: .relaxed)
                if tls != nil, config.tls?.insecureSkipVerify == true {
                    context.logger.warning(
                        "websocket source '\(id)': TLS certificate verification is off (insecure_skip_verify): anyone on the path to \(config.displayURL) can read and alter this connection"
                    )
                }
                session.state.withLock { $0.connectionOpened() }
                publishStatus()
                for command in commands { try await outbound.write(.text(command)) }
                try await withTaskCancellationHandler {
                    for try await message in inbound.messages(maxSize: maxBytes) {
                        let tooManyDrops = session.state.withLock { state -> Bool in
                            switch message {
                            case let .text(text): state.handle(text.utf8)
                            case .binary: state.handleBinary()
                            }
                            return state.consecutiveDrops >= UpstreamSession.maxConsecutiveDrops
                        }
                        publishStatus()
                        if tooManyDrops {
                            ended.withLock { $0 = "the upstream sent \(UpstreamSession.maxConsecutiveDrops) unusable messages in a row" }
                            try await outbound.close(.policyViolation, reason: "unusable messages")
                            return
                        }
                    }
                } onCancel: {
                    Task { try? await outbound.close(.goingAway, reason: "broker stopping") }
                }
            }
            if let reason = ended.withLock({ $0 }) { return Outcome(reason: reason, opened: true) }
            guard let close else {
                // The WebSocket layer ends a connection on its own after a frame over the limit.
                let reason = "the connection ended without a close frame (link lost, or a frame over max_message_bytes)"
                return Outcome(reason: reason, opened: opened.load(ordering: .relaxed))
            }
            let text = close.reason.flatMap { $0.isEmpty ? nil : ": \($0)" } ?? ""
            return Outcome(reason: "the upstream closed the connection (code \(close.closeCode))\(text)", opened: opened.load(ordering: .relaxed))
        } catch let error as WebSocketClientError where error == .serverSentMessageTooLarge {
            drops.record("oversized message", detail: "a message over max_message_bytes (\(maxBytes)) closed the connection")
            return Outcome(reason: "the upstream sent a message over \(maxBytes) bytes", opened: true)
        } catch let error as WebSocketClientError where error == .serverSentDataInconsistentWithMessage {
            drops.record("invalid UTF-8", detail: "a text message that is not UTF-8 closed the connection")
            return Outcome(reason: "the upstream sent text that is not UTF-8", opened: true)
        } catch {
            return Outcome(reason: describe(error), opened: opened.load(ordering: .relaxed))
        }
    }

    /// What the source sends on every connection: status (the Python bridge sends it only when
    /// asked), declarations, session info, events, the rate, then the subscription, split so each
    /// command stays under the 4096 bytes a sink accepts by default.
    func startCommands() -> [String] {
        var commands = ["status", "vars", "sessioninfo", "events on"]
        if let rate = config.rate { commands.append("rate \(rate)") }
        switch config.variables {
        case .all: commands.append("sub all")
        case let .names(names):
            var line = ""
            for name in names.map({ VariableSelection.split($0).name }) {
                if !line.isEmpty && line.utf8.count + name.utf8.count + 1 > 4000 {
                    commands.append("sub " + line)
                    line = ""
                }
                line += (line.isEmpty ? "" : ",") + name
            }
            if !line.isEmpty { commands.append("sub " + line) }
        }
        return commands
    }

    /// The source's status while connected to the upstream.
    static func status(of session: UpstreamSession, url: String, reconnects: Int, drops: DropTally) -> SourceStatus {
        var details: [(String, JSONValue)] = [("upstream", .string(url))]
        if let followed = session.followed { details.append(("upstream_source", .string(followed))) }
        if !session.upstreamConnected { details.append(("reason", .string(session.upstreamReason ?? "waiting for the upstream's status"))) }
        details.append(("declarations", .string(session.declarations.rawValue)))
        details.append(("reconnects", .int(Int64(reconnects))))
        details.append(("dropped", drops.json))
        return SourceStatus(connected: session.upstreamConnected, details: details)
    }

    /// One line for an error connecting or reading.
    private func describe(_ error: any Error) -> String {
        if let failure = describeTLSFailure(error, plainScheme: "ws") { return failure }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if let clientError = error as? WebSocketClientError, clientError == .webSocketUpgradeFailed {
            return "the upstream refused the WebSocket upgrade (a wrong or missing token, or a path that is not a WebSocket endpoint)"
        }
        return text
    }
}

/// The session shared by the connection's handler and the status publisher.
final class SessionBox: Sendable {
    let state: Mutex<UpstreamSession>
    init(_ session: UpstreamSession) { state = Mutex(session) }
}
