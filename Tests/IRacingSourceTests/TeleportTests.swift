import BrokerCore
import BrokerTestSupport
import Foundation
import Synchronization
import Testing
import UDPSupport

@testable import IRacingSource

/// The `teleport:` mode: iracing-teleport's fragments reassembled (in any order, with duplicates
/// and losses), decompressed into the broker's copy of the map and followed by the live reader; every
/// bad datagram and snapshot dropped and counted. The end-to-end test streams the real live
/// snapshot over loopback UDP at 60 Hz with the tick advancing.
@Suite("iracing teleport", .enabled(if: TestData.isAvailable, "needs ../shared/data"))
struct TeleportTests {
    static func player() throws -> LiveSnapshotPlayer {
        try LiveSnapshotPlayer(map: try TestData.bytes("iracing/w13_monza_livemem.bin"))
    }

    // MARK: - Reassembly

    @Test("fragments in any order, duplicated, lost, and of a new sequence")
    func reassembly() throws {
        let player = try Self.player()
        let payload = TeleportTestSender.payload(of: player.map(1))
        let fragments = TeleportTestSender.fragments(of: payload, sequence: 7)
        #expect(fragments.count >= 3, "the real snapshot takes several fragments (\(payload.count) bytes)")
        #expect(fragments.allSatisfy { $0.count <= 9000 })

        var reassembler = TeleportReassembler()
        // Reversed, each twice: every duplicate ignored, the payload whole at the last missing one.
        var outcomes: [TeleportReassembler.Outcome] = []
        for fragment in fragments.reversed() { outcomes += [reassembler.add(fragment), reassembler.add(fragment)] }
        #expect(outcomes.last == .duplicate)
        #expect(outcomes.filter { $0 == .duplicate }.count == fragments.count)
        #expect(outcomes.contains(.complete(payload)))
        // A late copy of the completed snapshot is a duplicate, not the start of a new one.
        #expect(reassembler.add(fragments[0]) == .duplicate)

        // Sequence 8 loses its first fragment; sequence 9 arrives whole and completes.
        let next = TeleportTestSender.payload(of: player.map(2))
        for fragment in TeleportTestSender.fragments(of: next, sequence: 8).dropFirst() { #expect(reassembler.add(fragment) == .stored) }
        let third = TeleportTestSender.payload(of: player.map(3))
        let results = TeleportTestSender.fragments(of: third, sequence: 9).map { reassembler.add($0) }
        #expect(results.last == .complete(third))
        #expect(reassembler.abandoned == 1)

        // A sender restarted at sequence 1 is followed at once.
        let restarted = TeleportTestSender.fragments(of: payload, sequence: 1).map { reassembler.add($0) }
        #expect(restarted.last == .complete(payload))
    }

    /// Datagrams whose header cannot be true, each with its reason; none disturbs the snapshot being assembled.
    static func badDatagrams(_ good: [UInt8]) -> [(reason: String, datagram: [UInt8])] {
        func header(sequence: UInt32 = 50, fragment: UInt16 = 0, fragments: UInt16 = 1, size: UInt32) -> [UInt8] {
            TeleportTestSender.littleEndian(sequence) + TeleportTestSender.littleEndian(fragment) + TeleportTestSender.littleEndian(fragments)
                + TeleportTestSender.littleEndian(size) + TeleportTestSender.littleEndian(UInt64(0))
        }
        return [
            ("short datagram", Array(good.prefix(12))),
            ("short datagram", header(size: 10)),
            ("oversized datagram", header(size: 9000) + [UInt8](repeating: 1, count: 8990)),
            ("payload size out of range", header(size: 9_000_000) + [1, 2, 3]),
            ("payload size out of range", header(size: 0) + [1]),
            ("header lies about sizes", header(fragments: 3, size: 100) + [UInt8](repeating: 0, count: 100)),
            ("header lies about sizes", header(fragment: 2, fragments: 2, size: 9000) + [UInt8](repeating: 0, count: 20)),
            ("header lies about sizes", header(size: 100) + [UInt8](repeating: 0, count: 99)),
        ]
    }

    @Test("every lying header is dropped with its reason and the snapshot in progress still completes")
    func lyingHeaders() throws {
        let payload = TeleportTestSender.payload(of: try Self.player().map(4))
        let fragments = TeleportTestSender.fragments(of: payload, sequence: 50)
        var reassembler = TeleportReassembler()
        _ = reassembler.add(fragments[0])
        for (reason, datagram) in Self.badDatagrams(fragments[0]) {
            guard case let .dropped(seen, detail) = reassembler.add(datagram) else {
                Issue.record("accepted a datagram that should be '\(reason)'")
                continue
            }
            #expect(seen == reason, "\(detail)")
        }
        // The same sequence claiming another size.
        var resized = fragments[1]
        resized.replaceSubrange(8..<12, with: TeleportTestSender.littleEndian(UInt32(payload.count + 1)))
        let resizedOutcome = reassembler.add(resized)
        #expect(
            resizedOutcome
                == .dropped(
                    reason: "header lies about sizes", detail: "sequence 50 said \(payload.count) payload bytes before, now \(payload.count + 1)"))
        let rest = fragments.dropFirst().map { reassembler.add($0) }
        #expect(rest.last == .complete(payload))
        #expect(reassembler.abandoned == 0)
    }

    // MARK: - Decoding

    /// Payloads whose fragments are fine but whose content is not a map, each with its reason.
    static func badPayloads(_ player: LiveSnapshotPlayer) -> [(reason: String, payload: [UInt8])] {
        let good = TeleportTestSender.payload(of: player.map(5))
        var wrongSize = good
        wrongSize.replaceSubrange(0..<4, with: TeleportTestSender.littleEndian(UInt32(player.base.count + 16)))
        var notAMap = [UInt8](repeating: 0xAB, count: player.base.count)
        notAMap.replaceSubrange(0..<4, with: TeleportTestSender.littleEndian(Int32(2)))
        return [
            ("payload too short", [1, 2, 3]),
            ("stated map size out of range", TeleportTestSender.littleEndian(UInt32(9_000_000)) + good.dropFirst(4)),
            ("stated map size out of range", TeleportTestSender.littleEndian(UInt32(50)) + good.dropFirst(4)),
            ("LZ4 block does not decode to the stated size", wrongSize),
            ("LZ4 block does not decode to the stated size", Array(good.prefix(good.count / 2))),
            ("LZ4 block does not decode to the stated size", Array(good.prefix(4)) + [UInt8](repeating: 0xFF, count: 64)),
            ("malformed irsdk map", TeleportTestSender.payload(of: notAMap)),
        ]
    }

    @Test("a snapshot that does not decode to an irsdk map of its stated size leaves the map as it was")
    func badSnapshots() throws {
        let player = try Self.player()
        let first = player.map(1)
        let map = TeleportMapCopy(size: first.count)
        try map.replace(withSnapshot: TeleportTestSender.payload(of: first))
        #expect(Array(map.bytes) == first)
        for (reason, payload) in Self.badPayloads(player) {
            do {
                let size = try TeleportSnapshot.statedSize(of: payload)
                try (size == map.size ? map : TeleportMapCopy(size: size)).replace(withSnapshot: payload)
                Issue.record("decoded a payload that should be '\(reason)'")
            } catch {
                #expect(error.reason == reason, "\(error.detail)")
            }
            #expect(Array(map.bytes) == first, "after '\(reason)' the previous map is intact")
        }
        let second = player.map(2)
        try map.replace(withSnapshot: TeleportTestSender.payload(of: second))
        #expect(Array(map.bytes) == second)
    }

    // MARK: - End to end over loopback

    final class Stream: @unchecked Sendable {
        let sender: TeleportTestSender
        let player: LiveSnapshotPlayer
        let hub: SourceHub
        var sequence: UInt32 = 0
        var k = 0
        /// When the last snapshot was sent.
        var lastSent = ContinuousClock.now

        init(sender: TeleportTestSender, player: LiveSnapshotPlayer, hub: SourceHub) {
            self.sender = sender
            self.player = player
            self.hub = hub
        }

        var speed: Double? { hub.latestFrame?.value(named: "Speed")?.doubleValue }
        var details: JSONValue { .object(hub.status.details) }

        /// Sends the next snapshot (its fragments through `shape`) and waits until it is published.
        @discardableResult
        func next(shape: ([[UInt8]]) -> [[UInt8]] = { $0 }, expectPublished: Bool = true) async -> [UInt8] {
            k += 1
            sequence &+= 1
            let map = player.map(k)
            sender.send(shape(TeleportTestSender.fragments(of: TeleportTestSender.payload(of: map), sequence: sequence)))
            lastSent = ContinuousClock.now
            if expectPublished {
                let target = Double(k)
                let published = await waitUntil(timeout: 2) { self.speed == target }
                #expect(published, "snapshot \(k) published")
                let same = hub.latestFrame?.row == player.row(of: map)
                #expect(same, "snapshot \(k): the frame is the snapshot's newest row")
            }
            return map
        }

        func dropped(_ reason: String) -> Int64? { details["dropped"]?[reason]?.intValue }
    }

    @Test("the real live snapshot streamed at 60 Hz: values, reorder, loss, every bad input, sender stop and restart")
    func endToEnd() async throws {
        let harness = SourceHarness(clock: SystemClock())
        let port = try freeLoopbackPort(udp: true)
        let config = IRacingConfig(teleport: TeleportConfig(listen: try UDPTarget(parsing: "127.0.0.1:\(port)"), group: nil))
        let source = try harness.source(config)
        let running = Task { try await source.run(output: harness.hub) }
        defer { running.cancel() }
        let stream = Stream(sender: try TeleportTestSender(port: port), player: try Self.player(), hub: harness.hub)
        let hub = harness.hub
        let listening = await waitUntil(timeout: 5) {
            JSONValue.object(hub.status.details)["reason"]?.stringValue?.contains("waiting for the first snapshot") == true
        }
        #expect(listening, "the source says what it waits for")

        // A second of 60 Hz snapshots: each one published as sent.
        let start = ContinuousClock.now
        for k in 1...60 {
            await stream.next()
            try await Task.sleep(until: start + .milliseconds(k * 1000 / 60))
        }
        #expect(hub.status.connected)
        #expect(hub.sessionInfo?.data["WeekendInfo"]?["TrackDisplayName"] == .string("Autodromo Nazionale Monza"))
        #expect(hub.layout?.fields.count == 323)
        #expect(await waitUntil(timeout: 2) { (stream.details["snapshots_per_second"]?.doubleValue ?? 0) > 10 })
        #expect(stream.details["mode"] == .string("teleport"))
        #expect(stream.details["snapshot_age_ms"]?.doubleValue != nil)

        // Reordered and duplicated fragments; then a snapshot that loses a fragment and the next, whole.
        await stream.next { Array(($0 + $0).reversed()) }
        await stream.next(shape: { Array($0.dropFirst()) }, expectPublished: false)
        await stream.next()
        #expect(await waitUntil(timeout: 2) { stream.details["incomplete_snapshots"]?.intValue == 1 })
        #expect((stream.details["duplicates"]?.intValue ?? 0) >= 3)

        // Every bad input, twice: dropped, counted, one warning per kind; the next snapshot is served.
        let goodFragment = TeleportTestSender.fragments(of: TeleportTestSender.payload(of: stream.player.map(1)), sequence: 999)[0]
        let badDatagrams = Self.badDatagrams(goodFragment)
        let badPayloads = Self.badPayloads(stream.player)
        for _ in 0..<2 {
            stream.sender.send(badDatagrams.map(\.datagram))
            for (index, bad) in badPayloads.enumerated() {
                stream.sender.send(TeleportTestSender.fragments(of: bad.payload, sequence: UInt32(5000 + index)))
                // Let the follower take each one before the next replaces it.
                try await Task.sleep(for: .milliseconds(30))
            }
            await stream.next()
        }
        var expected: [String: Int64] = [:]
        for reason in badDatagrams.map(\.reason) + badPayloads.map(\.reason) { expected[reason, default: 0] += 2 }
        let counted = await waitUntil(timeout: 3) { expected.allSatisfy { stream.dropped($0.key) == $0.value } }
        #expect(counted, "dropped: \(stream.details["dropped"].map { "\($0)" } ?? "none"), expected \(expected)")
        for reason in expected.keys {
            #expect(harness.log.messages(exactly: .warning).filter { $0.contains("dropped input: \(reason)") }.count == 1, "\(reason)")
        }
        #expect(hub.status.connected)

        // The sender stops: disconnected about 2 s after the last snapshot, with the reason.
        let disconnected = await waitUntil(timeout: 4) { !hub.status.connected }
        let after = ContinuousClock.now - stream.lastSent
        #expect(disconnected)
        #expect(after >= .milliseconds(1900) && after < .milliseconds(2500), "disconnected after \(after)")
        #expect(stream.details["reason"]?.stringValue?.contains("no new data for 2 s") == true)

        // It restarts with sequence 1 (the sim still running, so the tick goes on): recovered at once.
        stream.sequence = 0
        for _ in 0..<3 { await stream.next() }
        #expect(hub.status.connected)
        running.cancel()
        try await running.value
    }
}
