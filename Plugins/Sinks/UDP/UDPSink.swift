import BrokerCore
import Logging
import NIOCore
import NIOPosix
import Synchronization
import UDPSupport

/// JSON datagrams to one unicast, broadcast or multicast address (docs/PROTOCOL.md, "Transports"): for receivers that
/// want the newest values with no connection to keep, such as a dashboard on the LAN or a logger.
///
/// Each telemetry frame is one `telemetry` object per datagram, split into self-contained parts
/// when it exceeds `max_datagram_bytes`; status changes and events are datagrams of their own.
/// Session info is not sent (it is far bigger than a datagram; clients ask the WebSocket sink).
public struct UDPSink: Sink {
    public static let typeName = "udp"
    public static let summary = "JSON datagrams (telemetry, status, events) to a unicast, broadcast or multicast address"
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    let id: String
    let config: UDPConfig
    let context: PluginContext
    /// What this sink has sent, split, dropped and failed to send so far.
    public let counters: UDPSinkCounters

    /// Time between two error reports about sending, so a flapping network cannot flood the log.
    static let errorReportInterval = 30.0

    public init(id: String, config: UDPConfig, context: PluginContext) {
        self.id = id
        self.config = config
        self.context = context
        counters = UDPSinkCounters(sinkID: id, metrics: context.metrics)
    }

    public func run(input: SinkInput) async throws {
        let destination: ResolvedUDPTarget
        do {
            destination = try await resolveOffThePool(config.target)
        } catch let error as UDPTargetError {
            throw PluginError("udp sink '\(id)': \(error)")
        }
        let sender = DatagramSender(destination: destination, ttl: config.ttl)
        do {
            try await sender.open()
        } catch {
            throw PluginError("udp sink '\(id)': cannot open a UDP socket for target \(config.target): \(error)")
        }
        let address = destination.address.ipAddress ?? ""
        let resolvedNote = address == config.target.host || address.isEmpty ? "" : " (\(address))"
        let ttlNote = destination.isMulticast ? ", multicast TTL \(config.ttl ?? UDPConfig.defaultMulticastTTL)" : ""
        context.logger.info(
            "udp sink '\(id)' sending to \(config.target)\(resolvedNote)\(ttlNote), at most \(config.maxDatagramBytes) bytes per datagram")

        var delivery = Delivery(sinkID: id, target: config.target, limit: config.maxDatagramBytes, logger: context.logger, counters: counters)
        var splitters: [String: TelemetrySplitter] = [:]
        for await message in input.messages() {
            let datagrams: [[UInt8]]
            switch message {
            case let .frame(hub, frame):
                let splitter: TelemetrySplitter
                if let cached = splitters[hub.id], cached.selection.layout === frame.layout {
                    splitter = cached
                } else {
                    let selection = config.variables.resolve(sourceID: hub.id, layout: frame.layout, registry: context.registry)
                    splitter = TelemetrySplitter(limit: config.maxDatagramBytes, sourceID: hub.id, selection: selection, registry: context.registry)
                    splitters[hub.id] = splitter
                }
                guard let parts = delivery.telemetry(splitter.datagrams(for: frame), sourceID: hub.id) else { continue }
                datagrams = parts
            case .status:
                guard let datagram = delivery.single(BrokerMessages.status(of: input.sources), what: "status") else { continue }
                datagrams = [datagram]
            case let .event(hub, event):
                let message = BrokerMessages.event(sourceID: hub.id, event: event)
                guard let datagram = delivery.single(message, what: "event '\(event.name)' of source '\(hub.id)'") else { continue }
                datagrams = [datagram]
            case .sessionInfo:
                continue
            case let .eventsMissed(hub, count):
                context.logger.warning("udp sink '\(id)' fell behind and missed \(count) events of source '\(hub.id)'")
                continue
            }
            let now = context.clock.now()
            delivery.record(await sender.send(datagrams, now: now), now: now)
        }
        await sender.close()
        let totals = counters.current
        context.logger.info(
            "udp sink '\(id)' stopped: \(totals.framesSent) frames (\(totals.framesSplit) split) in \(totals.datagramsSent) datagrams, \(totals.sendErrors) send errors, \(totals.variablesDropped) variable values and \(totals.messagesDropped) messages over max_datagram_bytes"
        )
    }

    /// Resolves the target on NIO's blocking-work pool; a cancelled sink stops waiting at once.
    private func resolveOffThePool(_ target: UDPTarget) async throws -> ResolvedUDPTarget {
        let waiter = ResolutionWaiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiter.set(continuation)
                NIOThreadPool.singleton.submit { _ in
                    waiter.resume(with: Result { () throws(UDPTargetError) in try target.resolve() }.mapError { $0 as any Error })
                }
            }
        } onCancel: {
            waiter.resume(with: .failure(CancellationError()))
        }
    }
}

/// Hands a resolution result to its waiting task exactly once, whichever comes first: the answer
/// or the task's cancellation.
private final class ResolutionWaiter: Sendable {
    private enum State {
        case starting
        case waiting(CheckedContinuation<ResolvedUDPTarget, any Error>)
        case finished
    }

    private let state = Mutex(State.starting)

    /// Called before the work is submitted; a cancellation that came first is delivered at once.
    func set(_ continuation: CheckedContinuation<ResolvedUDPTarget, any Error>) {
        let alreadyCancelled = state.withLock { state in
            if case .finished = state { return true }
            state = .waiting(continuation)
            return false
        }
        if alreadyCancelled { continuation.resume(throwing: CancellationError()) }
    }

    func resume(with result: Result<ResolvedUDPTarget, any Error>) {
        let waiting = state.withLock { state -> CheckedContinuation<ResolvedUDPTarget, any Error>? in
            defer { state = .finished }
            if case let .waiting(continuation) = state { return continuation }
            return nil
        }
        waiting?.resume(with: result)
    }
}

/// The sink's bookkeeping between messages and the socket: counts, and the few log lines it allows
/// itself (one warning per oversized variable or message kind, one error per failing spell).
private struct Delivery {
    let sinkID: String
    let target: UDPTarget
    let limit: Int
    let logger: Logger
    let counters: UDPSinkCounters
    private var warned = Set<String>()
    private var failing = false
    private var failuresInSpell = 0
    private var spellReported = false
    private var lastErrorReport = -Double.infinity

    init(sinkID: String, target: UDPTarget, limit: Int, logger: Logger, counters: UDPSinkCounters) {
        self.sinkID = sinkID
        self.target = target
        self.limit = limit
        self.logger = logger
        self.counters = counters
    }

    /// The datagrams of one frame, after counting and reporting what the split left out.
    mutating func telemetry(_ output: TelemetrySplitter.Output, sourceID: String) -> [[UInt8]]? {
        for (name, bytesNeeded) in output.dropped where warned.insert("variable \(sourceID)/\(name)").inserted {
            logger.warning(
                "udp sink '\(sinkID)': variable '\(name)' of source '\(sourceID)' needs \(bytesNeeded) bytes in a datagram, over max_datagram_bytes \(limit); it is left out (raise max_datagram_bytes to send it)"
            )
        }
        guard !output.datagrams.isEmpty else {
            counters.update { $0.messagesDropped += 1 }
            if warned.insert("header \(sourceID)").inserted {
                logger.warning("udp sink '\(sinkID)': source id '\(sourceID)' is too long for max_datagram_bytes \(limit); its telemetry is not sent")
            }
            return nil
        }
        counters.update {
            $0.framesSent += 1
            if output.isSplit { $0.framesSplit += 1 }
            $0.variablesDropped += output.dropped.count
        }
        return output.datagrams
    }

    /// A status or event message, unless it is too big for one datagram.
    mutating func single(_ message: [UInt8], what: String) -> [UInt8]? {
        guard message.count > limit else { return message }
        counters.update { $0.messagesDropped += 1 }
        if warned.insert(what).inserted {
            logger.warning("udp sink '\(sinkID)': the \(what) message has \(message.count) bytes, over max_datagram_bytes \(limit); not sent")
        }
        return nil
    }

    /// Counts a send; logs the start of a failing spell (at most every `errorReportInterval`) and
    /// the recovery from a reported one.
    mutating func record(_ outcome: DatagramSender.Outcome, now: Double) {
        counters.update {
            $0.datagramsSent += outcome.sent
            $0.sendErrors += outcome.failed
        }
        if outcome.failed > 0 {
            if !failing {
                failing = true
                failuresInSpell = 0
                spellReported = now - lastErrorReport >= UDPSink.errorReportInterval
                if spellReported {
                    lastErrorReport = now
                    let reason = outcome.firstError.map { "\($0)" } ?? "unknown error"
                    logger.error("udp sink '\(sinkID)': cannot send to \(target): \(reason); counting send errors until it works again")
                }
            }
            failuresInSpell += outcome.failed
        } else if outcome.sent > 0, failing {
            if spellReported {
                logger.info("udp sink '\(sinkID)': sending to \(target) works again after \(failuresInSpell) failed datagrams")
            }
            failing = false
        }
    }
}
