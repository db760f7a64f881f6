import BrokerCore
import BrokerTestSupport
import Foundation
import Logging
import Testing
import UDPSupport

@testable import F1Source

/// The source over real sockets on loopback (forwarding, bad input, status) and its model fed
/// directly (frame assembly, the player).
@Suite(.enabled(if: TestData.isAvailable)) struct F1SourceTests {
    static func makeSource(listenPort: Int, forward: [Int] = [], log: LogCapture, silence: Double = 2) throws -> (F1Source, SourceHub) {
        let registry = VariableRegistry()
        let hub = SourceHub(id: "f1", typeName: "f1", registry: registry)
        let config = F1SourceConfig(
            listen: try UDPTarget(parsing: "127.0.0.1:\(listenPort)"), forward: try forward.map { try UDPTarget(parsing: "127.0.0.1:\($0)") })
        let source = F1Source(id: "f1", config: config, context: PluginContext(logger: log.logger, registry: registry), silenceTimeout: silence)
        return (source, hub)
    }

    static func detail(_ hub: SourceHub, _ key: String) -> JSONValue? { hub.status.details.first { $0.0 == key }?.1 }

    static func dropped(_ hub: SourceHub, _ reason: String) -> Int64 {
        guard case .object(let counts)? = detail(hub, "dropped"), case .int(let count)? = counts.first(where: { $0.0 == reason })?.1 else { return 0 }
        return count
    }

    @Test func forwardsEveryDatagramByteForByteToTwoReceiversWhileDecoding() async throws {
        let first = try LoopbackUDPReceiver()
        let second = try LoopbackUDPReceiver()
        let port = try freeLoopbackPort(udp: true)
        let log = LogCapture()
        let (source, hub) = try Self.makeSource(listenPort: port, forward: [first.port, second.port], log: log)
        let task = Task { try await source.run(output: hub) }
        #expect(await waitUntil(timeout: 10) { Self.detail(hub, "port") != nil })

        var sent = try F1TestPackets.recording().map(\.bytes)
        sent.append(Array(sent[0].prefix(40)))  // malformed ones are forwarded too
        let sender = try LoopbackUDPSender(port: port)
        for datagram in sent {
            sender.send(datagram)
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(await waitUntil(timeout: 10) { first.datagrams.count == sent.count && second.datagrams.count == sent.count })
        #expect(first.datagrams.map(\.bytes) == sent)
        #expect(second.datagrams.map(\.bytes) == sent)
        #expect(await waitUntil(timeout: 5) { hub.status.connected && Self.detail(hub, "decoded") == .int(28) })
        guard case .object(let forward)? = Self.detail(hub, "forward") else {
            Issue.record("no forward counts in the status")
            task.cancel()
            return
        }
        #expect(forward.map(\.0) == ["127.0.0.1:\(first.port)", "127.0.0.1:\(second.port)"])
        #expect(forward.allSatisfy { $0.1 == .object([("sent", .int(29)), ("failed", .int(0))]) })
        #expect(Self.detail(hub, "game") == .string("F1 24"))
        #expect(Self.dropped(hub, "short packet") == 1)
        #expect((hub.latestFrame?.seq ?? 0) >= 1)
        task.cancel()
        _ = await task.result
    }

    @Test func badInputIsDroppedCountedAndWarnedOncePerKind() async throws {
        let port = try freeLoopbackPort(udp: true)
        let log = LogCapture()
        let (source, hub) = try Self.makeSource(listenPort: port, log: log)
        let task = Task { try await source.run(output: hub) }
        #expect(await waitUntil(timeout: 10) { Self.detail(hub, "port") != nil })

        let telemetry = try F1TestPackets.vector(F1TestPackets.f1_25, 6)
        var format2023 = telemetry
        format2023[0] = 0xE7  // 2023
        var unknownID = telemetry
        unknownID[6] = 16
        var lapPositionsIn2024 = try F1TestPackets.vector(F1TestPackets.f1_25, 15)
        lapPositionsIn2024[0] = 0xE8  // 2024 has no packet 15
        var unknownEvent = try F1TestPackets.vector(F1TestPackets.f1_25, 3)
        unknownEvent.replaceSubrange(29..<33, with: Array("ABCD".utf8))
        let nineStints = try F1TestPackets.vector(F1TestPackets.f1_25, 11)
        let bad: [(reason: String, bytes: [UInt8])] = [
            ("shorter than a header", [0xE9, 0x07, 25]),
            ("short packet", Array(telemetry.prefix(1351))),
            ("unsupported packet format", format2023),
            ("unknown packet id", unknownID),
            ("unknown packet id", lapPositionsIn2024),
            ("unknown event code", unknownEvent),
            ("count out of range", nineStints),
        ]
        let sender = try LoopbackUDPSender(port: port)
        for _ in 0..<3 {
            for item in bad { sender.send(item.bytes) }
        }
        sender.send(telemetry)
        #expect(await waitUntil(timeout: 10) { Self.detail(hub, "decoded") == .int(1) && Self.detail(hub, "received") == .int(22) })
        for reason in Set(bad.map(\.reason)) {
            let expected = Int64(bad.filter { $0.reason == reason }.count * 3)
            #expect(Self.dropped(hub, reason) == expected, "\(reason)")
            #expect(log.warnings.filter { $0.contains("dropped input: \(reason)") }.count == 1, "one warning for \(reason)")
        }
        #expect(log.warnings.filter { $0.contains("dropped input") }.count == 6)
        task.cancel()
        _ = await task.result
    }

    @Test func silenceDisconnectsWithAReason() async throws {
        let port = try freeLoopbackPort(udp: true)
        let (source, hub) = try Self.makeSource(listenPort: port, log: LogCapture(), silence: 0.3)
        let task = Task { try await source.run(output: hub) }
        #expect(await waitUntil(timeout: 10) { Self.detail(hub, "port") != nil })
        try LoopbackUDPSender(port: port).send(try F1TestPackets.vector(F1TestPackets.f1_25, 6))
        #expect(await waitUntil(timeout: 5) { hub.status.connected })
        #expect(await waitUntil(timeout: 5) { !hub.status.connected })
        if case .string(let reason)? = Self.detail(hub, "reason") {
            #expect(reason.hasPrefix("no datagram for"))
        } else {
            Issue.record("no reason in \(hub.status.details)")
        }
        #expect(hub.latestFrame != nil, "the pending frame is published when the game goes silent")
        task.cancel()
        _ = await task.result
    }

    // MARK: - The model, fed directly

    static func makeState(player: F1PlayerChoice = .auto) -> (F1SessionState, SourceHub) {
        let hub = SourceHub(id: "f1", typeName: "f1", registry: VariableRegistry())
        let layout = hub.declare(F1Variables.declarations)
        let state = F1SessionState(
            hub: hub, layout: layout, drops: DropTally(logger: Logger(label: "test"), context: "test"), logger: Logger(label: "test"), player: player)
        return (state, hub)
    }

    /// A number of the latest frame (NaN for null), element `element` of an array.
    static func value(_ hub: SourceHub, _ name: String, element: Int = 0) -> Double? {
        guard var value = hub.latestFrame?.value(named: name) else { return nil }
        if case .array(let elements) = value { value = elements[element] }
        switch value {
        case .null: return .nan
        case .bool(let flag): return flag ? 1 : 0
        case .int(let number): return Double(number)
        case .float(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    @Test func oneFramePerGameFrameAndNoWaitForMissingTypes() throws {
        var (state, hub) = Self.makeState()
        let kinds = [0, 2, 6, 7]  // motion, lap data, telemetry, status (F1 25 vectors)
        for index in kinds { state.handle(datagram: try F1TestPackets.vector(F1TestPackets.f1_25, index, frame: 100), now: 0) }
        #expect(hub.latestFrame == nil, "the first frame waits for the next frame id or its deadline")
        state.handle(datagram: try F1TestPackets.vector(F1TestPackets.f1_25, 0, frame: 101), now: 0.016)
        #expect(hub.latestFrame?.seq == 1)
        for index in [2, 6] { state.handle(datagram: try F1TestPackets.vector(F1TestPackets.f1_25, index, frame: 101), now: 0.017) }
        #expect(hub.latestFrame?.seq == 1)
        state.handle(datagram: try F1TestPackets.vector(F1TestPackets.f1_25, 7, frame: 101), now: 0.018)
        #expect(hub.latestFrame?.seq == 2, "published as soon as the types of the last frame are in")
        #expect(Self.value(hub, "FrameIdentifier") == 101)
        // A frame whose car status never comes: published at the deadline, not held.
        for index in [0, 2, 6] { state.handle(datagram: try F1TestPackets.vector(F1TestPackets.f1_25, index, frame: 102), now: 0.033) }
        state.tick(now: 0.05)
        #expect(hub.latestFrame?.seq == 2)
        state.tick(now: 0.033 + F1SessionState.frameDeadline)
        #expect(hub.latestFrame?.seq == 3)
        #expect(Self.value(hub, "FrameIdentifier") == 102)
    }

    @Test func playerValuesFollowThePlayerAndAreClearedWithoutOne() throws {
        var (state, hub) = Self.makeState()
        let telemetry = try F1DecodeTableTests.entryTelemetry()
        for (frame, player) in [(UInt32(1), UInt8(0)), (2, 3), (3, 255), (4, 255)] {
            state.handle(datagram: try F1TestPackets.vector(F1TestPackets.f1_25, 6, frame: frame, player: player), now: Double(frame))
        }
        // Frames 1..3 are published (each by the next frame id); frame 4 by its deadline.
        state.tick(now: 10)
        #expect(hub.latestFrame?.seq == 4)
        #expect(Self.value(hub, "PlayerCarIdx") == -1)
        #expect(Self.value(hub, "Speed")?.isNaN == true, "no player: no single-car speed")
        #expect(Self.value(hub, "RPM")?.isNaN == true)
        #expect(Self.value(hub, "CarIdxRPM", element: 3) == Double(telemetry[3].engineRPM), "the per-car values stay")

        state.handle(datagram: try F1TestPackets.vector(F1TestPackets.f1_25, 6, frame: 5, player: 3), now: 11)
        state.tick(now: 12)
        #expect(Self.value(hub, "PlayerCarIdx") == 3)
        #expect(abs((Self.value(hub, "Speed") ?? 0) - Double(telemetry[3].speed) / 3.6) < 1e-4)
        #expect(Self.value(hub, "RPM") == Double(telemetry[3].engineRPM))
        #expect(Self.value(hub, "Gear") == Double(telemetry[3].gear))
        state.handle(datagram: try F1TestPackets.vector(F1TestPackets.f1_25, 6, frame: 6, player: 0), now: 13)
        state.tick(now: 14)
        #expect(Self.value(hub, "PlayerCarIdx") == 0)
        #expect(Self.value(hub, "RPM") == Double(telemetry[0].engineRPM))
        let changes = hub.events(after: 0).events.filter { $0.name == "player_changed" }
        #expect(changes.count == 3)  // 0 -> 3 -> none -> 3 -> 0 (the first assignment is not a change)
    }

    @Test func sessionInfoAndEventsComeFromTheRealPackets() throws {
        var (state, hub) = Self.makeState()
        // The session, the participants and an FTLP event.
        for index in [1, 5, 4] { state.handle(datagram: try F1TestPackets.vector(F1TestPackets.f1_24, index), now: 0) }
        state.tick(now: 1)
        guard case .object(let info)? = hub.sessionInfo?.data, case .object(let weekend)? = info.first(where: { $0.0 == "WeekendInfo" })?.1,
            case .object(let drivers)? = info.first(where: { $0.0 == "DriverInfo" })?.1,
            case .array(let list)? = drivers.first(where: { $0.0 == "Drivers" })?.1
        else {
            Issue.record("session info is not iRacing-shaped: \(String(describing: hub.sessionInfo?.data))")
            return
        }
        #expect(weekend.first { $0.0 == "TrackName" }?.1 == .string("Spa"))
        #expect(weekend.first { $0.0 == "TrackLengthMeters" }?.1 == .int(7007))
        #expect(list.count == 20)
        if case .object(let first)? = list.first {
            #expect(first.first { $0.0 == "UserName" }?.1 == .string("VERSTAPPEN"))
            #expect(first.first { $0.0 == "CarIdx" }?.1 == .int(0))
        }
        let events = hub.events(after: 0).events
        let fastest = try #require(events.first { $0.name == "fastest_lap" })
        guard case .object(let fields) = fastest.data else { return }
        #expect(fields.first { $0.0 == "CarIdx" }?.1 == .int(4))
        #expect(fields.first { $0.0 == "Code" }?.1 == .string("FTLP"))
        #expect(fields.first { $0.0 == "UserName" } != nil)
    }

    @Test func configKeysAreValidated() throws {
        let loader = ConfigLoader(catalog: PluginCatalog(sources: [SourcePlugin(F1Source.self)], sinks: []))
        let good = try loader.load(text: "sources:\n  - type: f1\n    player: 3\n    forward: [127.0.0.1:20778]\nsinks: []\n", file: "t")
        #expect(good.sources.count == 1)
        #expect(throws: (any Error).self) {
            try loader.load(text: "sources:\n  - type: f1\n    player: 22\n    listen: nowhere\nsinks: []\n", file: "t")
        }
        do {
            _ = try loader.load(text: "sources:\n  - type: f1\n    player: 22\n    listen: nowhere\nsinks: []\n", file: "t")
        } catch {
            #expect("\(error)".contains("player must be 'auto' or a car index from 0 to 21"))
            #expect("\(error)".contains("3:"))
        }
    }
}

extension F1DecodeTableTests {
    /// The 22 cars of the F1 25 CarTelemetry vector, decoded.
    static func entryTelemetry() throws -> [F1CarTelemetry] {
        try F1Datagram(F1TestPackets.vector(F1TestPackets.f1_25, 6)).carTelemetry()
    }
}
