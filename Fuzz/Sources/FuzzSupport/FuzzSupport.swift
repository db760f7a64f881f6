import BrokerCore
import CFuzzDriver
import Foundation
import Logging

/// The fuzz input as an array (libFuzzer may pass a null pointer for an empty input).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// A logger that renders every message (so the code building log lines runs too) and drops it.
public let renderingLogger = Logger(label: "fuzz") { _ in RenderingLogHandler() }

private struct RenderingLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        _ = event.message.description.utf8.count
    }
}

/// The fuzz oracle for everything the broker sends: it must be one valid JSON value. A message a
/// client cannot parse is a bug even when nothing crashed, so this stops the fuzzer.
public func requireValidJSON(_ bytes: [UInt8], _ what: @autoclosure () -> String) {
    do {
        _ = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    } catch {
        fatalError("\(what()) is not valid JSON (\(error)): \(String(decoding: bytes.prefix(400), as: UTF8.self))")
    }
}

/// A clock that only moves when told, so time-based branches are reachable and deterministic.
public final class ManualClock: BrokerClock, @unchecked Sendable {
    public var time: Double = 1000

    public init() {}

    public func now() -> Double { time }

    public func sleep(until deadline: Double) async throws {
        if deadline > time { time = deadline }
    }
}

/// Encodes everything a hub holds the way sinks send it, and checks each message is valid JSON.
public func encodeEverything(in hub: SourceHub, registry: VariableRegistry) {
    if let frame = hub.latestFrame {
        let selection = VariableSelection.all.resolve(sourceID: hub.id, layout: frame.layout, registry: registry)
        requireValidJSON(BrokerMessages.telemetry(sourceID: hub.id, frame: frame, selection: selection), "a telemetry message")
    }
    requireValidJSON(BrokerMessages.status(of: [hub]), "a status message")
    if let info = hub.sessionInfo {
        requireValidJSON(BrokerMessages.sessionInfo(sourceID: hub.id, info: info), "a sessionInfo message")
    }
    for event in hub.events(after: 0).events {
        requireValidJSON(BrokerMessages.event(sourceID: hub.id, event: event), "an event message")
    }
    // The `vars` entries of what the source registered beyond the catalogue (the catalogue itself
    // never changes, and encoding all 410 entries per input would slow the fuzzer down tenfold).
    let registered = registry.entries().filter { !$0.inCatalogue }
    let entries = JSONValue.array(registered.map { .object($0.info.jsonFields() + [("sources", .array($0.providers.map { .string($0) }))]) })
    requireValidJSON(BrokerMessages.encode(entries), "the vars entries of registered variables")
}

/// Runs libFuzzer on `target`; each fuzzer's `<Module>_main` (the entry SwiftPM links as `main`)
/// returns this.
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    fuzz_driver_run(argc, argv, target)
}
