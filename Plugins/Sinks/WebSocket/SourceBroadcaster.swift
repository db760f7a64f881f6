import BrokerCore
import NIOCore
import Synchronization

/// Drives one source's traffic to every client of the sink: one loop per source, no task per client.
///
/// The loop wakes when the hub changes (or when a client's rate slot comes due), then walks the
/// clients once: each client's own `RateLimiter` decides whether it takes the frame, each distinct
/// subscription is encoded once (the bytes are shared), and the writes go to the event loops in one
/// batch per loop. Status changes go to every client, events to those that asked for them. The loop
/// never waits for a socket, so a slow client cannot hold up the source or another client.
final class SourceBroadcaster: Sendable {
    let index: Int
    let hub: SourceHub
    private let fanout: Fanout
    /// One mailbox per event loop this broadcaster has written to, so a loop that falls behind
    /// gets the newest frame rather than a queue of old ones.
    private let mailboxes = Mutex<[ObjectIdentifier: LoopMailbox]>([:])

    init(index: Int, hub: SourceHub, fanout: Fanout) {
        self.index = index
        self.hub = hub
        self.fanout = fanout
    }

    private func mailbox(for loop: any EventLoop) -> LoopMailbox {
        mailboxes.withLock { boxes in
            if let box = boxes[ObjectIdentifier(loop)] { return box }
            let box = LoopMailbox(loop: loop)
            boxes[ObjectIdentifier(loop)] = box
            return box
        }
    }

    private struct Cursor {
        var statusVersion: UInt64
        var events: UInt64
    }

    /// Runs until the task is cancelled.
    func run() async {
        let wakeup = Wakeup()
        let changes = hub.changes()
        let forwarder = Task {
            for await _ in changes { wakeup.signal() }
        }
        defer { forwarder.cancel() }
        var cursor = Cursor(statusVersion: hub.statusVersion, events: hub.eventsEmitted)
        while !Task.isCancelled {
            let deadline = pass(&cursor)
            await wakeup.wait(until: deadline, clock: fanout.clock)
        }
    }

    /// One walk over the clients; returns the earliest rate slot still waiting for a client.
    private func pass(_ cursor: inout Cursor) -> Double? {
        let noticed = ContinuousClock.now
        let statusVersion = hub.statusVersion
        if statusVersion != cursor.statusVersion {
            cursor.statusVersion = statusVersion
            fanout.broadcastStatus()
        }
        if hub.eventsEmitted != cursor.events {
            let batch = hub.events(after: cursor.events)
            cursor.events = batch.cursor
            fanout.broadcastEvents(batch.events, firstIndex: batch.cursor - UInt64(batch.events.count), source: index)
        }
        guard let frame = hub.latestFrame else { return nil }

        let now = fanout.clock.now()
        var batches = LoopBatches()
        var earliest: Double?
        var taken = 0
        var skipped: UInt64 = 0
        var replaced = 0
        for client in fanout.registry.clients {
            switch client.schedule(source: index, frame: frame, now: now) {
            case .idle:
                continue
            case let .wait(deadline):
                earliest = min(earliest ?? deadline, deadline)
            case let .send(subscription, skippedFrames):
                taken += 1
                skipped += skippedFrames
                if let message = subscription.message(for: frame, metrics: fanout.metrics) {
                    batches.add(client, .telemetry(source: index, seq: frame.seq, bytes: message, resend: false))
                }
            case let .owed(skippedFrames, isReplacement):
                taken += 1
                skipped += skippedFrames
                if isReplacement { replaced += 1 }
            }
        }
        if taken > 0 {
            fanout.metrics.framesScheduled.increment(by: taken)
            fanout.metrics.framesSkipped.increment(by: Int(skipped))
            if replaced > 0 { fanout.metrics.messagesReplaced.increment(by: replaced) }
            let countdown = LoopCountdown(batches.groupCount)
            batches.post(
                to: { mailbox(for: $0) }, metrics: fanout.metrics, clock: fanout.clock,
                delivery: FrameDelivery(noticed: noticed, arrival: frame.arrival, countdown: countdown))
            fanout.metrics.recordLoop(ContinuousClock.now - noticed)
        }
        return earliest
    }
}

/// A coalescing wake-up for a broadcaster loop: any number of signals while the loop is busy make
/// one wake-up; a wait also ends at an optional deadline or when the task is cancelled.
final class Wakeup: Sendable {
    private struct State {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.signalled = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next signal (or at once if one came since the last wait), at `deadline`, or
    /// on cancellation.
    func wait(until deadline: Double?, clock: any BrokerClock) async {
        guard let deadline else { return await waitForSignal() }
        if deadline <= clock.now() { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await clock.sleep(until: deadline)
                    self.signal()
                } catch {}
            }
            await waitForSignal()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.signalled {
                        state.signalled = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}
