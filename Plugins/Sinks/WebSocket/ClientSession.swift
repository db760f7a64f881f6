import BrokerCore
import Foundation
import HummingbirdWebSocket
import NIOCore

/// A client command as typed: the command word (matched case-insensitively) and its
/// comma-separated arguments, trimmed, empty ones dropped (docs/PROTOCOL.md).
struct ClientCommand: Equatable, Sendable {
    let word: String
    let arguments: [String]

    /// nil for a message holding nothing but white space.
    init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        let wordEnd = trimmed.firstIndex(where: \.isWhitespace) ?? trimmed.endIndex
        word = trimmed[..<wordEnd].lowercased()
        arguments = trimmed[wordEnd...].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
    }
}

/// What one client may ask of the sink: `max_commands_per_s` and `max_subscriptions`.
struct ClientLimits: Sendable {
    var commandsPerSecond: Int
    var subscriptions: Int
}

/// Carries out one client's commands and writes the replies (docs/PROTOCOL.md, the Python bridge's protocol
/// plus `vars`, `rate` and `events`). Errors are replies; they never close the connection.
struct ClientSession: Sendable {
    let client: ClientConnection
    let fanout: Fanout
    let limits: ClientLimits
    /// Every message the client sends takes a token; one that finds none is answered with an
    /// error and not carried out.
    private var commandBudget: TokenBucket

    static let commands = ["status", "sub", "unsub", "read", "sessioninfo", "metrics", "ping", "vars", "rate", "events"]
    /// The longest command word an error reply repeats back.
    static let echoedWordLimit = 32

    init(client: ClientConnection, fanout: Fanout, limits: ClientLimits) {
        self.client = client
        self.fanout = fanout
        self.limits = limits
        commandBudget = TokenBucket(rate: Double(limits.commandsPerSecond))
    }

    /// One message from the client, within its command budget.
    mutating func receive(_ message: WebSocketMessage) async throws {
        guard commandBudget.take(at: fanout.clock.now()) else {
            fanout.metrics.commandsRefused.increment()
            var word: String?
            if case let .text(text) = message, let command = ClientCommand(parsing: text) {
                word = command.word.count > Self.echoedWordLimit ? String(command.word.prefix(Self.echoedWordLimit)) + "..." : command.word
            }
            return try await reply(
                BrokerMessages.error(
                    "too many commands: at most \(limits.commandsPerSecond) per second per client (max_commands_per_s); "
                        + "this one was not carried out, send it again later",
                    command: word))
        }
        switch message {
        case let .text(text): try await handle(text: text)
        case .binary: try await handleBinary()
        }
    }

    func handle(text: String) async throws {
        guard let command = ClientCommand(parsing: text) else {
            return try await reply(BrokerMessages.error("empty command; send one of: \(Self.commands.joined(separator: ", "))"))
        }
        switch command.word {
        case "status": try await reply(fanout.statusMessage())
        case "sub": try await subscribe(command)
        case "unsub": try await unsubscribe(command)
        case "read": try await read(command)
        case "sessioninfo": try await sessionInfo()
        case "metrics":
            let largestBuffer = await fanout.largestClientBuffer()
            try await reply(
                fanout.metrics.reply(
                    session: client.counters, clients: fanout.registry.count, clientRate: client.rate, largestClientBuffer: largestBuffer))
        case "ping": try await reply(BrokerMessages.encode(.object([("type", "pong")])))
        case "vars":
            try await reply(BrokerMessages.encode(.object([("type", "vars"), ("data", BrokerMessages.variableCatalogue(fanout.variables))])))
        case "rate": try await setRate(command)
        case "events": try await setEvents(command)
        default:
            var message = "unknown command '\(command.word)' (known: \(Self.commands.joined(separator: ", "))"
            if let hint = closestMatches(to: command.word, in: Self.commands).first { message += "; did you mean '\(hint)'?" }
            try await reply(BrokerMessages.error(message + ")", command: command.word))
        }
    }

    func handleBinary() async throws {
        try await reply(BrokerMessages.error("binary frames are not supported: send commands as text frames"))
    }

    // MARK: - Commands

    /// The arguments of a variable command sorted out: `all`, the names that exist, the ones that do
    /// not (an unknown variable, or an `ID/` prefix naming no source of this sink).
    private struct VariableArguments {
        var all = false
        var known: [String] = []
        var unknown: [String] = []
        var isUsable: Bool { all || !known.isEmpty }
    }

    private func classify(_ arguments: [String]) -> VariableArguments {
        var result = VariableArguments()
        for argument in arguments {
            if argument.lowercased() == "all" {
                result.all = true
                continue
            }
            let (source, name) = VariableSelection.split(argument)
            if let source, !fanout.sourceIDs.contains(source) {
                result.unknown.append(argument)
            } else if name.isEmpty || fanout.variables.id(named: name) == nil {
                result.unknown.append(argument)
            } else {
                result.known.append(argument)
            }
        }
        return result
    }

    /// Replies with the error for a missing argument and returns nil, or returns the arguments.
    private func requireArguments(_ command: ClientCommand, usage: String) async throws -> [String]? {
        guard command.arguments.isEmpty else { return command.arguments }
        try await reply(BrokerMessages.error("'\(command.word)' needs an argument: \(usage)", command: command.word))
        return nil
    }

    private func reportUnknown(_ arguments: VariableArguments, command: String) async throws {
        guard !arguments.unknown.isEmpty else { return }
        let list = arguments.unknown.joined(separator: ", ")
        let message = arguments.unknown.count == 1 ? "unknown variable: \(list)" : "unknown variables: \(list)"
        let applied = arguments.isUsable ? " (the others were applied)" : ""
        try await reply(BrokerMessages.error(message + applied + "; 'vars' lists them", command: command, unknown: arguments.unknown))
    }

    /// Replies with the names `max_subscriptions` kept from being applied, if any.
    private func reportRefused(_ refused: [String], command: String) async throws {
        guard !refused.isEmpty else { return }
        fanout.metrics.subscriptionsRefused.increment(by: refused.count)
        let shown = refused.prefix(10).joined(separator: ", ") + (refused.count > 10 ? " and \(refused.count - 10) more" : "")
        let verb = command == "sub" ? "not subscribed" : "not unsubscribed"
        let message =
            "too many subscriptions: at most \(limits.subscriptions) variable names per client (max_subscriptions); "
            + "\(verb): \(shown) (the others were applied)"
        try await reply(
            BrokerMessages.encode(
                .object([
                    ("type", "error"), ("message", .string(message)), ("command", .string(command)),
                    ("refused", .array(refused.map { .string($0) })),
                ])))
    }

    private func subscribe(_ command: ClientCommand) async throws {
        guard try await changeSubscription(command, subscribing: true) else { return }
        // The first telemetry message goes out at once, with the whole selection.
        var batches = LoopBatches()
        for (index, hub) in fanout.hubs.enumerated() {
            guard let frame = hub.latestFrame, let subscription = client.takeForImmediateSend(source: index, frame: frame),
                let message = subscription.message(for: frame, metrics: fanout.metrics)
            else { continue }
            batches.add(client, .telemetry(source: index, seq: frame.seq, bytes: message, resend: true))
        }
        batches.dispatch(metrics: fanout.metrics, clock: fanout.clock)
    }

    private func unsubscribe(_ command: ClientCommand) async throws {
        _ = try await changeSubscription(command, subscribing: false)
    }

    /// `sub` or `unsub`: applies the names (or `all`) within `max_subscriptions` and reports the
    /// unknown and refused ones. Returns whether the subscription was changed at all.
    private func changeSubscription(_ command: ClientCommand, subscribing: Bool) async throws -> Bool {
        guard let raw = try await requireArguments(command, usage: "a comma-separated list of variables, or 'all'") else { return false }
        let arguments = classify(raw)
        try await reportUnknown(arguments, command: command.word)
        guard arguments.isUsable else { return false }
        let sourceIDs = fanout.sourceIDs
        let limit = limits.subscriptions
        var refused: [String] = []
        client.updateSubscription(sourceIDs: sourceIDs, tables: fanout.tables) { request in
            if arguments.all {
                subscribing ? request.subscribeAll() : request.unsubscribeAll()
            } else {
                // After `sub all`, each name unsubscribed is one more the request lists as excluded.
                for name in arguments.known where !request.apply(name, subscribing: subscribing, sourceIDs: sourceIDs, limit: limit) {
                    refused.append(name)
                }
            }
        }
        try await reportRefused(refused, command: command.word)
        return true
    }

    /// One `read` message per source the names concern: `{"type":"read","source":"ID","data":{...}}`.
    private func read(_ command: ClientCommand) async throws {
        guard let raw = try await requireArguments(command, usage: "a comma-separated list of variables, or 'all'") else { return }
        let arguments = classify(raw)
        try await reportUnknown(arguments, command: command.word)
        guard arguments.isUsable else { return }
        var request = SubscriptionRequest()
        if arguments.all {
            request.subscribeAll()
        } else {
            for name in arguments.known { request.subscribe(name, sourceIDs: fanout.sourceIDs) }
        }
        var replies: [[UInt8]] = []
        for hub in fanout.hubs {
            guard let key = request.key(for: hub.id), let message = readMessage(hub: hub, key: key) else { continue }
            replies.append(message)
        }
        if replies.isEmpty { replies.append(BrokerMessages.encode(.object([("type", "read"), ("data", .object([]))]))) }
        for message in replies { try await reply(message) }
    }

    private func readMessage(hub: SourceHub, key: SubscriptionKey) -> [UInt8]? {
        var writer = JSONWriter(capacity: 1024)
        writer.raw("{\"type\":\"read\",\"source\":")
        writer.string(hub.id)
        writer.raw(",\"data\":")
        if let frame = hub.latestFrame {
            let selection = SharedSubscription.resolve(key, sourceID: hub.id, layout: frame.layout, registry: fanout.variables)
            guard !selection.isEmpty else { return nil }
            let started = ContinuousClock.now
            selection.writeData(of: frame, to: &writer)
            fanout.metrics.recordEncode(ContinuousClock.now - started, variables: selection.entries.count)
        } else {
            // No frame yet: every value the client asked for is not available.
            let names: [String]
            switch key {
            case let .names(list): names = list
            case let .all(excluded): names = (hub.layout?.fields.map(\.name) ?? []).filter { !excluded.contains($0) }
            }
            writer.write(.object(names.map { ($0, .null) }))
        }
        writer.byte(UInt8(ascii: "}"))
        return writer.bytes
    }

    /// One `sessionInfo` message per source; `data` is `{}` until the source has session info.
    private func sessionInfo() async throws {
        for hub in fanout.hubs {
            if let info = hub.sessionInfo {
                try await reply(BrokerMessages.sessionInfo(sourceID: hub.id, info: info))
            } else {
                try await reply(BrokerMessages.encode(.object([("type", "sessionInfo"), ("source", .string(hub.id)), ("data", .object([]))])))
            }
        }
    }

    private func setRate(_ command: ClientCommand) async throws {
        guard let raw = try await requireArguments(command, usage: "messages per second per source, e.g. 'rate 30'") else { return }
        guard raw.count == 1, let requested = Double(raw[0]), requested.isFinite, requested > 0 else {
            return try await reply(
                BrokerMessages.error(
                    "'rate' needs one number of messages per second above 0, found '\(raw.joined(separator: ","))'", command: command.word))
        }
        let rate = fanout.effectiveRate(requested)
        client.setRate(rate)
        let hz: JSONValue = rate.rounded() == rate && rate < 1e15 ? .int(Int64(rate)) : .double(rate)
        try await reply(BrokerMessages.encode(.object([("type", "rate"), ("hz", hz)])))
    }

    private func setEvents(_ command: ClientCommand) async throws {
        guard let raw = try await requireArguments(command, usage: "'on' or 'off'") else { return }
        switch raw.count == 1 ? raw[0].lowercased() : "" {
        case "on": client.setEvents(true)
        case "off": client.setEvents(false)
        default:
            try await reply(BrokerMessages.error("'events' takes 'on' or 'off', found '\(raw.joined(separator: ","))'", command: command.word))
        }
    }

    private func reply(_ message: [UInt8]) async throws {
        try await client.sendReply(message)
    }
}
