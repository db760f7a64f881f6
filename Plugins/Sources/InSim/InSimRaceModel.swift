/// What the source knows about one car slot (CarIdx), kept in LFS terms converted to SI units.
struct CarSlotState: Sendable {
    /// The player in this slot; 0 = empty.
    var playerID: UInt8 = 0
    var node: Int = -1
    /// The lap the car is on (LFS's MCI/NLP lap), -1 for no car.
    var lap: Int = -1
    var lapsCompleted: Int = -1
    var position: Int = 0
    var x: Double?
    var y: Double?
    var z: Double?
    var speed: Double?
    var heading: Double?
    var direction: Double?
    var yawRate: Double?
    var info: UInt8 = 0
    var lastLapTime: Double = -1
    var bestLapTime: Double = -1
    var bestLapNumber: Int = -1
    var onPitRoad = false
    var inPitStall = false
    /// In the last complete MCI set (driving, not in the garage or spectating).
    var inWorld = false
    var penalty = 0
    var pitStops = 0
    var rpm: Double?
    var gear: Int = 0

    /// irsdk_TrkLoc: -1 not in world, 0 off track, 1 in pit stall, 2 pit lane, 3 on track.
    var trackSurface: Int {
        guard playerID != 0, inWorld else { return -1 }
        if inPitStall { return 1 }
        if onPitRoad { return 2 }
        return info & CompCarInfoBits.outOfBounds != 0 ? 0 : 3
    }
}

/// A player (a car in the race) as InSim describes it.
struct PlayerRecord: Sendable {
    var playerID: UInt8
    var connectionID: UInt8
    var slot: Int
    var name: LFSText
    var plate: LFSText
    var car: String
    var skinName: String
    var playerType: UInt8
    var flags: UInt16
    var addedMass: UInt8
    var intakeRestriction: UInt8
    var tyres: TyreCompounds
    /// Between IS_PLP (went to the garage) and the IS_NPL that brings it out again.
    var inGarage = false

    var isAI: Bool { playerType & 2 != 0 }
    var isRemote: Bool { playerType & 4 != 0 }
}

/// A connection (a person or the host) as InSim describes it.
struct ConnectionRecord: Sendable {
    var connectionID: UInt8
    var userName: LFSText
    var playerName: LFSText
    var isAdmin: Bool
    var isRemote: Bool
}

/// The track, session and host facts that feed `WeekendInfo` and `SessionInfo`.
struct SessionFacts: Sendable {
    var version: InSimVersion?
    var state: InSimState?
    var raceStart: InSimRaceStart?
    var multiplayer: InSimMultiplayer?

    /// Race laps from the latest RST, else the STA.
    var raceLength: RaceLength? {
        if let raceStart, raceStart.qualifyingMinutes == 0 { return RaceLength(raceLaps: raceStart.raceLaps) }
        if let state, state.raceInProgress != 2 { return RaceLength(raceLaps: state.raceLaps) }
        return nil
    }

    var qualifyingMinutes: Int? {
        if let raceStart, raceStart.qualifyingMinutes > 0 { return Int(raceStart.qualifyingMinutes) }
        if let state, state.raceInProgress == 2 { return Int(state.qualifyingMinutes) }
        return nil
    }

    var track: String? { state?.track ?? raceStart?.track }

    /// The latest RST when it is for the current track (an RST for the previous track describes
    /// nothing current).
    var currentRaceStart: InSimRaceStart? {
        guard let raceStart, state.map({ $0.track == raceStart.track }) ?? true else { return nil }
        return raceStart
    }

    /// Path nodes of the current track, known once an RST for that track has arrived; nil for a
    /// layout without nodes (open configurations, autocross), whose RST still carries race settings.
    var nodes: (count: Int, finish: Int)? {
        guard let raceStart = currentRaceStart, raceStart.numberOfNodes > 0 else { return nil }
        return (Int(raceStart.numberOfNodes), Int(raceStart.finishNode))
    }

    /// The fraction of the lap covered at `node`, counted from the finish line node.
    func lapFraction(atNode node: Int) -> Double? {
        guard let nodes, node >= 0, node < nodes.count else { return nil }
        return Double((node - nodes.finish + nodes.count) % nodes.count) / Double(nodes.count)
    }
}
