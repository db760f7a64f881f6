import BrokerCore
import BrokerTestSupport
import Synchronization
import Testing

@Suite struct SinkFeedTests {
    func makeHub() -> (SourceHub, FrameLayout) {
        let hub = SourceHub(id: "sim", typeName: "test", registry: VariableRegistry())
        let layout = hub.declare([VariableDeclaration(VariableInfo(name: "Speed", type: .float))])
        return (hub, layout)
    }

    func publish(_ hub: SourceHub, _ layout: FrameLayout, value: Double) {
        var row = FrameRow(layout: layout)
        row.set(0, value)
        hub.publish(row)
    }

    /// A 60 Hz source into a 10 Hz sink over 10 s of a test clock: 100 frames, one every 100 ms
    /// exactly, each the newest at its time, none twice.
    @Test func tenHertzSinkOfSixtyHertzSourceOverTenSeconds() async {
        let clock = ManualClock()
        let (hub, layout) = makeHub()
        let ticks = Mutex(0)
        @Sendable func publishUpTo(_ time: Double) {
            ticks.withLock { count in
                while Double(count) / 60 <= time + 1e-9 {
                    var row = FrameRow(layout: layout)
                    row.set(0, Double(count))
                    hub.publish(row)
                    count += 1
                }
            }
        }
        clock.onSleep = { publishUpTo($0) }
        publishUpTo(0)
        hub.setConnected(true)
        var feed = SinkInput(sinkID: "k", sources: [hub], rate: 10, clock: clock).messages().makeAsyncIterator()
        var delivered: [(time: Double, seq: UInt64)] = []
        var statuses = 0
        while clock.now() < 10 - 1e-9 {
            if let latest = hub.latestFrame, latest.seq <= (delivered.last?.seq ?? 0) {
                let next = Double(ticks.withLock { $0 }) / 60
                clock.advance(to: next)
                publishUpTo(next)
            }
            switch await feed.next() {
            case let .frame(_, frame):
                delivered.append((clock.now(), frame.seq))
                #expect(frame.seq == UInt64(ticks.withLock { $0 }), "frame \(frame.seq) is not the newest")
            case .status: statuses += 1
            default: break
            }
        }
        #expect(statuses == 1)
        delivered.removeAll { $0.time >= 10 - 1e-9 }
        #expect(delivered.count == 100)
        #expect(zip(delivered, delivered.dropFirst()).allSatisfy { $0.seq < $1.seq })
        for (n, item) in delivered.enumerated() {
            #expect(abs(item.time - Double(n) * 0.1) < 1e-6, "frame \(n) sent at \(item.time)")
        }
    }

    /// Publishing never waits for a consumer; a consumer that was away gets only the newest frame.
    @Test func slowConsumerNeverBlocksTheSourceAndGetsTheNewestFrame() async {
        let (hub, layout) = makeHub()
        var feed = SinkInput(sinkID: "slow", sources: [hub], rate: 0).messages().makeAsyncIterator()
        for i in 0..<100_000 { publish(hub, layout, value: Double(i)) }
        var frames: [Frame] = []
        while frames.isEmpty, let message = await feed.next() {
            if case let .frame(_, frame) = message { frames.append(frame) }
        }
        #expect(frames.first?.seq == 100_000)
        #expect(frames.first?.value(named: "Speed") == .float(99_999))
    }

    /// A frame is delivered once; the feed waits for the next one instead of repeating it.
    @Test func noFrameIsSentTwice() async throws {
        let (hub, layout) = makeHub()
        publish(hub, layout, value: 1)
        let received = Mutex<[UInt64]>([])
        let consumer = Task {
            for await message in SinkInput(sinkID: "k", sources: [hub], rate: 1000).messages() {
                if case let .frame(_, frame) = message { received.withLock { $0.append(frame.seq) } }
            }
        }
        try await Task.sleep(for: .milliseconds(150))
        #expect(received.withLock { $0 } == [1])
        publish(hub, layout, value: 2)
        try await Task.sleep(for: .milliseconds(150))
        #expect(received.withLock { $0 } == [1, 2])
        consumer.cancel()
        _ = await consumer.value
    }

    /// Events are never rate limited or coalesced; a consumer too far behind is told how many it missed.
    @Test func eventsAreDeliveredInOrderAndMissesAreCounted() async {
        let (hub, _) = makeHub()
        var feed = SinkInput(sinkID: "k", sources: [hub], rate: 1).messages().makeAsyncIterator()
        _ = await feed.next()  // initial status
        for lap in 1...3 { hub.emit("lap", .object([("Lap", .int(Int64(lap)))])) }
        var laps: [Int64] = []
        for _ in 0..<3 {
            if case let .event(_, event) = await feed.next() { laps.append(event.data["Lap"]?.intValue ?? -1) }
        }
        #expect(laps == [1, 2, 3])
        for lap in 0..<(SourceHub.eventCapacity + 10) { hub.emit("lap", .object([("Lap", .int(Int64(lap)))])) }
        guard case let .eventsMissed(_, count) = await feed.next() else {
            Issue.record("expected a missed-events notice")
            return
        }
        #expect(count == 10)
    }

    @Test func statusChangesAreDeliveredOncePerChange() async {
        let (hub, _) = makeHub()
        var feed = SinkInput(sinkID: "k", sources: [hub], rate: 1).messages().makeAsyncIterator()
        guard case let .status(_, initial) = await feed.next() else {
            Issue.record("no initial status")
            return
        }
        #expect(!initial.connected)
        hub.setConnected(true)
        hub.setConnected(true)
        guard case let .status(_, connected) = await feed.next() else {
            Issue.record("no status change")
            return
        }
        #expect(connected.connected)
        hub.setSessionInfo(.object([("WeekendInfo", .object([]))]))
        guard case let .sessionInfo(_, info) = await feed.next() else {
            Issue.record("no session info")
            return
        }
        #expect(info.version == 1)
    }
}
