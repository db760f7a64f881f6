import BrokerCore
import Foundation
import Logging
import RaceProcessor

/// The race processor on a 64-car frame (issue 18): a steady race of 64 cars on a 100 s lap at
/// 60 frames/s, each frame's laps, lap distances and session time written into one reused row, then
/// `process` run on it. `race-row-fill` times the writing alone, so the difference is the processor.
///
/// Allocations are counted when the benchmark runs with `scripts/malloc-count.c` preloaded
/// (LD_PRELOAD): it counts every malloc/calloc/realloc/posix_memalign call, and the case reads the
/// count before and after 100,000 frames in steady state.
func runRaceBenchmarks() {
    let registry = VariableRegistry()
    let names = [
        "CarIdxLapCompleted", "CarIdxLapDistPct", "CarIdxOnPitRoad", "CarIdxClass", "PlayerCarIdx", "SessionTime", "SessionNum",
        "SessionFlags", "FuelLevel", "LapCompleted", "LapDistPct", "OnPitRoad", "SessionLapsRemainEx", "SessionTimeRemain",
    ]
    let declarations = names.map { name in VariableDeclaration(VariableCatalogue.all.first { $0.name == name }!) }
    let source = FrameLayout(declaring: declarations, registry: registry, sourceID: "bench")
    let processor = RaceProcessor(
        id: "race", sourceID: "bench", config: RaceConfig(), context: PluginContext(logger: Logger(label: "bench"), registry: registry))
    var offset = source.rowSize
    var added: [VariableDeclaration] = []
    for info in processor.variables(for: source) {
        added.append(VariableDeclaration(info, offset: offset))
        offset += info.type.elementSize * info.count
    }
    let layout = FrameLayout(declaring: declarations + added, registry: registry, sourceID: "bench")
    processor.bind(ProcessorBinding(layout: layout, added: Set(added.map(\.info.name))))

    let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: layout.rowSize, alignment: 8)
    bytes.initializeMemory(as: UInt8.self, repeating: 0)
    defer { bytes.deallocate() }
    let view = ProcessorRow(bytes: bytes, timestamp: 0)
    func field(_ name: String) -> RowField { RowField(named: name, in: layout)! }
    let laps = field("CarIdxLapCompleted"), pct = field("CarIdxLapDistPct"), time = field("SessionTime"), fuel = field("FuelLevel")
    let playerLaps = field("LapCompleted"), playerPct = field("LapDistPct"), remain = field("SessionLapsRemainEx")
    view.set(field("SessionFlags"), 4)
    for car in 0..<64 { view.set(field("CarIdxClass"), Double(car % 3), element: car) }
    let offsets = (0..<64).map { Double($0) * 1.37 }
    var frame = 0
    func fill() {
        let now = Double(frame) / 60
        frame += 1
        view.set(time, now)
        for car in 0..<64 {
            let total = 3 + (now - offsets[car]) / 100
            let whole = total.rounded(.down)
            view.set(laps, whole, element: car)
            view.set(pct, total - whole, element: car)
        }
        let total = 3 + now / 100
        view.set(playerLaps, total.rounded(.down))
        view.set(playerPct, total - total.rounded(.down))
        view.set(fuel, 100 - 2.5 * total)
        view.set(remain, 500)
    }
    var events = ProcessorEvents()
    // Warm up past the first timed laps (the learned reference lap, the fuel history).
    for _ in 0..<(60 * 400) {
        fill()
        try! processor.process(view, events: &events)
    }
    measure("race-row-fill", unit: "frames") { n in
        for _ in 0..<n { fill() }
        return view.number(time) ?? 0
    }
    measure("race-64-cars", unit: "frames") { n in
        for _ in 0..<n {
            fill()
            try! processor.process(view, events: &events)
        }
        return view.number(field("CarIdxGapToLeader"), 63) ?? -1
    }
    guard "race-allocations".hasPrefix(casePrefix) else { return }
    typealias Counter = @convention(c) () -> UInt64
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_count_total") else {
        print("race-allocations     not counted: run with LD_PRELOAD of scripts/malloc-count.so (see BENCHMARKS.md)")
        return
    }
    let count = unsafeBitCast(symbol, to: Counter.self)
    events = ProcessorEvents()
    let before = count()
    for _ in 0..<100_000 {
        fill()
        try! processor.process(view, events: &events)
    }
    let after = count()
    print("race-allocations     \(after - before) allocations in 100000 frames of 64 cars (events emitted meanwhile: \(events.isEmpty ? "none" : "some"))")
}
