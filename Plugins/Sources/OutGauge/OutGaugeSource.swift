import BrokerCore
import OutGaugeProtocol
import UDPSupport

/// OutGauge over UDP on its own, without InSim: BeamNG.drive, Live for Speed configured in its
/// `cfg.txt`, and the other games that copied LFS's dashboard feed. One datagram is one frame.
///
/// The values are the InSim source's OutGauge mapping (the shared `OutGaugeProtocol` module), so a
/// dashboard reads LFS through either source, and BeamNG, the same way.
public struct OutGaugeSource: Source {
    public typealias Config = OutGaugeSourceConfig

    public static let typeName = "outgauge"
    public static let summary = "OutGauge dashboard datagrams over UDP (BeamNG.drive, LFS without InSim, others)"
    public static let providedVariables = ProvidedVariables.variables(variables)
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    /// The shared OutGauge variables, plus the car name the sender wrote.
    public static let variables: [VariableInfo] =
        OutGaugeVariables.all + [
            VariableInfo(
                name: "OutGaugeCar", type: .string,
                description: "Car name in the OutGauge packet: LFS car code or mod SkinID, 'beam' for BeamNG.drive")
        ]

    /// Seconds between status refreshes (datagram counts) while datagrams arrive.
    static let statusInterval = 1.0

    let id: String
    let config: OutGaugeSourceConfig
    let context: PluginContext

    public init(id: String, config: OutGaugeSourceConfig, context: PluginContext) throws {
        self.id = id
        self.config = config
        self.context = context
    }

    public func run(output hub: SourceHub) async throws {
        let label = "outgauge source '\(id)'"
        let intake = try await DatagramIntake.start(
            listen: config.listen, forward: config.forward, clock: context.clock, label: label, source: hub)
        let layout = hub.declare(Self.variables.map { VariableDeclaration($0, stringCapacity: OutGaugeVariables.displayCapacity) })
        guard let fields = OutGaugeFrameFields(layout: layout), let carField = layout.fieldIndex(named: "OutGaugeCar") else {
            await intake.close()
            throw PluginError("\(label): the frame layout lacks the OutGauge variables")
        }
        var status = StatusReport(
            listen: "\(config.listen)", intake: intake, drops: DropTally(logger: context.logger, context: "\(label) on \(config.listen)", source: hub)
        )
        hub.setStatus(status.current(reason: "waiting for OutGauge datagrams"))
        let clock = context.clock
        var lastStatusAt = -Double.infinity
        for await event in intake.events {
            switch event {
            case let .datagram(bytes):
                let packet: OutGaugePacket
                do {
                    packet = try OutGaugePacket.decode(bytes)
                } catch {
                    status.drops.record(bytes.count < 92 ? "short datagram" : "wrong length", detail: "\(error)")
                    continue
                }
                var row = FrameRow(layout: layout)
                fields.write(packet, into: &row)
                row.setString(carField, packet.car)
                hub.publish(row)
                let changed =
                    !status.connected || status.packet?.sender != packet.sender || status.packet?.car != packet.car
                    || status.packet?.id != packet.id
                status.connected = true
                status.packet = packet
                let now = clock.now()
                if changed || now - lastStatusAt >= Self.statusInterval {
                    lastStatusAt = now
                    hub.setStatus(status.current())
                }
            case let .silence(seconds):
                status.connected = false
                hub.setStatus(status.current(reason: "no datagram for \((seconds * 10).rounded() / 10) s"))
            }
        }
        await intake.close()
        status.connected = false
        hub.setStatus(status.current(reason: "stopped"))
    }
}

/// What the source's status says: the address, counts, and which sim the last packet came from.
struct StatusReport {
    let listen: String
    let intake: DatagramIntake
    let drops: DropTally
    var connected = false
    var packet: OutGaugePacket?

    func current(reason: String? = nil) -> SourceStatus {
        var details: [(String, JSONValue)] = [("listen", .string(listen)), ("received", .int(Int64(intake.received)))]
        if let packet {
            details += [("sim", .string(packet.sender.rawValue)), ("car", .string(packet.car))]
            if let id = packet.id { details.append(("outgauge_id", .int(Int64(id)))) }
        }
        if !intake.forwardCounts.isEmpty { details.append(("forward", intake.forwardJSON)) }
        if drops.total > 0 { details.append(("dropped", drops.json)) }
        if intake.overloaded > 0 { details.append(("overloaded", .int(Int64(intake.overloaded)))) }
        if let reason { details.append(("reason", .string(reason))) }
        return SourceStatus(connected: connected, details: details)
    }
}
