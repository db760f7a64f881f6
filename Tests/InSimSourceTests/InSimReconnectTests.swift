import BrokerCore
import BrokerTestSupport
import InSimSource
import InSimTestSupport
import Testing

/// Every failure drops the connection, logs one line and reconnects after a growing delay: never a
/// crash, never a busy loop.
@Suite(.serialized) struct InSimReconnectTests {
    /// Bytes a broken or hostile host sends after the handshake, and the log text each must give.
    enum BadInput: String, CaseIterable, Sendable {
        case sizeZero, truncated, garbage, unknownType, carCountLargerThanBody, longerThanItsType

        var bytes: [UInt8] {
            switch self {
            case .sizeZero: return [1, 3, 0, 0, 0, 3, 0, 0]
            // A Size byte promising 40 bytes, then the host closes after 16.
            case .truncated: return [0x0A, 0x25, 0x01, 0x02] + [UInt8](repeating: 7, count: 12)
            case .garbage: return [0x02, 0xC8, 0x7F, 0x13, 0x9A, 0x00, 0xFF, 0x42, 0x31, 0x07, 0xE4, 0x55]
            case .unknownType: return [1, 99, 0, 0]
            case .carCountLargerThanBody: return [8, 38, 0, 3] + [UInt8](repeating: 0, count: 28)
            case .longerThanItsType: return [15, 18] + [UInt8](repeating: 0x41, count: 58)
            }
        }

        var closesAfterSending: Bool { self == .truncated }

        var logText: String {
            switch self {
            case .sizeZero: return "bad packet: packet with Size byte 0"
            case .truncated: return "bad packet: connection ended inside a packet (16 of 40 bytes)"
            case .garbage: return "bad packet: unknown packet type 200"
            case .unknownType: return "bad packet: unknown packet type 99"
            case .carCountLargerThanBody: return "bad packet: packet type 38 claims 3 cars but has 32 bytes"
            case .longerThanItsType: return "bad packet: packet type 18 of 60 bytes (allowed: 56)"
            }
        }
    }

    /// Runs the source against `host` until it has failed `failures` times, then checks the failures
    /// were paced by the backoff: the delays asked for were 0.1, 0.2, 0.4, 0.4 s..., each connection
    /// attempt came at least that long after the previous one, and each failure logged one warning.
    /// Progress, not a wall-clock window, decides when to stop, so a busy machine cannot fake a result;
    /// it can only lengthen the gaps, which the checks allow.
    private func expectPacedReconnects(
        host: FakeLFSHost, logText: String, failures: Int = 3, timeouts: InSimSource.Timeouts = RunningSource.fastTimeouts,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await RunningSource.with(.forTests(port: host.port, minS: 0.1, maxS: 0.4), timeouts: timeouts) { source in
            let failed = await waitUntil(timeout: 30) { source.clock.requestedSleeps.count >= failures }
            #expect(failed, "only \(source.clock.requestedSleeps.count) failures within 30 s", sourceLocation: sourceLocation)
            await source.stop(sourceLocation: sourceLocation)
            let sleeps = source.clock.requestedSleeps
            let warnings = source.log.warnings
            #expect(sleeps == Array([0.1, 0.2, 0.4, 0.4, 0.4, 0.4].prefix(sleeps.count)), sourceLocation: sourceLocation)
            #expect(warnings.count == sleeps.count, "one log line per failure: \(warnings)", sourceLocation: sourceLocation)
            for warning in warnings {
                #expect(warning.contains(logText), "\(warning)", sourceLocation: sourceLocation)
                #expect(warning.contains("reconnecting in"), sourceLocation: sourceLocation)
            }
            let attempts = host.connectionTimes
            #expect(
                attempts.count == sleeps.count || attempts.count == sleeps.count + 1, "\(attempts.count) connections for \(sleeps.count) failures",
                sourceLocation: sourceLocation)
            for (index, gap) in zip(attempts, attempts.dropFirst()).map({ $1 - $0 }).enumerated() where index < sleeps.count {
                #expect(
                    gap >= sleeps[index] - 0.01, "attempt \(index + 1) came \(gap) s after the previous one; the delay was \(sleeps[index]) s",
                    sourceLocation: sourceLocation)
            }
            #expect(source.hub.status.connected == false, sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: BadInput.allCases)
    func badInputAfterTheHandshakeLeadsToAPacedReconnect(_ input: BadInput) async throws {
        let host = try await FakeLFSHost { _ in
            FakeLFSHost.Behaviour(afterHandshake: input.bytes, closeAfterHandshake: input.closesAfterSending)
        }
        try await expectPacedReconnects(host: host, logText: input.logText)
        await host.stop()
    }

    @Test func aHostThatClosesAtOnceIsRetriedWithBackoff() async throws {
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(closeOnConnect: true) }
        try await expectPacedReconnects(host: host, logText: "LFS closed the connection before its version reply")
        await host.stop()
    }

    @Test func aRefusedConnectionIsRetriedWithBackoff() async throws {
        let host = try await FakeLFSHost()
        await host.stop()
        try await RunningSource.with(.forTests(port: host.port, minS: 0.1, maxS: 0.4)) { source in
            #expect(await waitUntil(timeout: 30) { source.clock.requestedSleeps.count >= 3 })
            #expect(source.hub.status.connected == false)
            #expect(JSONValue.object(source.hub.status.details)["reason"]?.stringValue?.contains("cannot connect") == true)
            await source.stop()
            let sleeps = source.clock.requestedSleeps
            #expect(sleeps == Array([0.1, 0.2, 0.4, 0.4, 0.4, 0.4].prefix(sleeps.count)))
            #expect(source.log.warnings.count == sleeps.count)
            #expect(source.log.warnings.allSatisfy { $0.contains("cannot connect") })
            #expect(JSONValue.object(source.hub.status.details)["reason"] == .string("stopped"))
        }
    }

    @Test func noVersionReplyTimesOut() async throws {
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(replyToInit: false) }
        try await expectPacedReconnects(
            host: host, logText: "no IS_VER reply within 0.15 s of IS_ISI",
            timeouts: InSimSource.Timeouts(connect: 1, handshake: 0.15, idle: 5, sessionInfoFlush: 0.02))
        await host.stop()
    }

    @Test func aSilentHostIsDroppedAfterTheIdleTimeout() async throws {
        let host = try await FakeLFSHost()
        try await expectPacedReconnects(
            host: host, logText: "no data from LFS for 0.15 s",
            timeouts: InSimSource.Timeouts(connect: 1, handshake: 1, idle: 0.15, sessionInfoFlush: 0.02))
        await host.stop()
    }

    @Test func anLFSTooOldForSizeBytesIsRefused() async throws {
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(insimVersion: 8) }
        try await expectPacedReconnects(host: host, logText: "LFS speaks InSim 8; this source needs 9 or later")
        await host.stop()
    }

    @Test func aDroppedConnectionReportsDisconnectedThenReconnectsAndRebuildsTheRace() async throws {
        let responses = LFSRaceScript.hostResponses
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(responses: responses) }
        try await RunningSource.with(.forTests(port: host.port, minS: 0.05, maxS: 0.4)) { source in
            #expect(await waitUntil { source.hub.status.connected && source.drivers.count == 20 })
            try await host.send(LFSRaceScript.multiCarInfoSet(step: 0))
            #expect(await waitUntil { source.frame != nil })
            let statusVersion = source.hub.statusVersion
            let sessionInfoVersion = source.hub.sessionInfo?.version ?? 0

            await host.dropClient()
            #expect(await waitUntil { host.connectionCount == 2 })
            #expect(await waitUntil { source.hub.status.connected && source.hub.statusVersion >= statusVersion + 2 })
            #expect(source.log.warnings.count == 1)
            #expect(source.log.warnings.first?.contains("LFS closed the connection; reconnecting in 0.05 s") == true)
            #expect(source.clock.requestedSleeps == [0.05])
            // The second connection asked for everything again; its first session info is already whole.
            #expect(await waitUntil { (source.hub.sessionInfo?.version ?? 0) > sessionInfoVersion })
            #expect(source.drivers.count == 20)
            let seq = source.frame?.seq ?? 0
            try await host.send(LFSRaceScript.multiCarInfoSet(step: 3))
            #expect(await waitUntil { (source.frame?.seq ?? 0) > seq })
            let slot = try #require(source.carIndex(ofPlayer: 20))
            #expect(source.element("CarIdxLap", slot) == .int(5))
            await source.stop()
            await host.stop()
        }
    }
}
