import BrokerCore
import FuzzSupport
import NIOCore
import NIOEmbedded

@testable import MQTTClient
@testable import MQTTSource

/// Fuzzes what an MQTT server (or anyone allowed to publish on it) can send the `mqtt` source: the
/// byte stream through the real decoder (`MQTTPacketDecoder` in a channel pipeline, with a small
/// publish limit so oversized messages are skipped too), each packet into the connection's state
/// after an accepted CONNACK with a SUBSCRIBE in flight, each message it delivers into the
/// restoring logic (`RemoteSources`); then everything the added hubs hold must encode to valid
/// JSON. The stream is written in two pieces (split where the first byte says), so packets that
/// straddle reads are decoded too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMQTT(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    // An empty catalogue: cheap per input, and names the input declares do not pile up.
    let registry = VariableRegistry(catalogue: [])
    let entry = SourceHub(id: "team", typeName: "mqtt", registry: registry)
    let directory = HubDirectory([entry, SourceHub(id: "taken", typeName: "mock", registry: registry)])
    let factory = SourceHubFactory(origin: "team", typeName: "mqtt", registry: registry, directory: directory)
    let clock = ManualClock()
    let remotes = RemoteSources(
        settings: RemoteSources.Settings(topicPrefix: "t", idPrefix: "", maxSources: 4, silenceSeconds: 1), factory: factory,
        drops: DropTally(logger: renderingLogger, context: "mqtt source 'team'"), clock: clock)
    remotes.linkUp()
    let (_, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    let state = MQTTConnectionState<Never>(wake: wake, onInbound: { remotes.handle($0) })
    _ = state.received(.connack(sessionPresent: false, returnCode: .accepted))
    _ = state.registerSubscription()

    let channel = EmbeddedChannel(handler: ByteToMessageHandler(MQTTPacketDecoder(maximumPublishLength: 512)))
    let split = input.isEmpty ? 0 : Int(input[0]) % (input.count + 1)
    var closed = false
    for piece in [input[..<split], input[split...]] where !closed {
        do {
            try channel.writeInbound(ByteBuffer(bytes: piece))
            while !closed, let packet = try channel.readInbound(as: MQTTServerPacket.self) {
                closed = state.received(packet) == .close
            }
        } catch {
            _ = describeConnectionError(error)
            closed = true
        }
    }
    do { _ = try channel.finish() } catch { _ = "\(error)" }

    clock.time += 5
    remotes.checkSilence()
    remotes.linkDown("fuzz")
    remotes.linkUp()
    _ = state.failure
    for hub in directory.hubs { encodeEverything(in: hub, registry: registry) }
    return 0
}

/// The program's entry (SwiftPM links `main` to `FuzzMQTT_main`): libFuzzer's driver on this target.
@_cdecl("FuzzMQTT_main")
public func fuzzMQTTMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzMQTT)
}
