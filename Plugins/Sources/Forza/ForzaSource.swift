import BrokerCore
import UDPSupport

/// The Forza source: listens for Forza Motorsport 7 / 2023 and Forza Horizon 4/5 "Data Out"
/// datagrams, tells the format from the length, and publishes each as a frame in catalogue units.
///
/// The game only sends; nothing is asked of it. A datagram of no known length is dropped and
/// counted; `IsRaceOn` 0 (menus, paused) is `on_track: false` in the status, not a frame.
public struct ForzaSource: Source {
    public typealias Config = ForzaSourceConfig

    public static let typeName = "forza"
    public static let summary = "Forza Motorsport 7 / 2023 and Forza Horizon 4/5 Data Out over UDP"
    public static let providedVariables = ProvidedVariables.variables(ForzaVariables.all)
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    let id: String
    let config: ForzaSourceConfig
    let context: PluginContext
    /// Seconds without a datagram before the source says `connected: false`.
    let silenceTimeout: Double

    public init(id: String, config: ForzaSourceConfig, context: PluginContext) throws {
        self.init(id: id, config: config, context: context, silenceTimeout: 2)
    }

    public init(id: String, config: ForzaSourceConfig, context: PluginContext, silenceTimeout: Double) {
        self.id = id
        self.config = config
        self.context = context
        self.silenceTimeout = silenceTimeout
    }

    public func run(output hub: SourceHub) async throws {
        let label = "forza source '\(id)'"
        let intake = try await DatagramIntake.start(
            listen: config.listen, forward: config.forward, idleTimeout: silenceTimeout, clock: context.clock, label: label, source: hub)
        let layout = hub.declare(ForzaVariables.declarations)
        let drops = DropTally(logger: context.logger, context: "\(label) on \(config.listen)", source: hub)
        var session = ForzaSession(writer: ForzaFrameWriter(layout: layout), formatChoice: config.format, drops: drops)
        let listen = config.listen.description
        func status(connected: Bool, reason: String?) {
            var details: [(String, JSONValue)] = [("listen", .string(listen))]
            if let reason { details.append(("reason", .string(reason))) }
            details += session.statusDetails
            details.append(("forward", intake.forwardJSON))
            hub.setConnected(connected, details: details)
        }
        status(connected: false, reason: "waiting for Forza Data Out")
        var connected = false
        // The stream ends when this task is cancelled.
        for await event in intake.events {
            switch event {
            case let .datagram(bytes):
                let outcome = session.handle(bytes, now: context.clock.now())
                if let row = outcome.row { hub.publish(row) }
                for event in outcome.events { hub.emit(event.name, event.data) }
                if !connected || outcome.statusChanged {
                    if !connected { context.logger.info("\(label): receiving on \(listen)") }
                    connected = true
                    status(connected: true, reason: nil)
                }
            case let .silence(seconds):
                connected = false
                session.silenceBegan()
                context.logger.info("\(label): no datagram for \(Int(seconds)) s")
                status(connected: false, reason: "no datagram for \(Int(seconds)) s")
            }
        }
        await intake.close()
    }
}
