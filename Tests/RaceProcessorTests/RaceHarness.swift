import BrokerCore
import Logging
import RaceProcessor

/// A scripted source feeding a hub with the race processor attached: the tests set each car's laps
/// and lap distance (and the player's fuel) per frame and read what the processor added.
final class RaceHarness {
    struct Car {
        var laps: Int
        var pct: Double
        var pit = false
        var carClass = 1
        var estimate: Double?
    }

    let hub: SourceHub
    let layout: FrameLayout

    static let names = [
        "CarIdxLapCompleted", "CarIdxLapDistPct", "CarIdxOnPitRoad", "PlayerCarIdx", "SessionTime", "SessionNum", "SessionFlags",
        "FuelLevel", "LapCompleted", "LapDistPct", "OnPitRoad", "SessionLapsRemainEx", "SessionTimeRemain",
    ]

    init(estimate: Bool = false, classes: Bool = false, config: RaceConfig = RaceConfig()) {
        let logger = Logger(label: "race-test")
        let registry = VariableRegistry()
        let processor = RaceProcessor(
            id: "race", sourceID: "scripted", config: config, context: PluginContext(logger: logger, registry: registry))
        hub = SourceHub(
            id: "scripted", typeName: "test", registry: registry,
            processors: [AttachedProcessor(id: "race", typeName: "race", budget: .seconds(1), processor: processor, logger: logger)])
        var names = Self.names
        if estimate { names.append("CarIdxEstTime") }
        if classes { names.append("CarIdxClass") }
        layout = hub.declare(names.map { name in VariableDeclaration(VariableCatalogue.all.first { $0.name == name }!) })
    }

    /// Publishes one frame: `cars[i]` is CarIdx i (nil: no car); the player's laps and distance are
    /// its car's.
    @discardableResult
    func publish(
        time: Double, cars: [Car?], player: Int = 0, fuel: Double? = nil, flags: Int = 0x4, lapsRemain: Int = 32767,
        timeRemain: Double = 604_800, sessionNum: Int = 0
    ) -> Frame {
        var row = FrameRow(layout: layout)
        func field(_ name: String) -> Int? { layout.fieldIndex(named: name) }
        for slot in 0..<64 {
            let car = slot < cars.count ? cars[slot] : nil
            row.set(field("CarIdxLapCompleted")!, Double(car?.laps ?? -1), element: slot)
            row.set(field("CarIdxLapDistPct")!, car?.pct ?? -1, element: slot)
            row.set(field("CarIdxOnPitRoad")!, car?.pit ?? false, element: slot)
            if let f = field("CarIdxClass") { row.set(f, Double(car?.carClass ?? -1), element: slot) }
            if let f = field("CarIdxEstTime") { row.set(f, car?.estimate ?? -1, element: slot) }
        }
        row.set(field("PlayerCarIdx")!, Double(player))
        row.set(field("SessionTime")!, time)
        row.set(field("SessionNum")!, Double(sessionNum))
        row.set(field("SessionFlags")!, Double(flags))
        if let fuel { row.set(field("FuelLevel")!, fuel) } else { row.setNull(field("FuelLevel")!) }
        let me = player < cars.count ? cars[player] : nil
        row.set(field("LapCompleted")!, Double(me?.laps ?? -1))
        row.set(field("LapDistPct")!, me?.pct ?? 0)
        row.set(field("OnPitRoad")!, me?.pit ?? false)
        row.set(field("SessionLapsRemainEx")!, Double(lapsRemain))
        row.set(field("SessionTimeRemain")!, timeRemain)
        hub.publish(row, timestamp: 1_000_000 + time)
        return hub.latestFrame!
    }
}

extension Frame {
    /// The first `count` elements of a per-car variable, nil for null.
    func cars(_ name: String, _ count: Int) -> [Double?] {
        guard case let .array(values)? = value(named: name) else { return [] }
        return values.prefix(count).map(\.number)
    }

    func scalar(_ name: String) -> Double? { value(named: name)?.number }
}

extension JSONValue {
    var number: Double? {
        switch self {
        case let .int(v): return Double(v)
        case let .float(v): return Double(v)
        case let .double(v): return v
        default: return nil
        }
    }
}

/// Two lists of optional numbers equal within `tolerance` (nil only matches nil).
func close(_ a: [Double?], _ b: [Double?], within tolerance: Double = 0.01) -> Bool {
    a.count == b.count
        && zip(a, b).allSatisfy { x, y in
            switch (x, y) {
            case (nil, nil): return true
            case let (x?, y?): return abs(x - y) <= tolerance
            default: return false
            }
        }
}
