import BrokerCore

/// Race engineering computed once for every client, from the catalogue's per-car arrays: live
/// positions, gaps to the leader and to the car ahead, the relative to the player, and fuel.
///
/// Time gaps are measured on a reference lap: the sim's own estimate of each car's lap time to its
/// spot (`CarIdxEstTime`) when it gives one, else a table of the time from the line to each of 200
/// points of the lap, learned from the cars' own complete, pit-free laps (each point's time
/// interpolated between frames). The lap's length in time comes from those laps too. Until a first
/// lap is timed, the values that need it are null. State lives in fixed arrays allocated when the
/// processor is made, so a frame allocates nothing unless an event is emitted.
public final class RaceProcessor: Processor {
    public static let typeName = "race"
    public static let summary = "Live positions, gaps, relative and fuel to finish, from the per-car arrays of any sim"
    public static let providedVariables = RaceVariables.all
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    /// Everything the processor keeps, as one value: a frame is one access to it, not one per array.
    private var state: RaceState

    public init(id: String, sourceID: String, config: RaceConfig, context: PluginContext) {
        state = RaceState(config: config)
    }

    public func variables(for source: FrameLayout) -> [VariableInfo] { RaceState.variables(for: source) }

    public func bind(_ binding: ProcessorBinding) { state.bind(binding) }

    public func process(_ row: ProcessorRow, events: inout ProcessorEvents) throws { state.process(row, events: &events) }
}

/// The race processor's state and its per-frame work (see `RaceProcessor`).
struct RaceState {
    static let cars = RaceVariables.cars
    /// Points of the learned reference lap (boundaries 0...points).
    static let points = 200
    /// Weight of a new lap in the learned reference.
    static let learningRate = 0.3
    /// irsdk_Flags bits that make a lap not green: yellow, yellow waving, caution, caution waving.
    static let notGreenFlags: UInt32 = 0x0008 | 0x0100 | 0x4000 | 0x8000

    let config: RaceConfig
    private var inputs = Inputs()
    private var outputs = Outputs()

    // Learned reference lap.
    private var reference: [Double]
    private var referenceReady = false

    // Per car (all sized `cars`, the samples `cars * (points + 1)`).
    private var previousPct: [Double]
    private var previousLaps: [Double]
    private var lapStart: [Double]
    private var nextPoint: [Int]
    private var lapClean: [Bool]
    private var samples: [Double]
    private var progress: [Double]
    private var estimate: [Double]
    private var laps: [Double]
    private var pct: [Double]
    private var order: [Int]
    private var position: [Int]
    private var announcedPosition: [Int]
    private var announcedAt: [Double]
    private var classOf: [Double]
    private var classIDs: [Double]
    private var classCounts: [Int]
    private var previousTime = Double.nan
    private var previousSessionNum = Double.nan
    /// The wall-clock time of the frame being processed, for its events.
    private var frameTimestamp = 0.0

    // Fuel.
    private var fuelHistory: [Double]
    private var fuelHistoryCount = 0
    private var fuelHistoryNext = 0
    private var lapStartFuel = Double.nan
    private var playerPreviousLaps = Double.nan
    private var lapGreen = true
    private var lapInPit = false
    private var previousFuel = Double.nan
    private var fuelWarned = false

    init(config: RaceConfig) {
        self.config = config
        let cars = Self.cars
        reference = [Double](repeating: 0, count: Self.points + 1)
        previousPct = [Double](repeating: .nan, count: cars)
        previousLaps = [Double](repeating: .nan, count: cars)
        lapStart = [Double](repeating: .nan, count: cars)
        nextPoint = [Int](repeating: 0, count: cars)
        lapClean = [Bool](repeating: false, count: cars)
        samples = [Double](repeating: 0, count: cars * (Self.points + 1))
        progress = [Double](repeating: .nan, count: cars)
        estimate = [Double](repeating: .nan, count: cars)
        laps = [Double](repeating: .nan, count: cars)
        pct = [Double](repeating: .nan, count: cars)
        order = [Int](repeating: 0, count: cars)
        position = [Int](repeating: 0, count: cars)
        announcedPosition = [Int](repeating: 0, count: cars)
        announcedAt = [Double](repeating: -.infinity, count: cars)
        classOf = [Double](repeating: .nan, count: cars)
        classIDs = [Double](repeating: .nan, count: cars)
        classCounts = [Int](repeating: 0, count: cars)
        fuelHistory = [Double](repeating: 0, count: config.fuelLaps)
    }

    /// Positions and gaps need each car's laps and lap distance; class positions the classes; fuel
    /// the fuel level and the player's laps. Nothing is added without its inputs.
    static func variables(for source: FrameLayout) -> [VariableInfo] {
        func has(_ name: String) -> Bool { source.fieldIndex(named: name) != nil }
        var added: [VariableInfo] = []
        if has("CarIdxLapCompleted") && has("CarIdxLapDistPct") {
            added += [RaceVariables.livePosition]
            if has("CarIdxClass") { added.append(RaceVariables.liveClassPosition) }
            added += [RaceVariables.gapToLeader, RaceVariables.gapToAhead, RaceVariables.lapsDown]
            if has("PlayerCarIdx") { added.append(RaceVariables.relative) }
        }
        if has("FuelLevel") && has("LapCompleted") {
            added += [RaceVariables.fuelUsePerLapAvg, RaceVariables.fuelLapsLeft, RaceVariables.fuelToFinish, RaceVariables.fuelToAdd]
        }
        return added
    }

    mutating func bind(_ binding: ProcessorBinding) {
        inputs = Inputs(binding)
        outputs = Outputs(binding)
        referenceReady = false
        resetSession()
    }

    /// Forgets every car's lap in progress and the fuel lap (a session restart, a new layout); the
    /// learned reference lap and the fuel history are kept while the layout stays.
    private mutating func resetSession() {
        for car in 0..<Self.cars {
            previousPct[car] = .nan
            previousLaps[car] = .nan
            lapStart[car] = .nan
            announcedPosition[car] = 0
            announcedAt[car] = -.infinity
        }
        lapStartFuel = .nan
        playerPreviousLaps = .nan
        previousFuel = .nan
        previousTime = .nan
    }

    mutating func process(_ row: ProcessorRow, events: inout ProcessorEvents) {
        let now = inputs.sessionTime.flatMap { row.number($0) } ?? row.timestamp
        frameTimestamp = row.timestamp
        let sessionNum = inputs.sessionNum.flatMap { row.number($0) } ?? 0
        if sessionNum != previousSessionNum || now < previousTime - 1 {
            if !previousSessionNum.isNaN { resetSession() }
            previousSessionNum = sessionNum
        }
        if inputs.lapCompleted != nil { processCars(row, now: now, events: &events) }
        if outputs.fuelUsePerLapAvg != nil { processFuel(row, now: now, events: &events) }
        previousTime = now
    }

    // MARK: - Cars

    private mutating func processCars(_ row: ProcessorRow, now: Double, events: inout ProcessorEvents) {
        guard let lapField = inputs.lapCompleted, let pctField = inputs.lapDistPct else { return }
        var active = 0
        for car in 0..<Self.cars {
            let carLaps = row.number(lapField, car) ?? -1
            let carPct = row.number(pctField, car) ?? -1
            let onPit = inputs.onPitRoad.flatMap { row.number($0, car) } ?? 0
            guard carLaps >= 0, carPct >= 0, carPct <= 1 else {
                laps[car] = .nan
                pct[car] = .nan
                progress[car] = .nan
                previousPct[car] = .nan
                lapStart[car] = .nan
                continue
            }
            laps[car] = carLaps
            pct[car] = carPct
            progress[car] = carLaps + carPct
            learn(car: car, laps: carLaps, pct: carPct, onPit: onPit != 0, now: now)
            // Insertion into the order by progress, leader first.
            var slot = active
            while slot > 0 && progress[order[slot - 1]] < progress[car] {
                order[slot] = order[slot - 1]
                slot -= 1
            }
            order[slot] = car
            active += 1
        }
        let lapTime = referenceReady ? reference[Self.points] : Double.nan
        for car in 0..<Self.cars {
            guard !progress[car].isNaN else {
                estimate[car] = .nan
                continue
            }
            if let est = inputs.estTime, let value = row.number(est, car), value >= 0 {
                estimate[car] = value
            } else {
                estimate[car] = referenceReady ? referenceTime(at: pct[car]) : .nan
            }
        }

        var classesSeen = 0
        for rank in 0..<active {
            let car = order[rank]
            position[car] = rank + 1
            row.set(outputs.livePosition, Double(rank + 1), element: car)
            if let classPosition = outputs.liveClassPosition {
                let carClass = inputs.carClass.flatMap { row.number($0, car) } ?? -1
                var found = -1
                for k in 0..<classesSeen where classIDs[k] == carClass { found = k }
                if found < 0 {
                    found = classesSeen
                    classIDs[found] = carClass
                    classCounts[found] = 0
                    classesSeen += 1
                }
                classCounts[found] += 1
                row.set(classPosition, Double(classCounts[found]), element: car)
            }
            let leader = order[0]
            let down = (progress[leader] - progress[car]).rounded(.down)
            row.set(outputs.lapsDown, max(0, down), element: car)
            row.set(outputs.gapToLeader, down >= 1 ? nil : gap(from: car, to: leader, lapTime: lapTime), element: car)
            if rank == 0 {
                row.set(outputs.gapToAhead, nil, element: car)
            } else {
                let ahead = order[rank - 1]
                let behindByLaps = progress[ahead] - progress[car] >= 1
                row.set(outputs.gapToAhead, behindByLaps ? nil : gap(from: car, to: ahead, lapTime: lapTime), element: car)
            }
            announce(car: car, now: now, events: &events)
        }
        for car in 0..<Self.cars where progress[car].isNaN {
            position[car] = 0
            row.set(outputs.livePosition, nil, element: car)
            if let classPosition = outputs.liveClassPosition { row.set(classPosition, nil, element: car) }
            row.set(outputs.lapsDown, nil, element: car)
            row.set(outputs.gapToLeader, nil, element: car)
            row.set(outputs.gapToAhead, nil, element: car)
        }
        writeRelative(row, lapTime: lapTime)
    }

    /// Seconds `car` is behind `ahead` on the reference lap; nil when it cannot be timed yet.
    private func gap(from car: Int, to ahead: Int, lapTime: Double) -> Double? {
        guard car != ahead else { return 0 }
        let lapDifference = laps[ahead] - laps[car]
        var seconds = estimate[ahead] - estimate[car]
        if lapDifference != 0 { seconds += lapDifference * lapTime }
        return seconds.isFinite ? max(0, seconds) : nil
    }

    private mutating func writeRelative(_ row: ProcessorRow, lapTime: Double) {
        guard let relative = outputs.relative else { return }
        let player = inputs.playerCarIdx.flatMap { row.number($0) }.map { Int($0) } ?? -1
        let playerTimed = player >= 0 && player < Self.cars && !progress[player].isNaN && !estimate[player].isNaN
        for car in 0..<Self.cars {
            guard playerTimed, !progress[car].isNaN, !estimate[car].isNaN else {
                row.set(relative, nil, element: car)
                continue
            }
            // Ahead on track within half a lap is ahead; the line is no boundary.
            var seconds = estimate[car] - estimate[player]
            let distance = pct[car] - pct[player]
            if distance > 0.5 { seconds -= lapTime } else if distance < -0.5 { seconds += lapTime }
            row.set(relative, seconds.isFinite ? seconds : nil, element: car)
        }
    }

    /// A `position` event when a car's live position differs from the one last announced, at most
    /// once per interval per car (the first position of a car is not news).
    private mutating func announce(car: Int, now: Double, events: inout ProcessorEvents) {
        let current = position[car]
        let previous = announcedPosition[car]
        guard current != previous else { return }
        if previous == 0 {
            announcedPosition[car] = current
            return
        }
        guard now - announcedAt[car] >= config.positionEventInterval else { return }
        announcedPosition[car] = current
        announcedAt[car] = now
        events.emit(
            "position",
            .object([("CarIdx", .int(Int64(car))), ("Position", .int(Int64(current))), ("Previous", .int(Int64(previous)))]),
            timestamp: frameTimestamp)
    }

    /// The reference lap's time from the line to `pct`, interpolated between its points.
    private func referenceTime(at pct: Double) -> Double {
        let scaled = pct * Double(Self.points)
        let index = min(Int(scaled), Self.points - 1)
        let fraction = scaled - Double(index)
        return reference[index] + (reference[index + 1] - reference[index]) * fraction
    }

    /// Times the car through the points of its lap; a complete, pit-free lap it was seen to start
    /// becomes part of the reference lap.
    private mutating func learn(car: Int, laps carLaps: Double, pct carPct: Double, onPit: Bool, now: Double) {
        defer {
            previousPct[car] = carPct
            previousLaps[car] = carLaps
        }
        let lastPct = previousPct[car], lastLaps = previousLaps[car], lastTime = previousTime
        if onPit { lapClean[car] = false }
        guard !lastPct.isNaN, !lastTime.isNaN, now > lastTime else { return }
        let base = car * (Self.points + 1)
        if carLaps == lastLaps + 1 && carPct < lastPct {
            // Crossed the line between the frames: when, by the distance either side of it.
            let span = (1 - lastPct) + carPct
            let crossing = span > 0 ? lastTime + (1 - lastPct) / span * (now - lastTime) : now
            if !lapStart[car].isNaN && lapClean[car] && nextPoint[car] == Self.points {
                samples[base + Self.points] = crossing - lapStart[car]
                adoptLap(base: base)
            }
            lapStart[car] = crossing
            lapClean[car] = !onPit
            nextPoint[car] = 1
            samplePoints(car: car, base: base, fromPct: 0, fromTime: crossing, toPct: carPct, toTime: now)
        } else if carLaps == lastLaps && carPct >= lastPct && carPct - lastPct < 0.5 {
            guard !lapStart[car].isNaN else { return }
            samplePoints(car: car, base: base, fromPct: lastPct, fromTime: lastTime, toPct: carPct, toTime: now)
        } else {
            lapStart[car] = .nan  // went backwards or jumped (a reset, a tow): this lap is not timed
        }
    }

    private mutating func samplePoints(car: Int, base: Int, fromPct: Double, fromTime: Double, toPct: Double, toTime: Double) {
        let points = Double(Self.points)
        while nextPoint[car] < Self.points && Double(nextPoint[car]) / points <= toPct {
            let point = Double(nextPoint[car]) / points
            let fraction = toPct > fromPct ? (point - fromPct) / (toPct - fromPct) : 1
            samples[base + nextPoint[car]] = fromTime + max(0, fraction) * (toTime - fromTime) - lapStart[car]
            nextPoint[car] += 1
        }
    }

    private mutating func adoptLap(base: Int) {
        if !referenceReady {
            for point in 1...Self.points { reference[point] = samples[base + point] }
            referenceReady = true
            return
        }
        for point in 1...Self.points {
            reference[point] += Self.learningRate * (samples[base + point] - reference[point])
        }
    }

    // MARK: - Fuel

    private mutating func processFuel(_ row: ProcessorRow, now: Double, events: inout ProcessorEvents) {
        guard let fuelField = inputs.fuelLevel, let lapField = inputs.playerLapCompleted else { return }
        let fuel = row.number(fuelField) ?? .nan
        let playerLaps = row.number(lapField) ?? .nan
        let playerPct = inputs.playerLapDistPct.flatMap { row.number($0) } ?? 0
        let onPit = (inputs.playerOnPitRoad.flatMap { row.number($0) } ?? 0) != 0
        let flags = inputs.sessionFlags.flatMap { row.number($0) }.map { UInt32($0) } ?? 0
        if flags & Self.notGreenFlags != 0 { lapGreen = false }
        if onPit { lapInPit = true }
        if fuel.isNaN || playerLaps.isNaN || playerLaps < 0 {
            lapStartFuel = .nan
        } else {
            if !previousFuel.isNaN && fuel > previousFuel + 0.1 { lapStartFuel = .nan }  // refuelled: this lap is not a measure
            if playerLaps == playerPreviousLaps + 1 {
                let used = lapStartFuel - fuel
                if !lapStartFuel.isNaN && lapGreen && !lapInPit && used > 0 { record(used) }
                lapStartFuel = fuel
                lapGreen = flags & Self.notGreenFlags == 0
                lapInPit = onPit
            } else if playerLaps != playerPreviousLaps {
                lapStartFuel = .nan  // first sight, or a jump: wait for the line
            }
        }
        playerPreviousLaps = playerLaps
        previousFuel = fuel

        let average: Double? = fuelHistoryCount > 0 ? fuelHistory[0..<fuelHistoryCount].reduce(0, +) / Double(fuelHistoryCount) : nil
        let level: Double? = fuel.isNaN ? nil : fuel
        var lapsLeft: Double?
        var toFinish: Double?
        var toAdd: Double?
        if let average, let level {
            lapsLeft = level / average
            if let lapsToGo = lapsToGo(row, playerPct: playerPct) {
                toFinish = lapsToGo * average
                toAdd = max(0, lapsToGo * average + config.fuelMarginLaps * average - level)
            }
        }
        row.set(outputs.fuelUsePerLapAvg, average)
        row.set(outputs.fuelLapsLeft, lapsLeft)
        row.set(outputs.fuelToFinish, toFinish)
        row.set(outputs.fuelToAdd, toAdd)
        if let lapsLeft {
            if lapsLeft < config.fuelMarginLaps && !fuelWarned {
                fuelWarned = true
                events.emit(
                    "fuel", .object([("FuelLapsLeft", .double(lapsLeft)), ("FuelToAdd", toAdd.map { .double($0) } ?? .null)]),
                    timestamp: frameTimestamp)
            } else if lapsLeft >= config.fuelMarginLaps {
                fuelWarned = false
            }
        }
    }

    private mutating func record(_ used: Double) {
        fuelHistory[fuelHistoryNext] = used
        fuelHistoryNext = (fuelHistoryNext + 1) % fuelHistory.count
        fuelHistoryCount = min(fuelHistoryCount + 1, fuelHistory.count)
    }

    /// Laps still to drive: from the laps left when the session counts laps, else from the time left
    /// and the reference lap (the lap running when the clock ends is finished).
    private func lapsToGo(_ row: ProcessorRow, playerPct: Double) -> Double? {
        if let field = inputs.sessionLapsRemain, let remain = row.number(field), remain >= 0, remain < 32767 {
            return max(0, remain - playerPct)
        }
        if let field = inputs.sessionTimeRemain, let remain = row.number(field), remain >= 0, remain < 604_800, referenceReady {
            let lapTime = reference[Self.points]
            guard lapTime > 0 else { return nil }
            return (playerPct + remain / lapTime).rounded(.up) - playerPct
        }
        return nil
    }

    // MARK: - Fields

    /// The source's fields the processor reads.
    struct Inputs {
        var lapCompleted, lapDistPct, estTime, onPitRoad, carClass, playerCarIdx, sessionTime, sessionNum: RowField?
        var fuelLevel, playerLapCompleted, playerLapDistPct, playerOnPitRoad, sessionFlags, sessionLapsRemain, sessionTimeRemain: RowField?

        init() {}

        init(_ binding: ProcessorBinding) {
            lapCompleted = binding.input("CarIdxLapCompleted")
            lapDistPct = binding.input("CarIdxLapDistPct")
            estTime = binding.input("CarIdxEstTime")
            onPitRoad = binding.input("CarIdxOnPitRoad")
            carClass = binding.input("CarIdxClass")
            playerCarIdx = binding.input("PlayerCarIdx")
            sessionTime = binding.input("SessionTime")
            sessionNum = binding.input("SessionNum")
            fuelLevel = binding.input("FuelLevel")
            playerLapCompleted = binding.input("LapCompleted")
            playerLapDistPct = binding.input("LapDistPct")
            playerOnPitRoad = binding.input("OnPitRoad")
            sessionFlags = binding.input("SessionFlags")
            sessionLapsRemain = binding.input("SessionLapsRemainEx")
            sessionTimeRemain = binding.input("SessionTimeRemain")
        }
    }

    /// The fields the processor writes (only those it added).
    struct Outputs {
        var livePosition, gapToLeader, gapToAhead, lapsDown: RowField?
        var liveClassPosition, relative, fuelUsePerLapAvg, fuelLapsLeft, fuelToFinish, fuelToAdd: RowField?

        init() {}

        init(_ binding: ProcessorBinding) {
            livePosition = binding.output(RaceVariables.livePosition.name)
            liveClassPosition = binding.output(RaceVariables.liveClassPosition.name)
            gapToLeader = binding.output(RaceVariables.gapToLeader.name)
            gapToAhead = binding.output(RaceVariables.gapToAhead.name)
            lapsDown = binding.output(RaceVariables.lapsDown.name)
            relative = binding.output(RaceVariables.relative.name)
            fuelUsePerLapAvg = binding.output(RaceVariables.fuelUsePerLapAvg.name)
            fuelLapsLeft = binding.output(RaceVariables.fuelLapsLeft.name)
            fuelToFinish = binding.output(RaceVariables.fuelToFinish.name)
            fuelToAdd = binding.output(RaceVariables.fuelToAdd.name)
        }
    }
}

extension ProcessorRow {
    /// Writes to a field the processor may not have (its source lacks the inputs): then nothing.
    @inline(__always)
    func set(_ field: RowField?, _ value: Double?, element: Int = 0) {
        guard let field else { return }
        set(field, value, element: element)
    }
}
