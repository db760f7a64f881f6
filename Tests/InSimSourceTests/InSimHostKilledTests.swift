import BrokerCore
import BrokerTestSupport
import InSimSource
import InSimTestSupport
import Testing

/// LFS killed in the middle of a packet: the connection is reset with half a packet in
/// flight and the port stays closed for a while. The source must report `connected: false` with the
/// reason, retry with its backoff while nothing listens (one line per failed attempt, no busy loop),
/// and, once LFS is back on the same port, connect and rebuild the race from scratch.
@Suite(.serialized) struct InSimHostKilledTests {
    @Test func aHostKilledMidPacketIsReportedRetriedWithBackoffAndFollowedAgainWhenItIsBack() async throws {
        let responses = LFSRaceScript.hostResponses
        let first = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(responses: responses) }
        let port = first.port
        try await RunningSource.with(.forTests(port: port, minS: 0.05, maxS: 0.2)) { source in
            #expect(await waitUntil { source.hub.status.connected && source.drivers.count == 20 })
            try await first.send(LFSRaceScript.multiCarInfoSet(step: 0))
            #expect(await waitUntil { source.frame != nil })
            let seqBeforeKill = source.frame?.seq ?? 0
            let sessionInfoVersion = source.hub.sessionInfo?.version ?? 0

            // Half an IS_MCI, then the host dies.
            let packet = LFSRaceScript.multiCarInfoSet(step: 1)[0]
            try await first.send(Array(packet.prefix(packet.count / 2)))
            await first.kill()

            #expect(await waitUntil { !source.hub.status.connected })
            let reason = JSONValue.object(source.hub.status.details)["reason"]?.stringValue ?? ""
            #expect(
                reason.contains("LFS closed the connection") || reason.contains("connection ended inside a packet"),
                "the reason names the lost connection: \(reason)")
            #expect(source.frame?.seq == seqBeforeKill, "nothing published from the half packet")
            // While nothing listens: refused attempts, paced by the backoff (0.05, 0.1, 0.2, 0.2 s).
            #expect(await waitUntil { source.clock.requestedSleeps.count >= 4 })
            let refusedReason = JSONValue.object(source.hub.status.details)["reason"]?.stringValue ?? ""
            #expect(refusedReason.contains("cannot connect"), "\(refusedReason)")
            let sleeps = source.clock.requestedSleeps
            #expect(Array(sleeps.prefix(4)) == [0.05, 0.1, 0.2, 0.2])
            #expect(source.log.warnings.count == sleeps.count, "one line per failed attempt: \(source.log.warnings)")

            // LFS is back on the same port: connected again, the race rebuilt (a new session info, listing
            // every driver again), frames flowing.
            let second = try await FakeLFSHost(port: port) { _ in FakeLFSHost.Behaviour(responses: responses) }
            #expect(await waitUntil { source.hub.status.connected })
            #expect(await waitUntil { (source.hub.sessionInfo?.version ?? 0) > sessionInfoVersion && source.drivers.count == 20 })
            let seq = source.frame?.seq ?? 0
            try await second.send(LFSRaceScript.multiCarInfoSet(step: 3))
            #expect(await waitUntil { (source.frame?.seq ?? 0) > seq })
            let slot = try #require(source.carIndex(ofPlayer: 20))
            #expect(source.element("CarIdxLap", slot) == .int(5))
            await source.stop()
            await second.stop()
        }
    }
}
