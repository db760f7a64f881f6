import BrokerCore
import Foundation
import Logging
import Synchronization
import UDPSupport

/// EA's F1 24 and F1 25 UDP telemetry (packet formats 2024 and 2025): every datagram the game sends
/// to `listen` is forwarded raw to the `forward` targets, decoded, and turned into one frame per
/// game frame, events for every event code and lap, and iRacing-shaped session info.
public struct F1Source: Source {
    public typealias Config = F1SourceConfig

    public static let typeName = "f1"
    public static let summary = "EA F1 24 / F1 25 UDP telemetry (all 22 cars), with raw forwarding"
    public static let providedVariables = ProvidedVariables.variables(F1Variables.infos)
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    let id: String
    let config: F1SourceConfig
    let context: PluginContext
    /// Seconds without a datagram before the status says disconnected.
    let silenceTimeout: Double

    public init(id: String, config: F1SourceConfig, context: PluginContext) throws {
        self.init(id: id, config: config, context: context, silenceTimeout: 2)
    }

    public init(id: String, config: F1SourceConfig, context: PluginContext, silenceTimeout: Double) {
        self.id = id
        self.config = config
        self.context = context
        self.silenceTimeout = silenceTimeout
    }

    public func run(output hub: SourceHub) async throws {
        let label = "f1 source '\(id)' on \(config.listen)"
        let intake = try await DatagramIntake.start(
            listen: config.listen, forward: config.forward, idleTimeout: silenceTimeout, clock: context.clock, label: label, source: hub)
        let layout = hub.declare(F1Variables.declarations)
        let drops = DropTally(logger: context.logger, context: label, source: hub)
        let state = Mutex(F1SessionState(hub: hub, layout: layout, drops: drops, logger: context.logger, player: config.player))
        let reporter = F1StatusReporter(listen: "\(config.listen)", boundPort: intake.port)
        hub.setConnected(false, details: reporter.details(connected: false, reason: "waiting for the game", state: nil, intake: intake, drops: drops))
        context.logger.info("\(label): listening (port \(intake.port))")

        let clock = context.clock
        let ticker = Task {
            var connected = false
            var lastStatus = clock.now()
            var decodedAtLastStatus: UInt64 = 0
            while !Task.isCancelled {
                do { try await clock.sleep(until: clock.now() + 0.02) } catch { break }
                let now = clock.now()
                let snapshot = state.withLock { state -> (decoded: UInt64, header: F1Header?, player: Int?) in
                    state.tick(now: now)
                    return (state.packetsDecoded, state.lastHeader, state.facts.playerCarIdx)
                }
                let fresh = (intake.secondsSinceLastDatagram ?? .infinity) < silenceTimeout
                if fresh && (now - lastStatus >= 1 || !connected) {
                    let rate = Double(snapshot.decoded &- decodedAtLastStatus) / max(now - lastStatus, 0.001)
                    reporter.rate.withLock { $0 = now - lastStatus >= 1 ? rate : $0 }
                    if now - lastStatus >= 1 {
                        lastStatus = now
                        decodedAtLastStatus = snapshot.decoded
                    }
                    connected = true
                    hub.setStatus(
                        SourceStatus(
                            connected: true,
                            details: reporter.details(connected: true, reason: nil, state: snapshot, intake: intake, drops: drops)))
                }
                if !fresh { connected = false }
            }
        }
        defer { ticker.cancel() }

        for await event in intake.events {
            switch event {
            case .datagram(let bytes):
                let now = clock.now()
                state.withLock { $0.handle(datagram: bytes, now: now) }
            case .silence(let seconds):
                let snapshot = state.withLock { state -> (decoded: UInt64, header: F1Header?, player: Int?) in
                    state.publishPending()
                    return (state.packetsDecoded, state.lastHeader, state.facts.playerCarIdx)
                }
                reporter.rate.withLock { $0 = 0 }
                let reason = "no datagram for \(Int(seconds.rounded())) s (the game stopped sending, or is paused in a menu)"
                context.logger.warning("\(label): \(reason)")
                hub.setConnected(false, details: reporter.details(connected: false, reason: reason, state: snapshot, intake: intake, drops: drops))
            }
            if Task.isCancelled { break }
        }
        ticker.cancel()
        await intake.close()
        state.withLock { $0.publishPending() }
        hub.setConnected(false, details: reporter.details(connected: false, reason: "stopped", state: nil, intake: intake, drops: drops))
    }
}

/// Builds the status details: what is listening, which game, how much arrives and what was dropped.
final class F1StatusReporter: Sendable {
    let listen: String
    let boundPort: Int
    /// Decoded packets per second over the last second.
    let rate = Mutex<Double>(0)

    init(listen: String, boundPort: Int) {
        self.listen = listen
        self.boundPort = boundPort
    }

    func details(
        connected: Bool, reason: String?, state: (decoded: UInt64, header: F1Header?, player: Int?)?, intake: DatagramIntake, drops: DropTally
    ) -> [(String, JSONValue)] {
        var details: [(String, JSONValue)] = [("listen", .string(listen)), ("port", .int(Int64(boundPort)))]
        if let reason { details.append(("reason", .string(reason))) }
        if let header = state?.header {
            details += [
                ("game", .string("F1 \(header.gameYear)")), ("packet_format", .int(Int64(header.packetFormat))),
                ("game_version", .string("\(header.gameMajorVersion).\(header.gameMinorVersion < 10 ? "0" : "")\(header.gameMinorVersion)")),
            ]
        }
        if let player = state?.player { details.append(("player_car_idx", .int(Int64(player)))) }
        details += [
            ("packets_per_s", .int(Int64(rate.withLock { $0 }.rounded()))), ("received", .int(Int64(intake.received))),
            ("decoded", .int(Int64(state?.decoded ?? 0))), ("dropped", drops.json), ("overloaded", .int(Int64(intake.overloaded))),
        ]
        if !intake.forwardCounts.isEmpty { details.append(("forward", intake.forwardJSON)) }
        return details
    }
}
