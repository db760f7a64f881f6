import BrokerCore

/// The variables the ACC source publishes: per-car `CarIdx*` arrays over 64 slots, the focused car's
/// values under the catalogue's single-car names, and the session's weather and clock.
enum ACCVariables {
    static let carSlots = 64

    static let canonicalPerCar = [
        "CarIdxPosition", "CarIdxClassPosition", "CarIdxLap", "CarIdxLapCompleted", "CarIdxLapDistPct", "CarIdxLastLapTime",
        "CarIdxBestLapTime", "CarIdxGear", "CarIdxOnPitRoad",
    ]

    static let ownPerCar: [VariableInfo] = [
        VariableInfo(
            name: "CarIdxSpeed", type: .float, count: carSlots, unit: "m/s", description: "Per car: speed (ACC sends whole km/h)", range: 0...100),
        VariableInfo(name: "CarIdxX", type: .float, count: carSlots, unit: "m", description: "Per car: ACC world position X"),
        VariableInfo(name: "CarIdxY", type: .float, count: carSlots, unit: "m", description: "Per car: ACC world position Y"),
        VariableInfo(name: "CarIdxYaw", type: .float, count: carSlots, unit: "rad", description: "Per car: ACC heading", range: -3.1416...3.1416),
        VariableInfo(
            name: "CarIdxDelta", type: .float, count: carSlots, unit: "s", description: "Per car: ACC's live delta of the current lap",
            range: -10...10),
        VariableInfo(
            name: "CarIdxCurrentLapTime", type: .float, count: carSlots, unit: "s", description: "Per car: time of the lap in progress",
            range: 0...600),
        VariableInfo(
            name: "CarIdxLocation", type: .int, count: carSlots,
            description: "Per car: ACC car location, 0 none, 1 track, 2 pit lane, 3 pit entry, 4 pit exit", range: 0...4),
        VariableInfo(name: "CarIdxACCIndex", type: .int, count: carSlots, description: "Per car: ACC's own car index, -1 for an empty slot"),
    ]

    /// Single-car names: the focused car's values, recomputed from the currently focused car on
    /// every frame (never kept from a car that was focused before).
    static let canonicalFocused = [
        "PlayerCarIdx", "CamCarIdx", "Speed", "Gear", "Lap", "LapCompleted", "LapDistPct", "PlayerCarPosition", "PlayerCarClassPosition",
        "LapLastLapTime", "LapBestLapTime", "LapCurrentLapTime", "OnPitRoad",
    ]

    static let canonicalSession = ["SessionTime", "SessionTimeRemain", "SessionTimeOfDay", "AirTemp", "TrackTempCrew", "IsReplayPlaying"]

    static let ownSession: [VariableInfo] = [
        VariableInfo(
            name: "SessionType", type: .int,
            description: "ACC session type: 0 practice, 4 qualifying, 9 superpole, 10 race, 11 hotlap, 12 hotstint, 13 hotlap superpole, 14 replay"),
        VariableInfo(
            name: "SessionPhase", type: .int,
            description:
                "ACC session phase: 0 none, 1 starting, 2 pre-formation, 3 formation, 4 pre-session, 5 session, 6 session over, 7 post-session, 8 result UI",
            range: 0...8),
        VariableInfo(name: "RainLevel", type: .float, description: "ACC rain level, 0 dry to 1", range: 0...1),
        VariableInfo(name: "TrackWetnessLevel", type: .float, description: "ACC track wetness, 0 dry to 1", range: 0...1),
        VariableInfo(name: "CloudLevel", type: .float, description: "ACC cloud cover, 0 clear to 1", range: 0...1),
    ]

    static var all: [VariableInfo] {
        canonicalPerCar.map(catalogueInfo) + ownPerCar + canonicalFocused.map(catalogueInfo) + canonicalSession.map(catalogueInfo) + ownSession
    }

    static var declarations: [VariableDeclaration] { all.map { VariableDeclaration($0) } }

    private static let catalogueByName: [String: VariableInfo] = Dictionary(
        VariableCatalogue.all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    private static func catalogueInfo(_ name: String) -> VariableInfo {
        // Every canonical name above is in the catalogue (a test checks it).
        catalogueByName[name] ?? VariableInfo(name: name, type: .float)
    }
}
