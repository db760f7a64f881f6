import Benchmark
import BrokerCore
import Logging
import RaceProcessor

/// A steady race of 64 cars (3 classes) on a 100 s lap at 60 frames/s for the race processor: each
/// frame's laps, lap distances, session time and fuel are written into one reused row, then
/// `process` runs on it. Warmed up for 400 s of race (reference lap learned, fuel history full).
final class SteadyRace {
    private let processor: RaceProcessor
    private let bytes: UnsafeMutableRawBufferPointer
    private let view: ProcessorRow
    private let laps, pct, time, fuel, playerLaps, playerPct, remain: RowField
    let gapToLeader: RowField
    private let offsets = (0..<64).map { Double($0) * 1.37 }
    private var frame = 0
    private var events = ProcessorEvents()

    init() {
        let registry = VariableRegistry()
        let names = [
            "CarIdxLapCompleted", "CarIdxLapDistPct", "CarIdxOnPitRoad", "CarIdxClass", "PlayerCarIdx", "SessionTime", "SessionNum",
            "SessionFlags", "FuelLevel", "LapCompleted", "LapDistPct", "OnPitRoad", "SessionLapsRemainEx", "SessionTimeRemain",
        ]
        let declarations = names.map { name in VariableDeclaration(VariableCatalogue.all.first { $0.name == name }!) }
        let source = FrameLayout(declaring: declarations, registry: registry, sourceID: "bench")
        processor = RaceProcessor(
            id: "race", sourceID: "bench", config: RaceConfig(), context: PluginContext(logger: Logger(label: "bench"), registry: registry))
        var offset = source.rowSize
        var added: [VariableDeclaration] = []
        for info in processor.variables(for: source) {
            added.append(VariableDeclaration(info, offset: offset))
            offset += info.type.elementSize * info.count
        }
        let layout = FrameLayout(declaring: declarations + added, registry: registry, sourceID: "bench")
        processor.bind(ProcessorBinding(layout: layout, added: Set(added.map(\.info.name))))
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: layout.rowSize, alignment: 8)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
        view = ProcessorRow(bytes: bytes, timestamp: 0)
        let field = { (name: String) in RowField(named: name, in: layout)! }
        (laps, pct, time, fuel) = (field("CarIdxLapCompleted"), field("CarIdxLapDistPct"), field("SessionTime"), field("FuelLevel"))
        (playerLaps, playerPct, remain) = (field("LapCompleted"), field("LapDistPct"), field("SessionLapsRemainEx"))
        gapToLeader = field("CarIdxGapToLeader")
        view.set(field("SessionFlags"), 4)
        for car in 0..<64 { view.set(field("CarIdxClass"), Double(car % 3), element: car) }
        for _ in 0..<(60 * 400) { step() }
    }

    deinit { bytes.deallocate() }

    /// Writes the next frame's values into the row.
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

    /// The next frame, filled and processed.
    func step() {
        fill()
        try! processor.process(view, events: &events)
    }

    func number(_ field: RowField, _ element: Int = 0) -> Double { view.number(field, element) ?? -1 }
    var sessionTime: Double { number(time) }
}

func registerRaceBenchmarks() {
    // Built on first use (a global is initialised lazily), so only a run that includes these pays for the warm-up.
    Benchmark("race-row-fill", configuration: micro()) { benchmark in
        for _ in benchmark.scaledIterations { steadyRace.fill() }
        blackHole(steadyRace.sessionTime)
    }
    // Fill + process; the processor's own cost is this minus race-row-fill (target <= 20 us).
    // Steady state allocates nothing: the threshold for allocations is 0.
    Benchmark("race-64-cars", configuration: micro()) { benchmark in
        for _ in benchmark.scaledIterations { steadyRace.step() }
        blackHole(steadyRace.number(steadyRace.gapToLeader, 63))
    }
}

let steadyRace = SteadyRace()
