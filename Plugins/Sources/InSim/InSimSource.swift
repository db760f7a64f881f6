import BrokerCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import UDPSupport

/// The Live for Speed source: InSim over TCP (plus NLP/MCI and OutGauge over UDP when configured),
/// mapped onto the broker's canonical variables, events and iRacing-shaped session info.
///
/// It connects, sends IS_ISI, waits for IS_VER, answers LFS's keep-alives and keeps the race model
/// up to date. Any failure (refused, closed, silent, a bad packet) drops the connection, logs one
/// line and reconnects after a delay that doubles up to `reconnect.max_s`.
public struct InSimSource: Source {
    public typealias Config = InSimSourceConfig

    public static let typeName = "insim"
    public static let summary = "Live for Speed over InSim 10 (TCP), with OutGauge over UDP"
    public static let providedVariables = ProvidedVariables.variables(InSimVariables.all)
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    /// Timings that are not config keys: LFS's own rules, shortened by tests.
    public struct Timeouts: Sendable {
        /// Give up on a TCP connect after this long.
        public var connect: Double
        /// IS_VER must arrive this soon after IS_ISI.
        public var handshake: Double
        /// LFS sends a keep-alive every 30 s, so this much silence means the link is dead.
        public var idle: Double
        /// How often changed session info is published (bursts of NCN/NPL coalesce into one).
        public var sessionInfoFlush: Double

        public init(connect: Double = 5, handshake: Double = 10, idle: Double = 75, sessionInfoFlush: Double = 0.1) {
            self.connect = connect
            self.handshake = handshake
            self.idle = idle
            self.sessionInfoFlush = sessionInfoFlush
        }
    }

    let id: String
    let config: InSimSourceConfig
    let context: PluginContext
    let timeouts: Timeouts

    public init(id: String, config: InSimSourceConfig, context: PluginContext) throws {
        self.init(id: id, config: config, context: context, timeouts: Timeouts())
    }

    public init(id: String, config: InSimSourceConfig, context: PluginContext, timeouts: Timeouts) {
        self.id = id
        self.config = config
        self.context = context
        self.timeouts = timeouts
    }

    var endpoint: String { config.host.contains(":") ? "[\(config.host)]:\(config.port)" : "\(config.host):\(config.port)" }

    public func run(output hub: SourceHub) async throws {
        let intakes = try await openUDPPorts(hub: hub)
        let outGauge = config.outgaugePort != 0
        let layout = hub.declare(InSimVariables.declarations(includingOutGauge: outGauge))
        var settings = InSimSession.Settings(
            endpoint: endpoint, publishOnNodeLap: !config.flags.contains(.mci), outGaugeEnabled: outGauge)
        if !intakes.isEmpty {
            settings.udpDetails = {
                [
                    (
                        "udp",
                        .object(
                            intakes.map { ($0.key, .object([("received", .int(Int64($0.intake.received))), ("forward", $0.intake.forwardJSON)])) })
                    )
                ]
            }
        }
        let session = LockedSession(
            InSimSession(
                hub: hub, writer: InSimFrameWriter(layout: layout, includesOutGauge: outGauge), settings: settings,
                logger: context.logger, clock: context.clock))
        session.withLock { $0.setConnected(false, details: [("host", .string(endpoint)), ("reason", .string("connecting"))]) }

        await withTaskGroup(of: Void.self) { group in
            for port in intakes {
                group.addTask {
                    for await event in port.intake.events {
                        switch event {
                        case let .datagram(bytes): session.withLock { $0.handle(datagram: bytes) }
                        case .silence: session.withLock { $0.udpPortFellSilent() }
                        }
                    }
                }
            }
            if !intakes.isEmpty {
                let clock = context.clock
                group.addTask {
                    while !Task.isCancelled {
                        do { try await clock.sleep(until: clock.now() + 1) } catch { return }
                        session.withLock { $0.refreshStatus() }
                    }
                }
            }
            await reconnectLoop(session: session)
            for port in intakes { await port.intake.close() }
            group.cancelAll()
        }
        session.withLock { $0.endConnection(reason: "stopped") }
    }

    /// Binds the configured UDP ports (MCI/NLP, OutGauge), each forwarding to `forward`.
    private func openUDPPorts(hub: SourceHub) async throws -> [(key: String, intake: DatagramIntake)] {
        var intakes: [(key: String, intake: DatagramIntake)] = []
        for port in config.listeningPorts {
            do {
                let host = config.udpBindAddress.contains(":") ? "[\(config.udpBindAddress)]" : config.udpBindAddress
                let listen = try UDPTarget(parsing: "\(host):\(port.port)")
                intakes.append(
                    (
                        port.key,
                        try await DatagramIntake.start(
                            listen: listen, forward: config.forward, clock: context.clock, label: "insim source '\(id)' (\(port.key))",
                            source: hub)
                    ))
            } catch {
                for opened in intakes { await opened.intake.close() }
                throw error
            }
        }
        return intakes
    }

    private func reconnectLoop(session: LockedSession) async {
        var backoff = ReconnectBackoff(config.reconnect)
        let clock = context.clock
        while !Task.isCancelled {
            let failure: String
            do {
                try await runConnection(session: session)
                return
            } catch {
                if Task.isCancelled || error is CancellationError { return }
                failure = Self.describe(error)
            }
            let handshakeAt = session.withLock { $0.handshakeCompletedAt }
            session.withLock { $0.endConnection(reason: failure) }
            let delay = backoff.nextDelay(afterHealthyFor: handshakeAt.map { clock.now() - $0 } ?? 0)
            context.logger.warning("InSim \(endpoint): \(failure); reconnecting in \(formatSeconds(delay)) s")
            do {
                try await clock.sleep(until: clock.now() + delay)
            } catch {
                return
            }
        }
    }

    private var initPacket: InSimInit {
        InSimInit(
            requestID: InSimSession.RequestID.initialise, udpPort: UInt16(config.insimUDPPort), flags: config.flagBits,
            insimVersion: UInt8(config.insimVersion), interval: UInt16(config.intervalMs), admin: config.admin, name: config.name)
    }

    /// One connection from connect to failure; returns only when cancelled.
    private func runConnection(session: LockedSession) async throws {
        let channel = try await InSimConnection.connect(
            host: config.host, port: config.port, connectTimeout: timeouts.connect, idleTimeout: timeouts.idle)
        session.withLock { $0.beginConnection() }
        let isi = initPacket
        let timeouts = self.timeouts
        try await channel.executeThenClose { inbound, outbound in
            // A failed write means the connection is going; reading on tells why (a bad packet, a close).
            var writable = true
            func send(_ packet: [UInt8]) async {
                guard writable else { return }
                do {
                    try await outbound.write(ByteBuffer(bytes: packet))
                } catch {
                    writable = false
                }
            }
            await send(InSimEncoder.encode(isi))
            let eventLoop = channel.channel.eventLoop
            let pipeline = channel.channel.pipeline
            let handshakeTimer = eventLoop.scheduleTask(in: .nanoseconds(Int64(timeouts.handshake * 1e9))) {
                pipeline.fireErrorCaught(InSimConnectionError.noVersionReply(seconds: timeouts.handshake))
            }
            let flushInterval = TimeAmount.nanoseconds(Int64(timeouts.sessionInfoFlush * 1e9))
            let flushTimer = eventLoop.scheduleRepeatedTask(initialDelay: flushInterval, delay: flushInterval) { _ in
                session.withLock { $0.flushSessionInfo() }
            }
            defer {
                handshakeTimer.cancel()
                flushTimer.cancel()
            }
            var handshakeDone = false
            do {
                for try await packet in inbound {
                    let (replies, complete) = try session.withLock { session in (try session.handle(packet: packet), session.handshakeComplete) }
                    if complete, !handshakeDone {
                        handshakeDone = true
                        handshakeTimer.cancel()
                    }
                    for reply in replies { await send(reply) }
                }
            } catch let error as IOError where error.errnoCode == ECONNRESET || error.errnoCode == EPIPE {
                throw InSimConnectionError.closedByLFS(afterHandshake: handshakeDone)
            }
            try Task.checkCancellation()
            throw InSimConnectionError.closedByLFS(afterHandshake: handshakeDone)
        }
    }

    /// One line for the log and the status `reason`.
    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            let cause = error.connectionErrors.first.map { "\($0.error)" } ?? error.dnsAError.map { "\($0)" } ?? "no address"
            return "cannot connect: \(cause)"
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return "cannot connect: timed out" }
        if let error = error as? InSimDecodingError { return "bad packet: \(error)" }
        return "\(error)"
    }
}

/// The session shared by the TCP reader, the UDP handlers and the session-info timer.
final class LockedSession: Sendable {
    private let mutex: Mutex<InSimSession>

    init(_ session: sending InSimSession) { mutex = Mutex(session) }

    func withLock<Result: Sendable>(_ body: (inout InSimSession) throws -> Result) rethrows -> Result {
        try mutex.withLock { session in try body(&session) }
    }
}
