import BrokerCore
import Foundation
import IRacingSource
import InSimSource
import Logging
import MockSource

// Decode and encode micro-benchmarks (issue 7, SPEC 9).
//
//   swift run -c release decode-benchmarks [batches] [case-prefix]
//
// With a case prefix (e.g. `json`), only the cases whose names start with it run (for profiling).
// Each case runs `batches` timed batches (default 200) after a warm-up; a batch repeats the
// operation enough times to last about a millisecond. Per operation it prints the min, median and
// p99 over the batches, and the rate the median implies. Cases:
//   iracing-row-decode  the iRacing source's own copy of the newest row from a memory map (the
//                       live dump w13_monza_livemem.bin), with the tick re-check against torn
//                       reads, then 20 typical variables read out of the copy
//   insim-mci-decode    one IS_MCI packet of 16 cars through InSimDecoder.decodeMultiCarInfo
//   json-read-all       a `read all` reply for one mock frame: every catalogue variable the mock
//                       provides, resolved once (as the sink does) and written to JSON per operation
//   json-telemetry-20   a 20-variable telemetry message (what each subscription encodes per frame)
//   race-*              the race processor on a 64-car frame (RaceCases.swift)

let batches = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200
let casePrefix = CommandLine.arguments.dropFirst(2).first ?? ""

/// Min, median and p99 of a list of per-operation times in seconds.
struct Spread {
    let min: Double, median: Double, p99: Double

    init(_ samples: [Double]) {
        let sorted = SortedSamples(samples)
        min = sorted.min ?? .nan
        median = sorted.percentile(0.5) ?? .nan
        p99 = sorted.percentile(0.99) ?? .nan
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// Times `operation(n)` (which does the work `n` times and returns something to keep the work
/// alive) in batches sized to about a millisecond; prints the spread per operation.
func measure(_ name: String, unit: String, _ operation: (Int) -> Double) {
    guard name.hasPrefix(casePrefix) else { return }
    var sink = 0.0
    // Size a batch: double until one takes >= 1 ms.
    var perBatch = 1
    while true {
        let started = ContinuousClock.now
        sink += operation(perBatch)
        if seconds(ContinuousClock.now - started) >= 0.001 || perBatch >= 1 << 24 { break }
        perBatch *= 2
    }
    for _ in 0..<max(batches / 10, 5) { sink += operation(perBatch) }  // warm-up
    var samples: [Double] = []
    samples.reserveCapacity(batches)
    for _ in 0..<batches {
        let started = ContinuousClock.now
        sink += operation(perBatch)
        samples.append(seconds(ContinuousClock.now - started) / Double(perBatch))
    }
    let spread = Spread(samples)
    func ns(_ value: Double) -> String { String(format: "%9.1f ns", value * 1e9) }
    print(
        "\(name.padding(toLength: 20, withPad: " ", startingAt: 0)) min \(ns(spread.min))  median \(ns(spread.median))  p99 \(ns(spread.p99))"
            + String(format: "  => %12.0f %@/s (median)   [%d x %d ops, checksum %.3g]", 1 / spread.median, unit, batches, perBatch, sink))
}

/// `../shared/data` next to the package root (this file is Benchmarks/DecodeBenchmarks/main.swift).
let dataFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")

print("decode-benchmarks: \(batches) batches per case, \(ProcessInfo.processInfo.activeProcessorCount) cores")

// iRacing: copy + torn-read check + 20 variables.
do {
    let path = dataFolder.appendingPathComponent("iracing/w13_monza_livemem.bin").path
    guard let data = FileManager.default.contents(atPath: path) else {
        print("iracing-row-decode   skipped: \(path) not found")
        exit(1)
    }
    let benchmark = try IRSDKRowDecodeBenchmark(memory: InMemoryRegion([UInt8](data)))
    measure("iracing-row-decode", unit: "rows") { n in
        let result = benchmark.decode(rows: n)
        precondition(result.decoded == n, "torn or missing rows")
        return result.checksum
    }
} catch {
    print("iracing-row-decode   failed: \(error)")
    exit(1)
}

// InSim: one IS_MCI with 16 CompCars (4-byte header + 16 x 28 bytes = 452 bytes, size byte 113).
do {
    var packet = [UInt8](repeating: 0, count: 4 + 28 * 16)
    packet[0] = UInt8(packet.count / 4)
    packet[1] = InSimPacketType.mci
    packet[2] = 7
    packet[3] = 16
    for car in 0..<16 {
        let base = 4 + 28 * car
        for byte in 0..<28 { packet[base + byte] = UInt8(truncatingIfNeeded: car * 31 + byte * 7) }
        packet[base + 4] = UInt8(car + 1)  // PLID
        packet[base + 5] = UInt8(car + 1)  // position
    }
    var cars: [CompCar] = []
    cars.reserveCapacity(16)
    try packet.withUnsafeBytes { bytes in
        _ = try InSimDecoder.decodeMultiCarInfo(bytes, into: &cars)
        measure("insim-mci-decode", unit: "packets") { n in
            var checksum = 0
            for _ in 0..<n {
                guard (try? InSimDecoder.decodeMultiCarInfo(bytes, into: &cars)) != nil else { fatalError("MCI decode failed") }
                checksum &+= Int(cars[15].x) &+ Int(cars[0].speed)
            }
            return Double(checksum)
        }
    }
} catch {
    print("insim-mci-decode     failed: \(error)")
    exit(1)
}

// JSON: `read all` of a mock frame, and a 20-variable telemetry message.
do {
    let registry = VariableRegistry()
    let layout = FrameLayout(declaring: MockSimulation.declarations(), registry: registry, sourceID: "mock")
    var simulation = MockSimulation(layout: layout, cars: 20, seed: 42, overrides: [:])
    for _ in 0..<600 { _ = simulation.step(dt: 1.0 / 60) }
    let row = simulation.step(dt: 1.0 / 60)
    let frame = Frame(seq: 601, timestamp: 1_800_000_000, layout: layout, row: row.bytes)
    let all = VariableSelection.all.resolve(sourceID: "mock", layout: layout, registry: registry)
    var sample = JSONWriter(capacity: 1024)
    all.writeData(of: frame, to: &sample)
    print("json-read-all: \(all.entries.count) variables (\(layout.fields.reduce(0) { $0 + $1.count }) values), \(sample.bytes.count + 32) bytes per message")
    measure("json-read-all", unit: "messages") { n in
        var total = 0
        for _ in 0..<n {
            var writer = JSONWriter(capacity: 1024)
            writer.raw("{\"type\":\"read\",\"source\":")
            writer.string("mock")
            writer.raw(",\"data\":")
            all.writeData(of: frame, to: &writer)
            writer.byte(UInt8(ascii: "}"))
            total &+= writer.bytes.count
        }
        return Double(total)
    }
    let twenty = VariableSelection.names(IRSDKRowDecodeBenchmark.typicalVariables).resolve(sourceID: "mock", layout: layout, registry: registry)
    measure("json-telemetry-20", unit: "messages") { n in
        var total = 0
        for _ in 0..<n { total &+= BrokerMessages.telemetry(sourceID: "mock", frame: frame, selection: twenty).count }
        return Double(total)
    }
}

// iRacing .ibt replay at `speed: 0`: the whole source (file rows -> hub frames), timed from
// `run` until the hub holds the file's last row and reports the end of the file.
replay: do {
    guard "ibt-replay-speed0".hasPrefix(casePrefix) else { break replay }
    let path = dataFolder.appendingPathComponent("iracing/formulavee_tsukuba.ibt").path
    var logger = Logger(label: "decode-benchmarks")
    logger.logLevel = .warning
    var rates: [Double] = []
    var rows = 0
    for _ in 0..<7 {
        let registry = VariableRegistry()
        let hub = SourceHub(id: "iracing", typeName: "iracing", registry: registry)
        let source = try IRacingSource(
            id: "iracing", config: IRacingConfig(ibt: path, speed: 0), context: PluginContext(logger: logger, registry: registry))
        let changes = hub.changes()
        let started = ContinuousClock.now
        let task = Task { try await source.run(output: hub) }
        var finished = false
        for await _ in changes {
            if let seq = hub.latestFrame?.seq, seq > 0, !hub.status.connected {
                rows = Int(seq)
                finished = true
                break
            }
        }
        let elapsed = seconds(ContinuousClock.now - started)
        task.cancel()
        _ = await task.result
        guard finished else { fatalError("the replay did not finish") }
        rates.append(Double(rows) / elapsed)
    }
    rates.sort()
    print(
        String(
            format: "ibt-replay-speed0    %d rows of formulavee_tsukuba.ibt: min %.0f  median %.0f  max %.0f rows/s (7 runs)", rows, rates[0],
            rates[3], rates[6]))
} catch {
    print("ibt-replay-speed0    failed: \(error)")
    exit(1)
}
runRaceBenchmarks()
runForzaBenchmarks()
runACCBenchmarks()
runF1DecodeBenchmark()
runTeleportCases()
