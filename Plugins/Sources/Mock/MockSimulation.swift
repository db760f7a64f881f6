import BrokerCore
import Foundation

/// The mock's deterministic model of a race: a player's car driving laps of a 4 km circuit and
/// `cars - 1` rivals, plus every other catalogue variable moving smoothly within its range.
///
/// Pure and clock-free: `step(dt:)` advances the model and fills the next row, so tests can check
/// determinism and consistency without waiting on time.
public struct MockSimulation: Sendable {
    public static let trackLength = 4000.0
    static let gearTopSpeeds: [Double] = [18, 30, 42, 54, 66, 80]
    static let idleRPM = 1100.0, redlineRPM = 7800.0

    public let layout: FrameLayout
    public let cars: Int
    private var random: MockRandom
    private let overrides: [(field: Int, spec: MockValueSpec)]
    private let ambient: [(field: Int, info: VariableInfo, range: ClosedRange<Double>, phase: Double, period: Double)]
    private let modelled: Fields

    // Model state.
    public private(set) var sessionTime = 0.0
    public private(set) var tick = 0
    public private(set) var lap = 0
    private var distance = 0.0
    private var speed = 20.0
    private var lapStartTime = 0.0
    private var lastLapTime: Double?
    private var bestLapTime: Double?
    private var fuel = 45.0
    private var rivalDistance: [Double]
    private var rivalPace: [Double]

    /// What the last `step` completed, for the source to turn into events.
    public private(set) var completedLap: (lap: Int, time: Double)?

    public init(layout: FrameLayout, cars: Int, seed: UInt64, overrides: [String: MockValueSpec]) {
        self.layout = layout
        self.cars = cars
        random = MockRandom(seed: seed)
        modelled = Fields(layout)
        self.overrides = overrides.compactMap { name, spec in layout.fieldIndex(named: name).map { ($0, spec) } }.sorted { $0.field < $1.field }
        let driven = modelled.all.union(self.overrides.map(\.field))
        var generator = MockRandom(seed: seed ^ 0xA5A5_5A5A)
        let ranges = Dictionary(VariableCatalogue.all.map { ($0.name, $0.range) }, uniquingKeysWith: { first, _ in first })
        ambient = layout.fields.indices.compactMap { index in
            guard !driven.contains(index) else { return nil }
            let field = layout.fields[index]
            let info = VariableInfo(name: field.name, type: field.type, count: field.count)
            let range = (ranges[field.name] ?? nil) ?? 0...1
            return (index, info, range, generator.uniform(0, 2 * .pi), generator.uniform(5, 60))
        }
        rivalDistance = (0..<max(cars - 1, 0)).map { -Double($0 + 1) * 35 }
        rivalPace = (0..<max(cars - 1, 0)).map { _ in generator.uniform(0.94, 1.02) }
    }

    /// The variables the mock declares: the whole catalogue.
    public static func declarations() -> [VariableDeclaration] {
        VariableCatalogue.all.map { VariableDeclaration($0) }
    }

    /// Advances the model by `dt` seconds and returns the new row.
    public mutating func step(dt: Double) -> FrameRow {
        sessionTime += dt
        tick += 1
        completedLap = nil
        advancePlayer(dt: dt)
        for i in rivalDistance.indices {
            let d = rivalDistance[i]
            let pct = (d / Self.trackLength).truncatingRemainder(dividingBy: 1)
            rivalDistance[i] += Self.targetSpeed(at: pct < 0 ? pct + 1 : pct) * rivalPace[i] * dt
        }
        var row = FrameRow(layout: layout)
        fillAmbient(&row)
        fillPlayer(&row)
        fillCars(&row)
        fillOverrides(&row)
        return row
    }

    /// A circuit with three slow corners: target speed by lap fraction.
    static func targetSpeed(at pct: Double) -> Double {
        let corners = 0.5 + 0.5 * cos(2 * .pi * 3 * pct)
        return 24 + 54 * (1 - corners * corners)
    }

    private mutating func advancePlayer(dt: Double) {
        let pct = distance / Self.trackLength
        let target = Self.targetSpeed(at: pct.truncatingRemainder(dividingBy: 1))
        let change = max(-14 * dt, min(7 * dt, target - speed))
        speed = max(0, speed + change)
        distance += speed * dt
        fuel = max(0, fuel - 0.0009 * speed * dt)
        if distance >= Self.trackLength {
            distance -= Self.trackLength
            lap += 1
            let time = sessionTime - lapStartTime
            lapStartTime = sessionTime
            lastLapTime = time
            bestLapTime = min(bestLapTime ?? time, time)
            completedLap = (lap, time)
        }
    }

    /// The gear for a speed: the lowest whose top speed is above it.
    public static func gear(forSpeed speed: Double) -> Int {
        if speed < 0.5 { return 1 }
        return (gearTopSpeeds.firstIndex { speed < $0 } ?? gearTopSpeeds.count - 1) + 1
    }

    /// Engine speed for a road speed in a gear: proportional within the gear's band.
    public static func rpm(speed: Double, gear: Int) -> Double {
        guard gear >= 1 else { return idleRPM }
        let top = gearTopSpeeds[min(gear, gearTopSpeeds.count) - 1]
        return max(idleRPM, min(redlineRPM, redlineRPM * speed / top))
    }

    private func fillPlayer(_ row: inout FrameRow) {
        let f = modelled
        let pct = distance / Self.trackLength
        let target = Self.targetSpeed(at: pct)
        let gear = Self.gear(forSpeed: speed)
        let rpm = Self.rpm(speed: speed, gear: gear)
        let throttle = target > speed + 0.5 ? 1.0 : (target >= speed - 0.5 ? 0.35 : 0)
        let brake = target < speed - 0.5 ? min(1, (speed - target) / 20) : 0
        set(&row, f.speed, speed)
        set(&row, f.rpm, rpm)
        set(&row, f.gear, Double(gear))
        set(&row, f.throttle, throttle)
        set(&row, f.brake, brake)
        set(&row, f.clutch, 1)
        set(&row, f.lapDistPct, pct)
        set(&row, f.lapDist, distance)
        set(&row, f.lap, Double(lap + 1))
        set(&row, f.lapCompleted, Double(lap))
        set(&row, f.lapCurrentLapTime, sessionTime - lapStartTime)
        if let last = lastLapTime { set(&row, f.lapLastLapTime, last) } else { setNull(&row, f.lapLastLapTime) }
        if let best = bestLapTime { set(&row, f.lapBestLapTime, best) } else { setNull(&row, f.lapBestLapTime) }
        set(&row, f.sessionTime, sessionTime)
        set(&row, f.sessionTick, Double(tick))
        set(&row, f.sessionNum, 0)
        set(&row, f.sessionState, 4)
        set(&row, f.sessionFlags, 0x4)
        set(&row, f.fuelLevel, fuel)
        set(&row, f.fuelLevelPct, fuel / 60)
        set(&row, f.isOnTrack, 1)
        set(&row, f.onPitRoad, 0)
        set(&row, f.playerCarIdx, 0)
        set(&row, f.playerTrackSurface, 3)
        set(&row, f.velocityX, speed)
    }

    private func fillCars(_ row: inout FrameRow) {
        let f = modelled
        var total: [(idx: Int, distance: Double)] = [(0, Double(lap) * Self.trackLength + distance)]
        for (i, d) in rivalDistance.enumerated() { total.append((i + 1, d)) }
        let order = total.sorted { $0.distance > $1.distance }.map(\.idx)
        for slot in 0..<64 {
            guard slot < cars else {
                for field in [f.carLap, f.carLapCompleted, f.carPosition, f.carClassPosition, f.carGear, f.carTrackSurface] {
                    set(&row, field, -1, element: slot)
                }
                for field in [f.carLapDistPct, f.carRPM, f.carEstTime] { set(&row, field, -1, element: slot) }
                continue
            }
            let d = total[slot].distance
            let carLap = Int((d / Self.trackLength).rounded(.down))
            var pct = d / Self.trackLength - Double(carLap)
            if pct < 0 { pct += 1 }
            let carSpeed = slot == 0 ? speed : Self.targetSpeed(at: pct) * rivalPace[slot - 1]
            let gear = Self.gear(forSpeed: carSpeed)
            set(&row, f.carLap, Double(max(carLap + 1, 0)), element: slot)
            set(&row, f.carLapCompleted, Double(max(carLap, 0)), element: slot)
            set(&row, f.carLapDistPct, pct, element: slot)
            let position = (order.firstIndex(of: slot) ?? slot) + 1
            set(&row, f.carPosition, Double(position), element: slot)
            set(&row, f.carClassPosition, Double(position), element: slot)
            set(&row, f.carGear, Double(gear), element: slot)
            set(&row, f.carRPM, Self.rpm(speed: carSpeed, gear: gear), element: slot)
            set(&row, f.carTrackSurface, 3, element: slot)
            set(&row, f.carEstTime, pct * 90, element: slot)
            set(&row, f.carOnPitRoad, 0, element: slot)
        }
    }

    /// Every variable the car model does not drive: a slow wave within its catalogue range. In the
    /// 64-slot per-car arrays, slots past `cars` hold -1 (iRacing's "no car"), or false, or no flags.
    private func fillAmbient(_ row: inout FrameRow) {
        for item in ambient {
            let range = item.range
            let wave = 0.5 + 0.5 * sin(item.phase + 2 * .pi * sessionTime / item.period)
            for element in 0..<item.info.count {
                if item.info.count == 64 && element >= cars {
                    row.set(item.field, item.info.type == .bool || item.info.type == .bitfield ? 0 : -1, element: element)
                    continue
                }
                switch item.info.type {
                case .bool:
                    row.set(item.field, wave > 0.97, element: element)
                case .bitfield:
                    row.set(item.field, 0, element: element)
                case .int:
                    let value = (range.lowerBound + (range.upperBound - range.lowerBound) * wave).rounded(.down)
                    row.set(item.field, min(max(value, range.lowerBound), range.upperBound), element: element)
                case .float, .double:
                    row.set(item.field, range.lowerBound + (range.upperBound - range.lowerBound) * wave, element: element)
                case .string:
                    row.setString(item.field, "")
                }
            }
        }
    }

    private mutating func fillOverrides(_ row: inout FrameRow) {
        for (field, spec) in overrides {
            let count = layout.fields[field].count
            for element in 0..<count {
                switch spec {
                case let .constant(value): row.set(field, value, element: element)
                case let .text(text): row.setString(field, text)
                case let .range(low, high): row.set(field, random.uniform(low, high), element: element)
                case let .wave(shape, low, high, period):
                    let phase = (sessionTime / period).truncatingRemainder(dividingBy: 1)
                    let unit: Double
                    switch shape {
                    case .sine: unit = 0.5 + 0.5 * sin(2 * .pi * phase)
                    case .ramp: unit = phase
                    case .square: unit = phase < 0.5 ? 1 : 0
                    }
                    row.set(field, low + (high - low) * unit, element: element)
                }
            }
        }
    }

    private func set(_ row: inout FrameRow, _ field: Int?, _ value: Double, element: Int = 0) {
        guard let field else { return }
        row.set(field, value, element: element)
    }

    private func setNull(_ row: inout FrameRow, _ field: Int?) {
        guard let field else { return }
        row.setNull(field)
    }

    /// Field indexes of the variables the car model drives.
    struct Fields: Sendable {
        let speed, rpm, gear, throttle, brake, clutch, lapDistPct, lapDist, lap, lapCompleted: Int?
        let lapCurrentLapTime, lapLastLapTime, lapBestLapTime, sessionTime, sessionTick, sessionNum: Int?
        let sessionState, sessionFlags, fuelLevel, fuelLevelPct, isOnTrack, onPitRoad, playerCarIdx: Int?
        let playerTrackSurface, velocityX: Int?
        let carLap, carLapCompleted, carLapDistPct, carPosition, carClassPosition, carGear, carRPM: Int?
        let carTrackSurface, carEstTime, carOnPitRoad: Int?
        let all: Set<Int>

        init(_ layout: FrameLayout) {
            func f(_ name: String) -> Int? { layout.fieldIndex(named: name) }
            speed = f("Speed")
            rpm = f("RPM")
            gear = f("Gear")
            throttle = f("Throttle")
            brake = f("Brake")
            clutch = f("Clutch")
            lapDistPct = f("LapDistPct")
            lapDist = f("LapDist")
            lap = f("Lap")
            lapCompleted = f("LapCompleted")
            lapCurrentLapTime = f("LapCurrentLapTime")
            lapLastLapTime = f("LapLastLapTime")
            lapBestLapTime = f("LapBestLapTime")
            sessionTime = f("SessionTime")
            sessionTick = f("SessionTick")
            sessionNum = f("SessionNum")
            sessionState = f("SessionState")
            sessionFlags = f("SessionFlags")
            fuelLevel = f("FuelLevel")
            fuelLevelPct = f("FuelLevelPct")
            isOnTrack = f("IsOnTrack")
            onPitRoad = f("OnPitRoad")
            playerCarIdx = f("PlayerCarIdx")
            playerTrackSurface = f("PlayerTrackSurface")
            velocityX = f("VelocityX")
            carLap = f("CarIdxLap")
            carLapCompleted = f("CarIdxLapCompleted")
            carLapDistPct = f("CarIdxLapDistPct")
            carPosition = f("CarIdxPosition")
            carClassPosition = f("CarIdxClassPosition")
            carGear = f("CarIdxGear")
            carRPM = f("CarIdxRPM")
            carTrackSurface = f("CarIdxTrackSurface")
            carEstTime = f("CarIdxEstTime")
            carOnPitRoad = f("CarIdxOnPitRoad")
            all = Set(
                [
                    speed, rpm, gear, throttle, brake, clutch, lapDistPct, lapDist, lap, lapCompleted, lapCurrentLapTime,
                    lapLastLapTime, lapBestLapTime, sessionTime, sessionTick, sessionNum, sessionState, sessionFlags, fuelLevel,
                    fuelLevelPct, isOnTrack, onPitRoad, playerCarIdx, playerTrackSurface, velocityX, carLap, carLapCompleted,
                    carLapDistPct, carPosition, carClassPosition, carGear, carRPM, carTrackSurface, carEstTime, carOnPitRoad,
                ].compactMap { $0 })
        }
    }
}
