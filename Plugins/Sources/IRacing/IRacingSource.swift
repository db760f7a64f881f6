import BrokerCore
import Logging

/// The `iracing` source: iRacing's telemetry from the running sim (its map on Windows; under
/// Wine/Proton the tmpfs file a bridge backs it with), from snapshots of the map that iracing-teleport
/// streams over UDP (`teleport:`), from a file that mirrors the map (`memory_file:`), or from a disk
/// telemetry file (`ibt:`).
///
/// All of them read the same irsdk layout with the same parser, declare every variable the sim
/// declares (with its own unit and description), and publish the sim's rows as they are. Session
/// info is served as a JSON tree; laps and session-info changes are events.
public struct IRacingSource: Source {
    public typealias Config = IRacingConfig

    public static let typeName = "iracing"
    public static let summary =
        "iRacing telemetry: the running sim (Windows, or Proton via /dev/shm), iracing-teleport over UDP, a copy of its memory map, or an .ibt replay"
    public static let providedVariables = ProvidedVariables.catalogue
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    /// Where the telemetry comes from, decided (and for a replay, opened and checked) at start.
    enum Input: Sendable {
        case replay(IBTFile)
        case memoryFile(String)
        case teleport(TeleportConfig)
        case live
    }

    public let id: String
    public let config: IRacingConfig
    let input: Input
    private let context: PluginContext

    /// Opens and validates an `ibt:` file at once, so a missing, truncated or foreign file stops the
    /// broker at start with one line naming it.
    public init(id: String, config: IRacingConfig, context: PluginContext) throws {
        self.id = id
        self.config = config
        self.context = context
        if let ibt = config.ibt {
            do {
                input = .replay(try IBTFile(path: context.resolvePath(ibt)))
            } catch {
                throw PluginError("iracing source '\(id)': cannot replay \(error)")
            }
        } else if let memoryFile = config.memoryFile {
            input = .memoryFile(context.resolvePath(memoryFile))
        } else if let teleport = config.teleport {
            input = .teleport(teleport)
        } else {
            input = .live
        }
    }

    public func run(output hub: SourceHub) async throws {
        do {
            switch input {
            case let .replay(file):
                try await IBTReplay(
                    file: file, speed: config.speed, loop: config.loop, hub: hub, clock: context.clock, logger: context.logger
                ).run()
            case let .memoryFile(path):
                try await LiveFollower(provider: MemoryFileProvider(path: path), hub: hub, clock: context.clock, logger: context.logger).run()
            case let .teleport(teleport):
                let receiver = try await TeleportReceiver.start(
                    config: teleport, clock: context.clock, logger: context.logger, label: "iracing source '\(id)'", hub: hub)
                do {
                    try await LiveFollower(provider: receiver, hub: hub, clock: context.clock, logger: context.logger).run()
                } catch {
                    await receiver.close()
                    throw error
                }
            case .live:
                try await runLive(hub)
            }
        } catch is CancellationError {
            return
        }
    }

    #if os(Windows)
    private func runLive(_ hub: SourceHub) async throws {
        try await LiveFollower(provider: WindowsLiveMemoryProvider(), hub: hub, clock: context.clock, logger: context.logger).run()
    }
    #else
    /// Off Windows, the sim runs under Wine/Proton and a bridge backs its map with a tmpfs file:
    /// follow that file, quietly waiting while it is absent.
    private func runLive(_ hub: SourceHub) async throws {
        let path = context.resolvePath(config.shmPath)
        let waiting =
            "waiting for \(path), the sim's memory map as a Wine/Proton shared-memory bridge (wineshm, simshmbridge, shm-bridge) exposes it: start iRacing with the bridge (see the iracing source's README), or use 'teleport:' to receive it from a Windows PC"
        let provider = MemoryFileProvider(path: path, mode: "live", absentReason: waiting)
        try await LiveFollower(provider: provider, hub: hub, clock: context.clock, logger: context.logger).run()
    }
    #endif
}
