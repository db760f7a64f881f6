import BrokerCore
import BrokerTestSupport
import InSimTestSupport
import OutGaugeProtocol
import OutGaugeSource
import Testing
import UDPSupport

/// An `outgauge` source on a loopback port, fed by a real UDP socket, for one test.
private struct RunningOutGauge {
    let hub: SourceHub
    let log: LogCapture
    let task: Task<Void, any Error>
    let sender: LoopbackUDPSender

    /// Starts the source on a port from `freeLoopbackPort` and waits until it is bound (its first
    /// status names it). Another test can take the port between the pick and the bind: then the
    /// source is started again on a new one (at most 5 attempts).
    static func start(forward: [String] = []) async throws -> RunningOutGauge {
        var attempt = 1
        while true {
            let port = try freeLoopbackPort(udp: true)
            let config = OutGaugeSourceConfig(
                listen: try UDPTarget(parsing: "127.0.0.1:\(port)"), forward: try forward.map { try UDPTarget(parsing: $0) })
            let log = LogCapture()
            let registry = VariableRegistry()
            let hub = SourceHub(id: "dash", typeName: OutGaugeSource.typeName, registry: registry)
            let source = try OutGaugeSource(id: "dash", config: config, context: PluginContext(logger: log.logger, registry: registry))
            let ended = DoneFlag()
            let task = Task {
                defer { ended.set() }
                try await source.run(output: hub)
            }
            _ = await waitUntil { JSONValue.object(hub.status.details)["listen"] != nil || ended.isSet }
            if !ended.isSet || attempt == 5 {
                return RunningOutGauge(hub: hub, log: log, task: task, sender: try LoopbackUDPSender(port: port))
            }
            attempt += 1
        }
    }

    func value(_ name: String) -> JSONValue? { hub.latestFrame?.value(named: name) }

    var details: JSONValue { .object(hub.status.details) }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// Runs a source (see `start`) for `body` and stops it on every way out of `body`.
    static func with<Value>(forward: [String] = [], _ body: (RunningOutGauge) async throws -> Value) async throws -> Value {
        try await using(try await start(forward: forward), stop: { await $0.stop() }, body)
    }
}

/// OutGauge datagrams through `type: outgauge`: LFS's published vector, BeamNG's shape, forwarding,
/// bad input and silence, over real loopback sockets.
@Suite struct OutGaugeSourceTests {
    private func checkPublishedVector(_ source: RunningOutGauge, id: Int64?) {
        #expect(source.value("Speed") == .float(11.197486877441406))
        #expect(source.value("Gear") == .int(2))
        #expect(source.value("Throttle") == .float(0.009347498416900635))
        #expect(source.value("Brake") == .float(0.000009544251952320337))
        #expect(source.value("Clutch") == .float(0.15832999348640442))
        #expect(source.value("FuelLevelPct") == .float(0.9998521208763123))
        #expect(source.value("TurboPressure") == .float(-0.9999896883964539))
        #expect(source.value("WaterTemp") == .float(0))
        #expect(source.value("OilPress") == .float(0))
        #expect(source.value("DisplayUnits") == .int(1))
        #expect(source.value("DashLights") == .int(0x766))
        #expect(source.value("ShowLights") == .int(0))
        #expect(source.value("EngineWarnings") == .int(0))
        #expect(source.value("ShiftIndicatorPct") == .null)
        #expect(source.value("DashDisplay1") == .string("Fuel 99.9%   "))
        #expect(source.value("DashDisplay2") == .string("Brake Bal Fr 75%"))
        #expect(source.value("OutGaugeCar") == .string("XRT"))
        #expect(source.details["sim"] == .string("LFS or compatible"))
        #expect(source.details["outgauge_id"] == id.map { .int($0) })
    }

    @Test(.enabled(if: TestData.isAvailable, "needs ../shared/data/insim/vectors.md"))
    func theLFSVectorsMapLikeTheInSimSource() async throws {
        let vector = try InSimVectorFile.load().bytes("OutGaugePack with ID")
        #expect(vector.count == 96)
        try await RunningOutGauge.with { source in
            source.sender.send(vector)
            #expect(await waitUntil { source.value("RPM") == .float(2450.390625) })
            #expect(source.hub.status.connected)
            checkPublishedVector(source, id: 16_974_912)

            // The same packet without the ID, as LFS sends it when OutGauge ID is 0.
            var withoutID = Array(vector.prefix(92))
            withoutID[16..<20] = [0, 0, 0x7A, 0x45]  // RPM 4000, to see the new frame
            source.sender.send(withoutID)
            #expect(await waitUntil { source.value("RPM") == .float(4000) })
            checkPublishedVector(source, id: nil)
        }
    }

    /// BeamNG.drive: always 96 bytes, car `beam`, PLID and time 0, gear 0 = R and 1 = N, speed m/s,
    /// turbo bar, no oil pressure (sent as 0, published as null).
    @Test func aBeamNGDatagramMapsWithItsGearConvention() async throws {
        try await RunningOutGauge.with { source in
            func beamNG(gear: UInt8, rpm: Float) -> [UInt8] {
                LFSPacket.outGauge(
                    time: 0, car: Array("beam".utf8), flags: 0x4000 | 0x2000, gear: gear, plid: 0, speed: 27.5, rpm: rpm, turbo: 0.85,
                    engineTemp: 92, fuel: 0.62, oilPressure: 0, oilTemp: 101, dashLights: 0x1 | 0x4 | 0x400, showLights: 0x4,
                    throttle: 0.75, brake: 0.25, clutch: 0, id: 0)
            }
            let reverse = beamNG(gear: 0, rpm: 1500)
            #expect(reverse.count == 96)
            source.sender.send(reverse)
            #expect(await waitUntil { source.value("RPM") == .float(1500) })
            #expect(source.value("Gear") == .int(-1))
            #expect(source.value("Speed") == .float(27.5))
            #expect(source.value("TurboPressure") == .float(0.85))
            #expect(source.value("WaterTemp") == .float(92))
            #expect(source.value("OilTemp") == .float(101))
            #expect(source.value("FuelLevelPct") == .float(0.62))
            #expect(source.value("OilPress") == .null)
            #expect(source.value("Throttle") == .float(0.75))
            #expect(source.value("Brake") == .float(0.25))
            #expect(source.value("ShiftIndicatorPct") == .float(0))
            #expect(source.value("OutGaugeCar") == .string("beam"))
            #expect(source.details["sim"] == .string("BeamNG.drive"))
            #expect(source.details["car"] == .string("beam"))
            source.sender.send(beamNG(gear: 1, rpm: 900))
            #expect(await waitUntil { source.value("RPM") == .float(900) })
            #expect(source.value("Gear") == .int(0))
            source.sender.send(beamNG(gear: 4, rpm: 5200))
            #expect(await waitUntil { source.value("RPM") == .float(5200) })
            #expect(source.value("Gear") == .int(3))
        }
    }

    /// Every datagram, a malformed one too, reaches both targets byte for byte while the source
    /// decodes; each target's count is in the status.
    @Test func forwardingSendsEveryDatagramUnchangedToEachTarget() async throws {
        let first = try LoopbackUDPReceiver()
        let second = try LoopbackUDPReceiver()
        let targets = ["127.0.0.1:\(first.port)", "localhost:\(second.port)"]
        try await RunningOutGauge.with(forward: targets) { source in
            var sent: [[UInt8]] = []
            for index in 0..<50 {
                let id: Int32? = index % 2 == 0 ? Int32(index) : nil
                let rpm = Float(1000 + index)
                sent.append(
                    LFSPacket.outGauge(
                        time: UInt32(index), gear: UInt8(index % 7), plid: 0, speed: Float(index), rpm: rpm, engineTemp: 80, fuel: 0.5,
                        oilPressure: 3, oilTemp: 90, dashLights: 0, showLights: 0, throttle: 0.5, brake: 0, clutch: 0, id: id))
            }
            sent.insert([0xDE, 0xAD], at: 10)
            for datagram in sent { source.sender.send(datagram) }
            #expect(await waitUntil { source.value("RPM") == .float(1049) })
            for receiver in [first, second] {
                let received = try await receiver.wait(timeout: 5) { $0.count == sent.count }
                #expect(received.map(\.bytes) == sent)
            }
            #expect(
                await waitUntil(timeout: 5) {
                    source.details["forward"] == .object(targets.map { ($0, .object([("sent", .int(51)), ("failed", .int(0))])) })
                })
            #expect(source.details["dropped"] == .object([("short datagram", .int(1))]))
            await source.stop()
            first.stop()
            second.stop()
        }
    }

    @Test func badDatagramsAreCountedWithOneWarningPerKind() async throws {
        try await RunningOutGauge.with { source in
            for length in [0, 1, 91, 93, 95, 97, 500, 40] { source.sender.send([UInt8](repeating: 0x5A, count: length)) }
            let valid = LFSPacket.outGauge(
                gear: 2, plid: 0, speed: 3, rpm: 3000, engineTemp: 80, fuel: 0.5, oilPressure: 3, oilTemp: 90, dashLights: 0, showLights: 0,
                throttle: 0.5, brake: 0, clutch: 0)
            source.sender.send(valid)
            #expect(await waitUntil { source.value("RPM") == .float(3000) })
            #expect(await waitUntil { source.details["dropped"] == .object([("short datagram", .int(4)), ("wrong length", .int(4))]) })
            let warnings = source.log.lines.filter { $0.level >= .warning }
            #expect(warnings.count == 2)
            #expect(warnings.map(\.message).allSatisfy { $0.contains("outgauge source 'dash'") })
            #expect(source.hub.status.connected)
        }
    }

    @Test func twoSecondsOfSilenceMeanDisconnected() async throws {
        try await RunningOutGauge.with { source in
            #expect(source.hub.status.connected == false)
            source.sender.send(
                LFSPacket.outGauge(
                    gear: 2, plid: 0, speed: 3, rpm: 3000, engineTemp: 80, fuel: 0.5, oilPressure: 3, oilTemp: 90, dashLights: 0, showLights: 0,
                    throttle: 0.5, brake: 0, clutch: 0))
            #expect(await waitUntil { source.hub.status.connected })
            let connectedAt = LoopbackUDPReceiver.now()
            #expect(await waitUntil(timeout: 6) { !source.hub.status.connected })
            #expect(LoopbackUDPReceiver.now() - connectedAt >= 1.8)
            #expect(source.details["reason"]?.stringValue?.hasPrefix("no datagram for 2") == true)
        }
    }

    @Test func aPortInUseIsOneClearError() async throws {
        let taken = try LoopbackUDPReceiver()
        let config = OutGaugeSourceConfig(listen: try UDPTarget(parsing: "127.0.0.1:\(taken.port)"))
        let source = try OutGaugeSource(id: "dash", config: config, context: PluginContext(logger: LogCapture().logger, registry: VariableRegistry()))
        let hub = SourceHub(id: "dash", typeName: OutGaugeSource.typeName, registry: VariableRegistry())
        await #expect {
            try await source.run(output: hub)
        } throws: { error in
            "\(error)".hasPrefix("outgauge source 'dash': cannot listen on UDP 127.0.0.1:\(taken.port)")
        }
        taken.stop()
    }
}

/// A sink that does nothing, registered as `stdout` so configs with a sink load here.
private struct DiscardSink: Sink {
    struct Config: PluginConfig {
        init(from decoder: any Decoder) throws {}
    }

    static let typeName = "stdout"
    static let summary = "discards everything (test)"
    static let sampleConfig = ""

    init(id: String, config: Config, context: PluginContext) throws {}

    func run(input: SinkInput) async throws {}
}

/// The `outgauge` keys through the real config loader: defaults, values, errors with positions.
struct OutGaugeSourceConfigTests {
    private let loader = ConfigLoader(
        catalog: PluginCatalog(sources: [SourcePlugin(OutGaugeSource.self)], sinks: [SinkPlugin(DiscardSink.self)]), environment: [:])

    private func load(_ keys: String) throws -> OutGaugeSourceConfig {
        let config = try loader.load(text: "sources:\n  - type: outgauge\n\(keys)sinks:\n  - type: stdout\n", file: "test.yaml")
        return try #require(config.sources.first?.config as? OutGaugeSourceConfig)
    }

    private func errors(_ keys: String) -> [String] {
        return configErrors { try loader.load(text: "sources:\n  - type: outgauge\n\(keys)sinks:\n  - type: stdout\n", file: "test.yaml") }
    }

    @Test func defaultsAndValues() throws {
        let defaults = try load("")
        #expect(defaults.listen.description == "0.0.0.0:4444")
        #expect(defaults.forward.isEmpty)
        #expect(defaults.listeningPorts == [ListeningPort(.udp, 4444, key: "listen")])
        let set = try load("    listen: 127.0.0.1:5555\n    forward: [127.0.0.1:5556, \"[::1]:5557\"]\n")
        #expect(set.listen.description == "127.0.0.1:5555")
        #expect(set.forward.map(\.description) == ["127.0.0.1:5556", "[::1]:5557"])
    }

    @Test func malformedAddressesAreErrorsWithTheirPositions() {
        #expect(errors("    listen: 4444\n").first?.hasPrefix("test.yaml:3:13:") == true)
        #expect(errors("    forward: [nowhere]\n").first?.hasPrefix("test.yaml:3:") == true)
    }

    @Test func theSampleConfigIsValidAndEveryVariableIsProvided() throws {
        guard case let .variables(provided) = OutGaugeSource.providedVariables else {
            Issue.record("the outgauge source should list its variables")
            return
        }
        let names = provided.map(\.name)
        #expect(Set(names) == Set(OutGaugeVariables.all.map(\.name) + ["OutGaugeCar"]))
        #expect(Set(names).count == names.count)
    }
}
