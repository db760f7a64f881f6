import BrokerCore
import OutGaugeProtocol

/// The variables the InSim source publishes: canonical (iRacing) names where LFS means the same
/// thing, and LFS's own names for the rest. OutGauge variables exist only when OutGauge is on.
enum InSimVariables {
    static let carSlots = 64

    /// Per-car arrays with catalogue names.
    static let canonicalPerCar = [
        "CarIdxLap", "CarIdxLapCompleted", "CarIdxPosition", "CarIdxLapDistPct", "CarIdxLastLapTime", "CarIdxBestLapTime",
        "CarIdxBestLapNum", "CarIdxOnPitRoad", "CarIdxTrackSurface", "CarIdxRPM", "CarIdxGear",
    ]

    /// Per-car arrays of LFS's own.
    static let ownPerCar: [VariableInfo] = [
        VariableInfo(name: "CarIdxX", type: .float, count: carSlots, unit: "m", description: "Per car: LFS map X position (MCI)"),
        VariableInfo(name: "CarIdxY", type: .float, count: carSlots, unit: "m", description: "Per car: LFS map Y position (MCI)"),
        VariableInfo(name: "CarIdxZ", type: .float, count: carSlots, unit: "m", description: "Per car: altitude (MCI)"),
        VariableInfo(
            name: "CarIdxSpeed", type: .float, count: carSlots, unit: "m/s", description: "Per car: speed over the ground (MCI)", range: 0...100),
        VariableInfo(
            name: "CarIdxHeading", type: .float, count: carSlots, unit: "rad",
            description: "Per car: direction of the forward axis, 0 = world +Y, anticlockwise (MCI)", range: 0...6.2832),
        VariableInfo(
            name: "CarIdxDirection", type: .float, count: carSlots, unit: "rad",
            description: "Per car: direction of motion, 0 = world +Y, anticlockwise (MCI)", range: 0...6.2832),
        VariableInfo(
            name: "CarIdxYawRate", type: .float, count: carSlots, unit: "rad/s",
            description: "Per car: rate of change of heading, anticlockwise positive (MCI)"),
        VariableInfo(name: "CarIdxNode", type: .int, count: carSlots, description: "Per car: LFS path node, -1 for no car (MCI/NLP)"),
        VariableInfo(name: "CarIdxPLID", type: .int, count: carSlots, description: "Per car: LFS player id (PLID), 0 for no car"),
        VariableInfo(
            name: "CarIdxInfo", type: .bitfield, count: carSlots, unit: "CCI",
            description: "Per car: LFS CompCar flags (1 blue, 2 yellow, 4 outside path, 8 retired, 32 lagging)"),
        VariableInfo(
            name: "CarIdxPenalty", type: .int, count: carSlots, unit: "PENALTY",
            description: "Per car: current penalty (0 none, 1 DT, 2 DT valid, 3 SG, 4 SG valid, 5 +30 s, 6 +45 s)"),
        VariableInfo(name: "CarIdxNumPitStops", type: .int, count: carSlots, description: "Per car: pit stops made"),
    ]

    /// Scalars with catalogue names.
    static let canonicalScalars = [
        "PlayerCarIdx", "CamCarIdx", "IsReplayPlaying", "SessionLapsTotal", "SessionTimeTotal", "Lap", "LapCompleted", "LapDistPct",
        "PlayerCarPosition", "LapLastLapTime", "LapBestLapTime", "OnPitRoad",
    ]

    /// Scalars of LFS's own.
    static let ownScalars: [VariableInfo] = [
        VariableInfo(name: "RaceInProgress", type: .int, description: "LFS session: 0 none, 1 race, 2 qualifying", range: 0...2),
        VariableInfo(name: "IsPaused", type: .bool, description: "True while LFS is paused"),
    ]

    /// Every variable the source can provide, for `broker vars` and config checks.
    static var all: [VariableInfo] {
        declarations(includingOutGauge: true).map(\.info)
    }

    /// The declarations for one run; catalogue entries keep the catalogue's metadata.
    static func declarations(includingOutGauge: Bool) -> [VariableDeclaration] {
        var names = canonicalPerCar.map(catalogueInfo) + ownPerCar + canonicalScalars.map(catalogueInfo) + ownScalars
        if includingOutGauge { names += OutGaugeVariables.all }
        return names.map { VariableDeclaration($0, stringCapacity: OutGaugeVariables.displayCapacity) }
    }

    private static func catalogueInfo(_ name: String) -> VariableInfo { OutGaugeVariables.catalogueInfo(name) }
}
