import BrokerCore
import FuzzSupport
import NIOCore
import NIOHTTP1

@testable import WebSocketSink

/// Two sources with a frame each (a catalogue layout with a 64-slot array, a string and a NaN; an
/// LFS-like one with names of its own), shared by every input like a sink's sources are.
private let registry = VariableRegistry()
private let hubs: [SourceHub] = {
    let mock = SourceHub(id: "mock", typeName: "mock", registry: registry)
    let names = ["Speed", "RPM", "Gear", "Throttle", "CarIdxLapDistPct", "SessionFlags", "OnPitRoad", "SessionTime"]
    let known = Dictionary(VariableCatalogue.all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    var declarations = names.compactMap { known[$0] }.map { VariableDeclaration($0) }
    declarations.append(VariableDeclaration(VariableInfo(name: "DriverName", type: .string, description: "a string"), stringCapacity: 16))
    let mockLayout = mock.declare(declarations)
    var row = FrameRow(layout: mockLayout)
    if let speed = mockLayout.fieldIndex(named: "Speed") { row.set(speed, Double.nan) }
    if let name = mockLayout.fieldIndex(named: "DriverName") { row.setString(name, "Ana \u{1F3CE}\"\\") }
    if let distance = mockLayout.fieldIndex(named: "CarIdxLapDistPct") {
        for element in 0..<64 { row.set(distance, Double(element) / 64, element: element) }
    }
    mock.publish(row)
    let lfs = SourceHub(id: "lfs", typeName: "insim", registry: registry)
    let lfsLayout = lfs.declare([
        VariableDeclaration(known["Speed"] ?? VariableInfo(name: "Speed", type: .float)),
        VariableDeclaration(VariableInfo(name: "CarIdxX", type: .float, count: 64, unit: "m", description: "an LFS name")),
    ])
    lfs.publish(FrameRow(layout: lfsLayout))
    return [mock, lfs]
}()
private let fanout = Fanout(
    sinkID: "ws", hubs: hubs, variables: registry, sinkRate: 60, clock: SystemClock(), logger: renderingLogger, metrics: BrokerMetrics())
/// Two named tokens (`token` and one `tokens` entry), so inputs reach which-token matching too.
private let admission = AdmissionPolicy(
    path: "/", tokens: AccessTokens([("default", "s3cret"), ("phone", "p4ss word")]), maxClients: 4, slots: ConnectionSlots(),
    maxClientsPerAddress: 2, addressSlots: AddressSlots(), throttle: ConnectionThrottle(rate: 1_000_000), clock: SystemClock(),
    requestHeadTimeout: 10, metrics: fanout.metrics, logger: renderingLogger)

/// Fuzzes what a WebSocket client controls: the upgrade request (path, `?token=` query, headers,
/// judged by the sink's admission policy) and the text commands (the sink's parser, the did-you-mean
/// hint, `sub`/`unsub`/`read` applied to a subscription request as a client session applies them,
/// the resulting subscriptions resolved and encoded against real frames). Every message the sink
/// would send must be valid JSON.
///
/// Input: the first line is the upgrade URI, the lines holding `: ` are also its headers, and every
/// line is also a command.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocket(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

    var headers = HTTPHeaders()
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        let name = line[..<colon]
        // NIO's HTTP parser only ever produces token names (and HTTPHeaders traps on others).
        guard !name.isEmpty, name.utf8.allSatisfy(isHeaderNameByte) else { continue }
        headers.add(name: String(name), value: String(line[line.index(after: colon)...]))
    }
    let uri = lines.first ?? ""
    if case .admit = admission.verdict(uri: uri, headers: headers, address: "127.0.0.1") { admission.release(address: "127.0.0.1") }
    _ = admission.tokens.name(uri: uri, authorization: headers["authorization"])

    var request = SubscriptionRequest()
    for line in lines {
        guard let command = ClientCommand(parsing: line) else { continue }
        _ = closestMatches(to: command.word, in: ClientSession.commands)
        switch command.word {
        case "sub", "unsub", "read":
            for argument in command.arguments {
                if argument.lowercased() == "all" {
                    command.word == "unsub" ? request.unsubscribeAll() : request.subscribeAll()
                } else {
                    // With a small `max_subscriptions`, so inputs reach the refusal path too.
                    let before = request
                    if !request.apply(argument, subscribing: command.word != "unsub", sourceIDs: fanout.sourceIDs, limit: 8) {
                        precondition(request == before, "a refused name changed the subscription")
                    }
                    precondition(request.names.count <= max(8, before.names.count), "the subscription grew past its limit")
                }
            }
            requireValidJSON(BrokerMessages.error("unknown variables", command: command.word, unknown: command.arguments), "an error reply")
            encodeSubscriptions(request)
        case "rate":
            if let requested = command.arguments.first.flatMap(Double.init), requested.isFinite, requested > 0 {
                _ = fanout.effectiveRate(requested)
            }
        default:
            requireValidJSON(BrokerMessages.error("unknown command '\(command.word)'", command: command.word), "an error reply")
        }
    }
    return 0
}

/// An RFC 9110 token character: what a header name is made of.
private func isHeaderNameByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
    default: return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }
}

/// Each source's slice of `request`, acquired from its table as a client would, encoded for the
/// source's frame, and released.
private func encodeSubscriptions(_ request: SubscriptionRequest) {
    for (index, hub) in hubs.enumerated() {
        guard let key = request.key(for: hub.id) else { continue }
        let subscription = fanout.tables[index].acquire(key)
        if let frame = hub.latestFrame, let message = subscription.message(for: frame, metrics: fanout.metrics) {
            requireValidJSON(textFramePayload(message), "a telemetry message")
        }
        fanout.tables[index].release(subscription)
    }
}

/// The program's entry (SwiftPM links `main` to `FuzzWebSocket_main`): libFuzzer's driver on this target.
@_cdecl("FuzzWebSocket_main")
public func fuzzWebSocketMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzWebSocket)
}

/// The payload of a whole server text frame as `TextFrame.encode` writes it (the sink shares
/// such frames between clients), after checking its header.
private func textFramePayload(_ frame: ByteBuffer) -> [UInt8] {
    let bytes = Array(frame.readableBytesView)
    precondition(bytes.count >= 2 && bytes[0] == 0x81, "a telemetry message is not a final text frame")
    let headerLength: Int
    let payloadLength: Int
    switch bytes[1] {
    case 126:
        headerLength = 4
        payloadLength = Int(bytes[2]) << 8 | Int(bytes[3])
    case 127:
        headerLength = 10
        payloadLength = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
    default:
        headerLength = 2
        payloadLength = Int(bytes[1])
    }
    precondition(bytes.count == headerLength + payloadLength, "a telemetry frame's length field is wrong")
    return Array(bytes[headerLength...])
}
