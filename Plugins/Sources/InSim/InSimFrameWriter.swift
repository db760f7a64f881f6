import BrokerCore
import OutGaugeProtocol

/// Writes the source's model (car slots, session facts, the latest OutGauge packet) into frame rows
/// of the declared layout. Field indices are resolved once, when the layout is declared.
struct InSimFrameWriter: Sendable {
    let layout: FrameLayout
    private let perCar: PerCarFields
    private let scalars: ScalarFields
    private let gauges: OutGaugeFrameFields?

    private struct PerCarFields: Sendable {
        var lap, lapCompleted, position, lapDistPct, lastLapTime, bestLapTime, bestLapNumber, onPitRoad, trackSurface, rpm, gear: Int
        var x, y, z, speed, heading, direction, yawRate, node, playerID, info, penalty, pitStops: Int
    }

    private struct ScalarFields: Sendable {
        var playerCarIdx, camCarIdx, isReplayPlaying, sessionLapsTotal, sessionTimeTotal, lap, lapCompleted, lapDistPct: Int
        var playerCarPosition, lapLastLapTime, lapBestLapTime, onPitRoad, raceInProgress, isPaused: Int
    }

    init(layout: FrameLayout, includesOutGauge: Bool) {
        self.layout = layout
        func field(_ name: String) -> Int {
            guard let index = layout.fieldIndex(named: name) else { preconditionFailure("InSim layout lacks \(name)") }
            return index
        }
        perCar = PerCarFields(
            lap: field("CarIdxLap"), lapCompleted: field("CarIdxLapCompleted"), position: field("CarIdxPosition"),
            lapDistPct: field("CarIdxLapDistPct"), lastLapTime: field("CarIdxLastLapTime"), bestLapTime: field("CarIdxBestLapTime"),
            bestLapNumber: field("CarIdxBestLapNum"), onPitRoad: field("CarIdxOnPitRoad"), trackSurface: field("CarIdxTrackSurface"),
            rpm: field("CarIdxRPM"), gear: field("CarIdxGear"), x: field("CarIdxX"), y: field("CarIdxY"), z: field("CarIdxZ"),
            speed: field("CarIdxSpeed"), heading: field("CarIdxHeading"), direction: field("CarIdxDirection"),
            yawRate: field("CarIdxYawRate"), node: field("CarIdxNode"), playerID: field("CarIdxPLID"), info: field("CarIdxInfo"),
            penalty: field("CarIdxPenalty"), pitStops: field("CarIdxNumPitStops"))
        scalars = ScalarFields(
            playerCarIdx: field("PlayerCarIdx"), camCarIdx: field("CamCarIdx"), isReplayPlaying: field("IsReplayPlaying"),
            sessionLapsTotal: field("SessionLapsTotal"), sessionTimeTotal: field("SessionTimeTotal"), lap: field("Lap"),
            lapCompleted: field("LapCompleted"), lapDistPct: field("LapDistPct"), playerCarPosition: field("PlayerCarPosition"),
            lapLastLapTime: field("LapLastLapTime"), lapBestLapTime: field("LapBestLapTime"), onPitRoad: field("OnPitRoad"),
            raceInProgress: field("RaceInProgress"), isPaused: field("IsPaused"))
        if includesOutGauge {
            guard let gauges = OutGaugeFrameFields(layout: layout) else { preconditionFailure("InSim layout lacks the OutGauge variables") }
            self.gauges = gauges
        } else {
            gauges = nil
        }
    }

    /// What one frame shows besides the car slots.
    struct Context {
        var playerSlot: Int?
        var cameraSlot: Int?
        var facts: SessionFacts
        var gauge: OutGaugePacket?
    }

    func row(slots: [CarSlotState], context: Context) -> FrameRow {
        var row = FrameRow(layout: layout)
        for (index, car) in slots.enumerated() {
            write(car, element: index, facts: context.facts, into: &row)
        }
        writeScalars(slots: slots, context: context, into: &row)
        if let gauges {
            if let gauge = context.gauge {
                gauges.write(gauge, into: &row)
            } else {
                gauges.writeAbsent(into: &row)
            }
        }
        return row
    }

    private func set(_ row: inout FrameRow, _ field: Int, _ value: Double?, element: Int = 0) {
        if let value { row.set(field, value, element: element) } else { row.setNull(field, element: element) }
    }

    private func write(_ car: CarSlotState, element: Int, facts: SessionFacts, into row: inout FrameRow) {
        let f = perCar
        let present = car.playerID != 0
        row.set(f.playerID, Int(car.playerID), element: element)
        row.set(f.lap, present ? car.lap : -1, element: element)
        row.set(f.lapCompleted, present ? car.lapsCompleted : -1, element: element)
        row.set(f.position, present ? car.position : 0, element: element)
        row.set(f.node, present ? car.node : -1, element: element)
        row.set(f.trackSurface, car.trackSurface, element: element)
        row.set(f.onPitRoad, present && car.onPitRoad, element: element)
        row.set(f.info, Int(car.info), element: element)
        row.set(f.penalty, present ? car.penalty : 0, element: element)
        row.set(f.pitStops, present ? car.pitStops : 0, element: element)
        row.set(f.bestLapNumber, present ? car.bestLapNumber : -1, element: element)
        row.set(f.lastLapTime, present ? car.lastLapTime : -1, element: element)
        row.set(f.bestLapTime, present ? car.bestLapTime : -1, element: element)
        row.set(f.gear, present ? car.gear : 0, element: element)
        if present, car.inWorld {
            set(&row, f.lapDistPct, facts.lapFraction(atNode: car.node), element: element)
        } else {
            row.set(f.lapDistPct, -1.0, element: element)
        }
        set(&row, f.rpm, present ? car.rpm : nil, element: element)
        let moving = present && car.inWorld
        set(&row, f.x, moving ? car.x : nil, element: element)
        set(&row, f.y, moving ? car.y : nil, element: element)
        set(&row, f.z, moving ? car.z : nil, element: element)
        set(&row, f.speed, moving ? car.speed : nil, element: element)
        set(&row, f.heading, moving ? car.heading : nil, element: element)
        set(&row, f.direction, moving ? car.direction : nil, element: element)
        set(&row, f.yawRate, moving ? car.yawRate : nil, element: element)
    }

    private func writeScalars(slots: [CarSlotState], context: Context, into row: inout FrameRow) {
        let f = scalars
        row.set(f.playerCarIdx, context.playerSlot ?? -1)
        row.set(f.camCarIdx, context.cameraSlot ?? -1)
        let state = context.facts.state
        row.set(f.isReplayPlaying, (state?.flags ?? 0) & InSimState.flagReplay != 0)
        row.set(f.isPaused, (state?.flags ?? 0) & InSimState.flagPaused != 0)
        row.set(f.raceInProgress, Int(state?.raceInProgress ?? 0))
        switch context.facts.raceLength {
        case let .laps(laps)?:
            row.set(f.sessionLapsTotal, laps)
            row.set(f.sessionTimeTotal, 604800.0)
        case let .hours(hours)?:
            row.set(f.sessionLapsTotal, 32767)
            row.set(f.sessionTimeTotal, Double(hours) * 3600)
        default:
            row.set(f.sessionLapsTotal, 32767)
            if let minutes = context.facts.qualifyingMinutes {
                row.set(f.sessionTimeTotal, Double(minutes) * 60)
            } else {
                row.set(f.sessionTimeTotal, 604800.0)
            }
        }
        if let slot = context.playerSlot, slots.indices.contains(slot), slots[slot].playerID != 0 {
            let car = slots[slot]
            row.set(f.lap, max(car.lap, 0))
            row.set(f.lapCompleted, car.lapsCompleted)
            set(&row, f.lapDistPct, car.inWorld ? context.facts.lapFraction(atNode: car.node) : nil)
            row.set(f.playerCarPosition, car.position)
            set(&row, f.lapLastLapTime, car.lastLapTime >= 0 ? car.lastLapTime : nil)
            set(&row, f.lapBestLapTime, car.bestLapTime >= 0 ? car.bestLapTime : nil)
            row.set(f.onPitRoad, car.onPitRoad)
        } else {
            row.set(f.lap, 0)
            row.set(f.lapCompleted, -1)
            row.setNull(f.lapDistPct)
            row.set(f.playerCarPosition, 0)
            row.setNull(f.lapLastLapTime)
            row.setNull(f.lapBestLapTime)
            row.set(f.onPitRoad, false)
        }
    }
}
