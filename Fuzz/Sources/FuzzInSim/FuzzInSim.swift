import BrokerCore
import FuzzSupport
import NIOCore
import NIOEmbedded

@testable import InSimSource

/// The variables never change between inputs, so one registry and layout serve them all (building
/// them per input would halve the fuzzer's speed); everything else is fresh per input.
private let registry = VariableRegistry()
private let layout = FrameLayout(declaring: InSimVariables.declarations(includingOutGauge: true), registry: registry, sourceID: "lfs")

/// Fuzzes what LFS (or anyone on the network) can send the InSim source: the TCP stream through the
/// real framer (`InSimFrameDecoder` in a channel pipeline), each framed packet through the decoder
/// and the session model after a valid handshake, the same bytes as UDP datagrams (MCI/NLP or
/// OutGauge), and then every message the hub's content encodes to, which must be valid JSON.
///
/// The stream is written in two pieces (split where the first byte says), so packets that straddle
/// reads are framed too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInSim(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let hub = SourceHub(id: "lfs", typeName: "insim", registry: registry)
    let clock = ManualClock()
    var session = InSimSession(
        hub: hub, writer: InSimFrameWriter(layout: layout, includesOutGauge: true),
        settings: .init(endpoint: "127.0.0.1:29999", publishOnNodeLap: input.first.map { $0 & 0x80 != 0 } ?? false, outGaugeEnabled: true),
        logger: renderingLogger, clock: clock)

    // A valid IS_VER first (LFS 0.7F, product S3, InSim 10), so the packets reach the race model.
    let version: [UInt8] = [5, 2, 1, 0, 0x30, 0x2E, 0x37, 0x46, 0, 0, 0, 0, 0x53, 0x33, 0, 0, 0, 0, 10, 0]
    session.beginConnection()
    _ = try? session.handle(packet: ByteBuffer(bytes: version))

    let channel = EmbeddedChannel(handler: ByteToMessageHandler(InSimFrameDecoder()))
    var packets: [ByteBuffer] = []
    let split = input.isEmpty ? 0 : Int(input[0]) % (input.count + 1)
    var streamFailed = false
    for piece in [input[..<split], input[split...]] where !streamFailed {
        do {
            try channel.writeInbound(ByteBuffer(bytes: piece))
            while let packet = try channel.readInbound(as: ByteBuffer.self) { packets.append(packet) }
        } catch {
            _ = "\(error)"
            streamFailed = true
        }
    }
    do { _ = try channel.finish() } catch { _ = "\(error)" }

    for packet in packets {
        do {
            _ = try session.handle(packet: packet)
        } catch {
            session.endConnection(reason: "\(error)")
            break
        }
        clock.time += 0.5
        session.flushSessionInfo()
    }
    // The handshake again (a reconnect), then everything once more as UDP datagrams.
    session.beginConnection()
    _ = try? session.handle(packet: ByteBuffer(bytes: version))
    for packet in packets { session.handle(datagram: Array(packet.readableBytesView)) }
    // The whole input as one datagram: OutGauge's decoder when it is not MCI/NLP-shaped.
    session.handle(datagram: input)
    clock.time += 10
    session.flushSessionInfo()

    // The InSim decoder on its own, as benchmarks and tests call it.
    _ = try? InSimDecoder.decode(input)
    encodeEverything(in: hub, registry: registry)
    return 0
}

/// The program's entry (SwiftPM links `main` to `FuzzInSim_main`): libFuzzer's driver on this target.
@_cdecl("FuzzInSim_main")
public func fuzzInSimMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzInSim)
}
