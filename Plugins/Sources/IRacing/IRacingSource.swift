import BrokerCore
import Logging

/// The `iracing` source: iRacing's telemetry from the running sim (Windows), from a file that
/// mirrors the sim's memory map (`memory_file:`), or from a disk telemetry file (`ibt:`).
///
/// All three read the same irsdk layout with the same parser, declare every variable the sim
/// declares (with its own unit and description), and publish the sim's rows as they are. Session
/// info is served as a JSON tree; laps and session-info changes are events.
public struct IRacingSource: Source {
    public typealias Config = IRacingConfig

    public static let typeName = "iracing"
    public static let summary = "iRacing telemetry: the running sim (Windows), a copy of its memory map, or an .ibt replay"
    public static let providedVariables = ProvidedVariables.catalogue
    public static let sampleConfig = """
        # iRacing source: every variable the sim declares, session info, lap and session-info events.
        sources:
          - type: iracing
            id: iracing
            # With neither 'ibt' nor 'memory_file', reads the running sim's live shared memory
            # (Windows only; elsewhere the source reports connected: false and says why).
            # ibt: telemetry/session.ibt   # replay a disk telemetry file (relative to this file's folder)
            # speed: 1.0                   # replay speed, ibt only: 1 = real time, 0 = as fast as possible
            # loop: false                  # start the replay again at the end, ibt only
            # memory_file: /dev/shm/irsdk  # follow a file laid out like the live memory map
        sinks:
          - type: stdout

        """

    /// Where the telemetry comes from, decided (and for a replay, opened and checked) at start.
    enum Input: Sendable {
        case replay(IBTFile)
        case memoryFile(String)
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
    /// Why live mode cannot work here: said once in the log and kept in the status.
    static let liveUnavailableReason =
        "live iRacing telemetry comes from the sim's shared memory, which exists only on Windows; on this system use 'ibt:' to replay a disk telemetry file or 'memory_file:' to follow a copy of the memory map"

    private func runLive(_ hub: SourceHub) async throws {
        context.logger.warning("\(Self.liveUnavailableReason)")
        hub.setConnected(false, details: [("mode", "live"), ("reason", .string(Self.liveUnavailableReason))])
        while true { try await context.clock.sleep(until: context.clock.now() + 3600) }
    }
    #endif
}
