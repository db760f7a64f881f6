import BrokerCore
import BrokerTestSupport
import InSimSource
import InSimTestSupport
import NIOCore
import NIOPosix
import Testing

/// Values derived from "the current one" (the viewed car, the current track) follow it when it
/// changes, and a packet part that does not apply never hides the parts that do.
@Suite(.serialized) struct InSimStaleValueTests {
    private func startRace(withOutGauge: Bool = false) async throws -> (FakeLFSHost, RunningSource, Int) {
        let responses = LFSRaceScript.hostResponses
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(responses: responses) }
        let (source, ports) = try await RunningSource.startOnFreeUDPPorts(withOutGauge ? 1 : 0) {
            .forTests(port: host.port, outgaugePort: $0.first ?? 0)
        }
        let ready = await waitUntil {
            source.drivers.count == LFSRaceScript.playerIDs.count && source.sessionInfo?["WeekendInfo"]?["TrackNumNodes"] != nil
        }
        #expect(ready, "session info never listed the race")
        return (host, source, ports.first ?? 0)
    }

    /// An open configuration (LA1X) has no path nodes, yet its RST carries custom timing with three
    /// checkpoints and the race flags: those stay visible, only the node facts go.
    @Test func aRaceStartWithoutNodesKeepsItsRaceSettings() async throws {
        let (host, source, _) = try await startRace()
        try await host.send([
            LFSPacket.state(players: 20, connections: 21, raceLaps: 0, track: "LA1X"),
            LFSPacket.raceStart(
                raceLaps: 0, players: 20, track: "LA1X", nodes: 0, finish: 0, splits: [0, 0, 0], timing: 0x80 | 3, raceFlags: 0x0240),
        ])
        #expect(
            await waitUntil { source.sessionInfo?["WeekendInfo"]?["TrackName"] == .string("LA1X") && source.events(named: "race_start").count == 1 })
        let weekend = try #require(source.sessionInfo?["WeekendInfo"])
        #expect(weekend["LapTiming"] == .string("custom"))
        #expect(weekend["NumCheckpoints"] == .int(3))
        #expect(weekend["RaceFlags"] == .int(0x0240))
        #expect(weekend["TrackNumNodes"] == nil)
        #expect(weekend["TrackFinishNode"] == nil)
        #expect(weekend["TrackSplitNodes"] == nil)
        await source.stop()
        await host.stop()
    }

    /// An RST for another track than the current one describes nothing current.
    @Test func aRaceStartForAnotherTrackShowsNoRaceSettings() async throws {
        let (host, source, _) = try await startRace()
        try await host.send(LFSPacket.state(players: 20, connections: 21, raceLaps: 5, track: "AS1"))
        #expect(await waitUntil { source.sessionInfo?["WeekendInfo"]?["TrackName"] == .string("AS1") })
        let weekend = try #require(source.sessionInfo?["WeekendInfo"])
        #expect(weekend["LapTiming"] == nil)
        #expect(weekend["TrackNumNodes"] == nil)
        await source.stop()
        await host.stop()
    }

    private func gauge(plid: UInt8, rpm: Float, gear: UInt8) -> [UInt8] {
        LFSPacket.outGauge(
            gear: gear, plid: plid, speed: 20, rpm: rpm, engineTemp: 80, fuel: 0.5, oilPressure: 3, oilTemp: 90, dashLights: 0, showLights: 0,
            throttle: 0.5, brake: 0, clutch: 0)
    }

    /// OutGauge describes the viewed car only: when the view moves on, the car left behind reads
    /// null RPM and gear 0 again instead of its last values.
    @Test func aCarNoLongerViewedLosesItsRPMAndGear() async throws {
        let (host, source, port) = try await startRace(withOutGauge: true)
        let sender = try LoopbackUDPSender(port: port)
        let slot14 = try #require(source.carIndex(ofPlayer: 14))
        let slot15 = try #require(source.carIndex(ofPlayer: 15))
        sender.send(gauge(plid: 14, rpm: 5000, gear: 4))
        #expect(await waitUntil { source.element("CarIdxRPM", slot14) == .float(5000) })
        #expect(source.element("CarIdxGear", slot14) == .int(3))

        sender.send(gauge(plid: 15, rpm: 3000, gear: 3))
        #expect(await waitUntil { source.element("CarIdxRPM", slot15) == .float(3000) })
        #expect(source.element("CarIdxGear", slot15) == .int(2))
        #expect(source.element("CarIdxRPM", slot14) == .null)
        #expect(source.element("CarIdxGear", slot14) == .int(0))

        // No car viewed (PLID 0): nobody's RPM is current.
        sender.send(gauge(plid: 0, rpm: 800, gear: 1))
        #expect(await waitUntil { source.value("RPM") == .float(800) })
        #expect(source.element("CarIdxRPM", slot15) == .null)
        #expect(source.element("CarIdxGear", slot15) == .int(0))
        await source.stop()
        await host.stop()
    }

    /// OutGauge that stops (LFS left the car view, or the game closed) leaves no dashboard values
    /// frozen: after the silence, frames read null for them and the viewed car's RPM is cleared.
    @Test func outGaugeThatStopsClearsTheDashboardValues() async throws {
        let (host, source, port) = try await startRace(withOutGauge: true)
        let sender = try LoopbackUDPSender(port: port)
        let slot14 = try #require(source.carIndex(ofPlayer: 14))
        sender.send(gauge(plid: 14, rpm: 5000, gear: 4))
        #expect(await waitUntil { source.element("CarIdxRPM", slot14) == .float(5000) })
        #expect(await waitUntil(timeout: 6) { source.value("RPM") == .null })
        #expect(source.value("Speed") == .null)
        #expect(source.element("CarIdxRPM", slot14) == .null)
        #expect(source.element("CarIdxGear", slot14) == .int(0))
        await source.stop()
        await host.stop()
    }
}
