import BrokerCore
import BrokerTestSupport
import InSimSource
import InSimTestSupport
import NIOCore
import NIOPosix
import OutGaugeProtocol
import Testing
import UDPSupport

/// OutGauge (and MCI) datagrams sent to the source's bound loopback UDP port.
@Suite(.serialized) struct OutGaugeTests {
    private struct Sender {
        let channel: any Channel
        let target: SocketAddress

        static func open(to port: Int) async throws -> Sender {
            let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
            return Sender(channel: channel, target: try SocketAddress(ipAddress: "127.0.0.1", port: port))
        }

        func send(_ bytes: [UInt8]) async throws {
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: bytes)))
        }

        func close() async { try? await channel.close() }
    }

    private func startRaceWithOutGauge() async throws -> (FakeLFSHost, RunningSource, Sender, Int) {
        let responses = LFSRaceScript.hostResponses
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(responses: responses) }
        let (source, ports) = try await RunningSource.startOnFreeUDPPorts(1) { .forTests(port: host.port, outgaugePort: $0[0]) }
        let port = ports[0]
        #expect(await waitUntil { source.hub.status.connected && source.drivers.count == 20 })
        return (host, source, try await Sender.open(to: port), port)
    }

    @Test func theSourceAsksForOutGaugeOnItsUDPPort() async throws {
        let (host, source, sender, port) = try await startRaceWithOutGauge()
        let packets = host.received(connection: 0)
        guard case let .initialise(isi)? = try packets.first.map(InSimDecoder.decode) else {
            Issue.record("the first packet is not an IS_ISI")
            return
        }
        #expect(Int(isi.udpPort) == port)
        #expect(packets.contains(InSimEncoder.small(SmallSubtype.startGauges, value: 1)))
        await sender.close()
        await source.stop()
        await host.stop()
    }

    @Test func outGaugeValuesMapOntoTheCanonicalNames() async throws {
        let (host, source, sender, _) = try await startRaceWithOutGauge()
        let lights = OutGaugePacket.Light.shift | OutGaugePacket.Light.oilWarning | OutGaugePacket.Light.pitSpeed | OutGaugePacket.Light.abs
        try await sender.send(
            LFSPacket.outGauge(
                flags: 0x4000 | 0x8000 | 0x2000, gear: 4, plid: 14, speed: 42.5, rpm: 6512.25, turbo: 0.75, engineTemp: 91.5, fuel: 0.375,
                oilPressure: 4.25, oilTemp: 104.5, dashLights: lights, showLights: OutGaugePacket.Light.shift | OutGaugePacket.Light.pitSpeed,
                throttle: 0.875, brake: 0.125, clutch: 0.5, display1: "Fuel 37.5%", display2: "Brake Bal 60%", id: 7))
        #expect(await waitUntil { source.value("RPM") == .float(6512.25) })
        #expect(source.value("Speed") == .float(42.5))
        #expect(source.value("Gear") == .int(3))
        #expect(source.value("Throttle") == .float(0.875))
        #expect(source.value("Brake") == .float(0.125))
        #expect(source.value("Clutch") == .float(0.5))
        #expect(source.value("FuelLevelPct") == .float(0.375))
        #expect(source.value("WaterTemp") == .float(91.5))
        #expect(source.value("OilTemp") == .float(104.5))
        #expect(source.value("OilPress") == .float(4.25))
        #expect(source.value("TurboPressure") == .float(0.75))
        #expect(source.value("EngineWarnings") == .int(0x10))
        #expect(source.value("DisplayUnits") == .int(1))
        #expect(source.value("ShiftIndicatorPct") == .float(1))
        #expect(source.value("DashLights") == .int(Int64(lights)))
        #expect(source.value("ShowLights") == .int(Int64(OutGaugePacket.Light.shift | OutGaugePacket.Light.pitSpeed)))
        #expect(source.value("DashDisplay1") == .string("Fuel 37.5%"))
        #expect(source.value("DashDisplay2") == .string("Brake Bal 60%"))
        let slot = try #require(source.carIndex(ofPlayer: 14))
        #expect(source.value("PlayerCarIdx") == .int(Int64(slot)))
        #expect(source.element("CarIdxRPM", slot) == .float(6512.25))
        #expect(source.element("CarIdxGear", slot) == .int(3))

        // Reverse and neutral, imperial units, no turbo gauge, oil warning lit, no shift light.
        try await sender.send(
            LFSPacket.outGauge(
                flags: 0, gear: 0, plid: 14, speed: 1.5, rpm: 1200, turbo: 0.5, engineTemp: 80, fuel: 0.5, oilPressure: 3, oilTemp: 90,
                dashLights: OutGaugePacket.Light.oilWarning, showLights: OutGaugePacket.Light.oilWarning, throttle: 0, brake: 0, clutch: 1))
        #expect(await waitUntil { source.value("RPM") == .float(1200) })
        #expect(source.value("Gear") == .int(-1))
        #expect(source.value("DisplayUnits") == .int(0))
        #expect(source.value("TurboPressure") == .null)
        #expect(source.value("ShiftIndicatorPct") == .null)
        #expect(source.value("EngineWarnings") == .int(0x04))
        try await sender.send(
            LFSPacket.outGauge(
                gear: 1, plid: 14, speed: 0, rpm: 900, engineTemp: 80, fuel: 0.5, oilPressure: 3, oilTemp: 90, dashLights: 0, showLights: 0,
                throttle: 0, brake: 0, clutch: 0))
        #expect(await waitUntil { source.value("RPM") == .float(900) })
        #expect(source.value("Gear") == .int(0))
        await sender.close()
        await source.stop()
        await host.stop()
    }

    @Test(.enabled(if: TestData.isAvailable, "needs ../shared/data/insim/vectors.md"))
    func thePublishedOutGaugeVectorMapsExactly() async throws {
        let vector = try InSimVectorFile.load().bytes("OutGaugePack with ID")
        let (host, source, sender, _) = try await startRaceWithOutGauge()
        try await sender.send(vector)
        #expect(await waitUntil { source.value("RPM") == .float(2450.390625) })
        #expect(source.value("Speed") == .float(11.197486877441406))
        #expect(source.value("Gear") == .int(2))
        #expect(source.value("Throttle") == .float(0.009347498416900635))
        #expect(source.value("Clutch") == .float(0.15832999348640442))
        #expect(source.value("FuelLevelPct") == .float(0.9998521208763123))
        #expect(source.value("TurboPressure") == .float(-0.9999896883964539))
        #expect(source.value("DashDisplay2") == .string("Brake Bal Fr 75%"))
        await sender.close()
        await source.stop()
        await host.stop()
    }

    @Test func multiCarInfoArrivesByUDPToo() async throws {
        let (host, source, sender, _) = try await startRaceWithOutGauge()
        for packet in LFSRaceScript.multiCarInfoSet(step: 2) { try await sender.send(packet) }
        #expect(await waitUntil { source.frame != nil && source.element("CarIdxLap", 0) != .int(-1) })
        for playerID in LFSRaceScript.playerIDs {
            let slot = try #require(source.carIndex(ofPlayer: Int(playerID)))
            #expect(source.element("CarIdxLap", slot) == .int(4))
            #expect(source.element("CarIdxPosition", slot) == .int(Int64(LFSRaceScript.car(playerID, step: 2).position)))
        }
        await sender.close()
        await source.stop()
        await host.stop()
    }

    @Test func badDatagramsAreDroppedWithOneWarningAndTheConnectionStays() async throws {
        let (host, source, sender, _) = try await startRaceWithOutGauge()
        for length in [1, 50, 93, 200] { try await sender.send([UInt8](repeating: 0xAB, count: length)) }
        // A valid packet after the bad ones proves they were all processed.
        try await sender.send(
            LFSPacket.outGauge(
                gear: 2, plid: 11, speed: 3, rpm: 3000, engineTemp: 80, fuel: 0.5, oilPressure: 3, oilTemp: 90, dashLights: 0, showLights: 0,
                throttle: 0.5, brake: 0, clutch: 0))
        #expect(await waitUntil { source.value("RPM") == .float(3000) })
        let warnings = source.log.lines.filter { $0.message.contains("dropped input") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.level == .warning)
        #expect(warnings.first?.message.contains("neither OutGauge nor MCI/NLP") == true)
        #expect(await waitUntil { JSONValue.object(source.hub.status.details)["dropped"] == .object([("neither OutGauge nor MCI/NLP", .int(4))]) })
        #expect(host.connectionCount == 1)
        #expect(source.hub.status.connected)
        await sender.close()
        await source.stop()
        await host.stop()
    }

    /// `forward:` re-sends every datagram of both UDP ports, unchanged and malformed ones too, to
    /// each target, while the source decodes them; counted per target in the status.
    @Test func bothUDPPortsForwardEveryDatagramUnchanged() async throws {
        let first = try LoopbackUDPReceiver()
        let second = try LoopbackUDPReceiver()
        let responses = LFSRaceScript.hostResponses
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(responses: responses) }
        let forward = [try UDPTarget(parsing: "127.0.0.1:\(first.port)"), try UDPTarget(parsing: "127.0.0.1:\(second.port)")]
        let (source, ports) = try await RunningSource.startOnFreeUDPPorts(2) { ports in
            var config = InSimSourceConfig.forTests(port: host.port, outgaugePort: ports[1], udpPort: ports[0])
            config.forward = forward
            return config
        }
        let (udpPort, outgaugePort) = (ports[0], ports[1])
        #expect(await waitUntil { source.hub.status.connected && source.drivers.count == 20 })
        let gauge = LFSPacket.outGauge(
            gear: 3, plid: 11, speed: 7, rpm: 4321, engineTemp: 80, fuel: 0.5, oilPressure: 3, oilTemp: 90, dashLights: 0, showLights: 0,
            throttle: 0.5, brake: 0, clutch: 0)
        let mci = LFSRaceScript.multiCarInfoSet(step: 3)
        let malformed: [UInt8] = [1, 2, 3]
        let toUDPPort = try LoopbackUDPSender(port: udpPort)
        let toOutGaugePort = try LoopbackUDPSender(port: outgaugePort)
        for packet in mci { toUDPPort.send(packet) }
        toOutGaugePort.send(malformed)
        toOutGaugePort.send(gauge)
        #expect(await waitUntil { source.value("RPM") == .float(4321) && source.element("CarIdxLap", 0) == .int(5) })
        let sent = Set(mci + [malformed, gauge])
        for receiver in [first, second] {
            let received = try await receiver.wait(timeout: 5) { $0.count == sent.count }
            #expect(received.count == sent.count)
            #expect(Set(received.map(\.bytes)) == sent)
        }
        let targets = ["127.0.0.1:\(first.port)", "127.0.0.1:\(second.port)"]
        func forwarded(_ key: String) -> [Int64]? {
            let forward = JSONValue.object(source.hub.status.details)["udp"]?[key]?["forward"]
            return targets.map { forward?[$0]?["sent"]?.intValue ?? -1 }
        }
        #expect(
            await waitUntil(timeout: 5) { forwarded("udp_port") == [Int64(mci.count), Int64(mci.count)] && forwarded("outgauge_port") == [2, 2] })
        await source.stop()
        await host.stop()
        first.stop()
        second.stop()
    }

    @Test func aUDPPortInUseStopsTheSourceWithAClearError() async throws {
        let blocker = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(blocker.localAddress?.port)
        try await RunningSource.with(.forTests(port: 1, outgaugePort: port)) { source in
            let result = await source.task.result
            guard case let .failure(error) = result else {
                Issue.record("the source ran with its UDP port taken")
                return
            }
            #expect("\(error)".hasPrefix("insim source 'lfs' (outgauge_port): cannot listen on UDP 127.0.0.1:\(port)"))
            try await blocker.close()
        }
    }
}
