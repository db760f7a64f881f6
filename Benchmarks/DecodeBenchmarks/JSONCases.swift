import Benchmark
import BrokerCore
import IRacingSource
import MockSource

/// One mock frame (20 cars, 601 steps in) with its layout and registry, as the WebSocket sink sees it.
struct MockFrame {
    let registry = VariableRegistry()
    let layout: FrameLayout
    let frame: Frame

    init() {
        layout = FrameLayout(declaring: MockSimulation.declarations(), registry: registry, sourceID: "mock")
        var simulation = MockSimulation(layout: layout, cars: 20, seed: 42, overrides: [:])
        for _ in 0..<600 { _ = simulation.step(dt: 1.0 / 60) }
        frame = Frame(seq: 601, timestamp: 1_800_000_000, layout: layout, row: simulation.step(dt: 1.0 / 60).bytes)
    }
}

func registerJSONBenchmarks() {
    let mock = MockFrame()

    // `read all` of the mock's whole catalogue (410 variables, 2,201 values, about 18 KB): the
    // selection resolved once, as the sink does, the JSON written per operation (BENCHMARKS.md: <= 20 us).
    let all = VariableSelection.all.resolve(sourceID: "mock", layout: mock.layout, registry: mock.registry)
    Benchmark("json-read-all", configuration: micro()) { benchmark in
        for _ in benchmark.scaledIterations {
            var writer = JSONWriter(capacity: 1024)
            writer.raw("{\"type\":\"read\",\"source\":")
            writer.string("mock")
            writer.raw(",\"data\":")
            all.writeData(of: mock.frame, to: &writer)
            writer.byte(UInt8(ascii: "}"))
            blackHole(writer.bytes.count)
        }
    }

    // One 20-variable telemetry message: what each distinct subscription encodes once per frame.
    let twenty = VariableSelection.names(IRSDKRowDecodeBenchmark.typicalVariables).resolve(
        sourceID: "mock", layout: mock.layout, registry: mock.registry)
    Benchmark("json-telemetry-20", configuration: micro()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(BrokerMessages.telemetry(sourceID: "mock", frame: mock.frame, selection: twenty).count)
        }
    }
}
