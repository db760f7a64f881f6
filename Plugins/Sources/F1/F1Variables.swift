import BrokerCore

/// What the source knows about one car: the latest of each per-car packet (nil until one arrives).
struct F1CarState: Sendable {
    var motion: F1CarMotion?
    var lap: F1LapData?
    var telemetry: F1CarTelemetry?
    var status: F1CarStatus?
    var damage: F1CarDamage?
}

/// One frame variable and how to read it from the model. Per-car variables read car `element`
/// (slots past the game's 22 read as absent); the player's variables read the player's car, and
/// per-wheel ones (count 4) read wheel `element` in EA's order RL, RR, FL, FR.
struct F1Variable: Sendable {
    let info: VariableInfo
    let read: @Sendable (_ car: F1CarState, _ model: F1FrameFacts, _ element: Int) -> Double?
    /// Written when `read` has no value (an int or bool cannot be null); nil writes null.
    let absent: Double?
    let perCar: Bool
}

/// The facts a frame shows besides the cars.
struct F1FrameFacts: Sendable {
    var header: F1Header?
    var session: F1Session?
    var playerCarIdx: Int?
    var motionEx: F1MotionEx?
    var suggestedGear: Int8?
}

/// The variables the F1 source publishes: catalogue names where meaning and unit are the same,
/// F1's own (with unit and description) for the rest.
enum F1Variables {
    static let carSlots = 64

    private static let catalogueByName: [String: VariableInfo] = Dictionary(
        VariableCatalogue.all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// A catalogue variable (a test checks every name used here is in the catalogue).
    private static func canonical(_ name: String) -> VariableInfo {
        catalogueByName[name] ?? VariableInfo(name: name, type: .float)
    }

    private static func perCar(
        _ name: String, absent: Double? = nil, _ read: @escaping @Sendable (F1CarState) -> Double?
    ) -> F1Variable {
        F1Variable(info: canonical(name), read: { car, _, _ in read(car) }, absent: absent, perCar: true)
    }

    private static func perCar(
        _ name: String, _ type: VariableType, unit: String = "", _ description: String, absent: Double? = nil,
        _ read: @escaping @Sendable (F1CarState) -> Double?
    ) -> F1Variable {
        F1Variable(
            info: VariableInfo(name: name, type: type, count: carSlots, unit: unit, description: "Per car: " + description),
            read: { car, _, _ in read(car) }, absent: absent, perCar: true)
    }

    private static func player(_ name: String, absent: Double? = nil, _ read: @escaping @Sendable (F1CarState, F1FrameFacts) -> Double?) -> F1Variable
    {
        F1Variable(info: canonical(name), read: { car, facts, _ in read(car, facts) }, absent: absent, perCar: false)
    }

    private static func player(
        _ name: String, _ type: VariableType, unit: String = "", _ description: String, count: Int = 1, absent: Double? = nil,
        _ read: @escaping @Sendable (F1CarState, F1FrameFacts, Int) -> Double?
    ) -> F1Variable {
        F1Variable(
            info: VariableInfo(name: name, type: type, count: count, unit: unit, description: description), read: read, absent: absent, perCar: false)
    }

    /// A per-wheel player value, RL RR FL FR.
    private static func wheels(
        _ name: String, _ type: VariableType = .float, unit: String, _ description: String,
        _ read: @escaping @Sendable (F1CarState, F1FrameFacts) -> F1Wheels<Double>?
    ) -> F1Variable {
        player(name, type, unit: unit, description + " (RL, RR, FL, FR)", count: 4) { car, facts, wheel in
            read(car, facts).map { [$0.rearLeft, $0.rearRight, $0.frontLeft, $0.frontRight][wheel] }
        }
    }

    /// Lap distance as a fraction of the track length; negative distances (before the line on the
    /// first lap) count back from the end of the lap.
    static func lapFraction(_ lap: F1LapData, trackLength: UInt16?) -> Double? {
        guard let length = trackLength, length > 0 else { return nil }
        let distance = Double(lap.lapDistance)
        let fraction = (distance < 0 ? distance + Double(length) : distance) / Double(length)
        return min(max(fraction, 0), 1)
    }

    /// iRacing's irsdk_TrkLoc from F1's driver and pit status: -1 not in the world (garage, or no
    /// result status), 1 in the pit area, 2 in the pit lane, 3 on track.
    static func trackSurface(_ lap: F1LapData) -> Double {
        if lap.resultStatus < 2 || lap.driverStatus == 0 { return -1 }
        switch lap.pitStatus {
        case 2: return 1
        case 1: return 2
        default: return 3
        }
    }

    static func w<T: BinaryInteger>(_ wheels: F1Wheels<T>) -> F1Wheels<Double> {
        F1Wheels { [Double(wheels.rearLeft), Double(wheels.rearRight), Double(wheels.frontLeft), Double(wheels.frontRight)][$0] }
    }

    static func w(_ wheels: F1Wheels<Float>) -> F1Wheels<Double> {
        F1Wheels { [Double(wheels.rearLeft), Double(wheels.rearRight), Double(wheels.frontLeft), Double(wheels.frontRight)][$0] }
    }

    static let all: [F1Variable] = perCarVariables + playerVariables + sessionVariables

    static let perCarVariables: [F1Variable] = [
        perCar("CarIdxPosition", absent: 0) { $0.lap.map { Double($0.carPosition) } },
        perCar("CarIdxLap", absent: -1) { $0.lap.map { Double($0.currentLapNum) } },
        perCar("CarIdxLapCompleted", absent: -1) { $0.lap.map { Double(max(Int($0.currentLapNum) - 1, 0)) } },
        F1Variable(
            info: canonical("CarIdxLapDistPct"),
            read: { car, facts, _ in car.lap.flatMap { lapFraction($0, trackLength: facts.session?.trackLength) } }, absent: -1, perCar: true),
        perCar("CarIdxLastLapTime", absent: -1) { $0.lap.map { $0.lastLapTimeMs == 0 ? -1 : Double($0.lastLapTimeMs) / 1000 } },
        perCar("CarIdxOnPitRoad", absent: 0) { $0.lap.map { $0.pitStatus != 0 ? 1 : 0 } },
        perCar("CarIdxTrackSurface", absent: -1) { $0.lap.map(trackSurface) },
        perCar("CarIdxGear", absent: 0) { $0.telemetry.map { Double($0.gear) } },
        perCar("CarIdxRPM") { $0.telemetry.map { Double($0.engineRPM) } },
        perCar("CarIdxDeltaToCarInFront", .float, unit: "s", "gap to the car in front as the game reports it (LapData deltaToCarInFront)") {
            $0.lap.map { Double($0.deltaToCarInFrontMs) / 1000 }
        },
        perCar("CarIdxDeltaToRaceLeader", .float, unit: "s", "gap to the race leader as the game reports it (LapData deltaToRaceLeader)") {
            $0.lap.map { Double($0.deltaToRaceLeaderMs) / 1000 }
        },
        perCar("CarIdxCurrentLapTime", .float, unit: "s", "time of the lap in progress (LapData)") {
            $0.lap.map { Double($0.currentLapTimeMs) / 1000 }
        },
        perCar("CarIdxLapDist", .float, unit: "m", "distance along the lap, negative before the line on the first lap (LapData)") {
            $0.lap.map { Double($0.lapDistance) }
        },
        perCar("CarIdxSector", .int, "sector of the lap, 0 to 2 (LapData)", absent: -1) { $0.lap.map { Double($0.sector) } },
        perCar("CarIdxLapInvalid", .bool, "true when the lap in progress is invalid (LapData)", absent: 0) {
            $0.lap.map { Double($0.currentLapInvalid) }
        },
        perCar("CarIdxNumPitStops", .int, "pit stops made (LapData)", absent: 0) { $0.lap.map { Double($0.numPitStops) } },
        perCar("CarIdxPitStatus", .int, unit: "F1PitStatus", "0 none, 1 pitting, 2 in the pit area (LapData)", absent: 0) {
            $0.lap.map { Double($0.pitStatus) }
        },
        perCar("CarIdxPenaltiesSec", .int, unit: "s", "time penalties accumulated (LapData)", absent: 0) {
            $0.lap.map { Double($0.penaltiesSeconds) }
        },
        perCar("CarIdxWarnings", .int, "warnings received (LapData totalWarnings)", absent: 0) { $0.lap.map { Double($0.totalWarnings) } },
        perCar("CarIdxGridPosition", .int, "starting grid position (LapData)", absent: 0) { $0.lap.map { Double($0.gridPosition) } },
        perCar("CarIdxDriverStatus", .int, unit: "F1DriverStatus", "0 garage, 1 flying lap, 2 in lap, 3 out lap, 4 on track (LapData)", absent: -1) {
            $0.lap.map { Double($0.driverStatus) }
        },
        perCar(
            "CarIdxResultStatus", .int, unit: "F1ResultStatus",
            "0 invalid, 1 inactive, 2 active, 3 finished, 4 DNF, 5 DSQ, 6 not classified, 7 retired (LapData)",
            absent: 0
        ) { $0.lap.map { Double($0.resultStatus) } },
        perCar("CarIdxSpeed", .float, unit: "m/s", "speed (CarTelemetry, km/h converted)") { $0.telemetry.map { Double($0.speed) / 3.6 } },
        perCar("CarIdxThrottle", .float, unit: "%", "throttle, 0 to 1 (CarTelemetry)") { $0.telemetry.map { Double($0.throttle) } },
        perCar("CarIdxBrake", .float, unit: "%", "brake, 0 to 1 (CarTelemetry)") { $0.telemetry.map { Double($0.brake) } },
        perCar("CarIdxDRS", .bool, "true while DRS is open (CarTelemetry)", absent: 0) { $0.telemetry.map { Double($0.drs) } },
        perCar(
            "CarIdxTyreCompoundVisual", .int, unit: "F1VisualCompound",
            "visual tyre compound: 16 soft, 17 medium, 18 hard, 7 inter, 8 wet (CarStatus)", absent: 0
        ) {
            $0.status.map { Double($0.visualTyreCompound) }
        },
        perCar(
            "CarIdxTyreCompoundActual", .int, unit: "F1ActualCompound", "actual compound: 16 C5 to 22 C0 and others, as EA lists them (CarStatus)",
            absent: 0
        ) {
            $0.status.map { Double($0.actualTyreCompound) }
        },
        perCar("CarIdxTyreAgeLaps", .int, "laps on the fitted tyres (CarStatus)", absent: 0) { $0.status.map { Double($0.tyresAgeLaps) } },
        perCar("CarIdxFIAFlag", .int, unit: "F1Flag", "-1 unknown, 0 none, 1 green, 2 blue, 3 yellow (CarStatus)", absent: -1) {
            $0.status.map { Double($0.vehicleFIAFlags) }
        },
        perCar("CarIdxWorldPositionX", .float, unit: "m", "world position X (Motion)") { $0.motion.map { Double($0.worldPositionX) } },
        perCar("CarIdxWorldPositionY", .float, unit: "m", "world position Y, up (Motion)") { $0.motion.map { Double($0.worldPositionY) } },
        perCar("CarIdxWorldPositionZ", .float, unit: "m", "world position Z (Motion)") { $0.motion.map { Double($0.worldPositionZ) } },
    ]

    static let playerVariables: [F1Variable] = [
        F1Variable(info: canonical("PlayerCarIdx"), read: { _, facts, _ in facts.playerCarIdx.map(Double.init) }, absent: -1, perCar: false),
        player("Speed") { car, _ in car.telemetry.map { Double($0.speed) / 3.6 } },
        player("RPM") { car, _ in car.telemetry.map { Double($0.engineRPM) } },
        player("Gear", absent: 0) { car, _ in car.telemetry.map { Double($0.gear) } },
        player("Throttle") { car, _ in car.telemetry.map { Double($0.throttle) } },
        player("Brake") { car, _ in car.telemetry.map { Double($0.brake) } },
        // F1 reports the pedal (100 = pressed, clutch open); the catalogue's Clutch is engagement.
        player("Clutch") { car, _ in car.telemetry.map { 1 - Double($0.clutch) / 100 } },
        player("ShiftIndicatorPct") { car, _ in car.telemetry.map { Double($0.revLightsPercent) / 100 } },
        player("Lap", absent: 0) { car, _ in car.lap.map { Double($0.currentLapNum) } },
        player("LapCompleted", absent: 0) { car, _ in car.lap.map { Double(max(Int($0.currentLapNum) - 1, 0)) } },
        player("LapCurrentLapTime") { car, _ in car.lap.map { Double($0.currentLapTimeMs) / 1000 } },
        player("LapLastLapTime") { car, _ in car.lap.map { $0.lastLapTimeMs == 0 ? -1 : Double($0.lastLapTimeMs) / 1000 } },
        player("LapDist") { car, _ in car.lap.map { Double(max($0.lapDistance, 0)) } },
        player("LapDistPct") { car, facts in car.lap.flatMap { lapFraction($0, trackLength: facts.session?.trackLength) } },
        player("PlayerCarPosition", absent: 0) { car, _ in car.lap.map { Double($0.carPosition) } },
        player("OnPitRoad", absent: 0) { car, _ in car.lap.map { $0.pitStatus != 0 ? 1 : 0 } },
        player("PlayerTrackSurface", absent: -1) { car, _ in car.lap.map(trackSurface) },
        player("EnergyERSBattery") { car, _ in car.status.map { Double($0.ersStoreEnergy) } },
        player("Steer", .float, "Steering input, -1 full left to 1 full right (CarTelemetry)") { car, _, _ in car.telemetry.map { Double($0.steer) }
        },
        player("SuggestedGear", .int, "Gear the game suggests, 0 when none (CarTelemetry)", absent: 0) { _, facts, _ in
            facts.suggestedGear.map(Double.init)
        },
        player("EngineTemp", .float, unit: "C", "Engine temperature (CarTelemetry)") { car, _, _ in car.telemetry.map { Double($0.engineTemperature) }
        },
        player("DRS", .bool, "True while DRS is open (CarTelemetry)", absent: 0) { car, _, _ in car.telemetry.map { Double($0.drs) } },
        wheels("BrakeTemp", unit: "C", "Brake temperatures (CarTelemetry)") { car, _ in car.telemetry.map { w($0.brakesTemperature) } },
        wheels("TyreSurfaceTemp", unit: "C", "Tyre surface temperatures (CarTelemetry)") { car, _ in
            car.telemetry.map { w($0.tyresSurfaceTemperature) }
        },
        wheels("TyreInnerTemp", unit: "C", "Tyre carcass temperatures (CarTelemetry)") { car, _ in car.telemetry.map { w($0.tyresInnerTemperature) }
        },
        wheels("TyrePressure", unit: "psi", "Tyre pressures (CarTelemetry)") { car, _ in car.telemetry.map { w($0.tyresPressure) } },
        player("FuelInTankKg", .float, unit: "kg", "Fuel in the tank (CarStatus)") { car, _, _ in car.status.map { Double($0.fuelInTank) } },
        player("FuelCapacityKg", .float, unit: "kg", "Tank capacity (CarStatus)") { car, _, _ in car.status.map { Double($0.fuelCapacity) } },
        player("FuelRemainingLaps", .float, unit: "laps", "Laps the fuel lasts, as the game's MFD shows it (CarStatus)") { car, _, _ in
            car.status.map { Double($0.fuelRemainingLaps) }
        },
        player("FuelMix", .int, unit: "F1FuelMix", "0 lean, 1 standard, 2 rich, 3 max (CarStatus)", absent: -1) { car, _, _ in
            car.status.map { Double($0.fuelMix) }
        },
        player("TractionControl", .int, "0 off, 1 medium, 2 full (CarStatus)", absent: -1) { car, _, _ in
            car.status.map { Double($0.tractionControl) }
        },
        player("ABS", .bool, "True when anti-lock brakes are on (CarStatus)", absent: 0) { car, _, _ in car.status.map { Double($0.antiLockBrakes) }
        },
        player("FrontBrakeBias", .int, unit: "%", "Front brake bias in percent (CarStatus)", absent: 0) { car, _, _ in
            car.status.map { Double($0.frontBrakeBias) }
        },
        player("PitLimiter", .bool, "True while the pit limiter is on (CarStatus)", absent: 0) { car, _, _ in
            car.status.map { Double($0.pitLimiterStatus) }
        },
        player("MaxRPM", .float, unit: "revs/min", "Rev limit (CarStatus)") { car, _, _ in car.status.map { Double($0.maxRPM) } },
        player("DRSAllowed", .bool, "True when DRS may be used now (CarStatus)", absent: 0) { car, _, _ in car.status.map { Double($0.drsAllowed) } },
        player("DRSActivationDistance", .int, unit: "m", "Distance to the DRS zone, 0 when not available (CarStatus)", absent: 0) { car, _, _ in
            car.status.map { Double($0.drsActivationDistance) }
        },
        player("TyreCompoundVisual", .int, unit: "F1VisualCompound", "Visual compound of the fitted tyres (CarStatus)", absent: 0) { car, _, _ in
            car.status.map { Double($0.visualTyreCompound) }
        },
        player("TyreAgeLaps", .int, "Laps on the fitted tyres (CarStatus)", absent: 0) { car, _, _ in car.status.map { Double($0.tyresAgeLaps) } },
        player("ERSDeployMode", .int, "0 none, 1 medium, 2 hotlap, 3 overtake (CarStatus)", absent: -1) { car, _, _ in
            car.status.map { Double($0.ersDeployMode) }
        },
        player("ERSHarvestedMGUK", .float, unit: "J", "Energy the MGU-K harvested this lap (CarStatus)") { car, _, _ in
            car.status.map { Double($0.ersHarvestedThisLapMGUK) }
        },
        player("ERSHarvestedMGUH", .float, unit: "J", "Energy the MGU-H harvested this lap (CarStatus)") { car, _, _ in
            car.status.map { Double($0.ersHarvestedThisLapMGUH) }
        },
        player("ERSDeployed", .float, unit: "J", "Energy deployed this lap (CarStatus)") { car, _, _ in
            car.status.map { Double($0.ersDeployedThisLap) }
        },
        player("EnginePowerICE", .float, unit: "W", "Combustion engine power output (CarStatus)") { car, _, _ in
            car.status.map { Double($0.enginePowerICE) }
        },
        player("EnginePowerMGUK", .float, unit: "W", "MGU-K power output (CarStatus)") { car, _, _ in car.status.map { Double($0.enginePowerMGUK) } },
        wheels("TyreWear", unit: "%", "Tyre wear in percent (CarDamage)") { car, _ in car.damage.map { w($0.tyresWear) } },
        wheels("TyreDamage", unit: "%", "Tyre damage in percent (CarDamage)") { car, _ in car.damage.map { w($0.tyresDamage) } },
        wheels("BrakeDamage", unit: "%", "Brake damage in percent (CarDamage)") { car, _ in car.damage.map { w($0.brakesDamage) } },
        player("FrontLeftWingDamage", .int, unit: "%", "Front left wing damage (CarDamage)", absent: 0) { car, _, _ in
            car.damage.map { Double($0.frontLeftWingDamage) }
        },
        player("FrontRightWingDamage", .int, unit: "%", "Front right wing damage (CarDamage)", absent: 0) { car, _, _ in
            car.damage.map { Double($0.frontRightWingDamage) }
        },
        player("RearWingDamage", .int, unit: "%", "Rear wing damage (CarDamage)", absent: 0) { car, _, _ in
            car.damage.map { Double($0.rearWingDamage) }
        },
        player("FloorDamage", .int, unit: "%", "Floor damage (CarDamage)", absent: 0) { car, _, _ in car.damage.map { Double($0.floorDamage) } },
        player("DiffuserDamage", .int, unit: "%", "Diffuser damage (CarDamage)", absent: 0) { car, _, _ in
            car.damage.map { Double($0.diffuserDamage) }
        },
        player("SidepodDamage", .int, unit: "%", "Sidepod damage (CarDamage)", absent: 0) { car, _, _ in car.damage.map { Double($0.sidepodDamage) }
        },
        player("GearboxDamage", .int, unit: "%", "Gearbox damage (CarDamage)", absent: 0) { car, _, _ in car.damage.map { Double($0.gearBoxDamage) }
        },
        player("EngineDamage", .int, unit: "%", "Engine damage (CarDamage)", absent: 0) { car, _, _ in car.damage.map { Double($0.engineDamage) } },
        player("DRSFault", .bool, "True with a DRS fault (CarDamage)", absent: 0) { car, _, _ in car.damage.map { Double($0.drsFault) } },
        player("ERSFault", .bool, "True with an ERS fault (CarDamage)", absent: 0) { car, _, _ in car.damage.map { Double($0.ersFault) } },
        player("GForceLateral", .float, unit: "g", "Lateral g-force (Motion)") { car, _, _ in car.motion.map { Double($0.gForceLateral) } },
        player("GForceLongitudinal", .float, unit: "g", "Longitudinal g-force (Motion)") { car, _, _ in
            car.motion.map { Double($0.gForceLongitudinal) }
        },
        player("GForceVertical", .float, unit: "g", "Vertical g-force (Motion)") { car, _, _ in car.motion.map { Double($0.gForceVertical) } },
        player("WorldYaw", .float, unit: "rad", "Yaw in the game's world frame (Motion)") { car, _, _ in car.motion.map { Double($0.yaw) } },
        player("WorldPitch", .float, unit: "rad", "Pitch in the game's world frame (Motion)") { car, _, _ in car.motion.map { Double($0.pitch) } },
        player("WorldRoll", .float, unit: "rad", "Roll in the game's world frame (Motion)") { car, _, _ in car.motion.map { Double($0.roll) } },
        wheels("WheelSpeed", unit: "m/s", "Wheel speeds of the player's own car (MotionEx)") { _, facts in facts.motionEx.map { w($0.wheelSpeed) } },
        wheels("WheelSlipRatio", unit: "", "Wheel slip ratios of the player's own car (MotionEx)") { _, facts in
            facts.motionEx.map { w($0.wheelSlipRatio) }
        },
        wheels("SuspensionPosition", unit: "mm", "Suspension positions of the player's own car (MotionEx)") { _, facts in
            facts.motionEx.map { w($0.suspensionPosition) }
        },
        player("FrontWheelsAngle", .float, unit: "rad", "Steering angle of the front wheels of the player's own car (MotionEx)") { _, facts, _ in
            facts.motionEx.map { Double($0.frontWheelsAngle) }
        },
    ]

    static let sessionVariables: [F1Variable] = [
        player("SessionTime") { _, facts in facts.header.map { Double($0.sessionTime) } },
        player("SessionTimeRemain") { _, facts in facts.session.map { Double($0.sessionTimeLeft) } },
        player("SessionLapsTotal", absent: 0) { _, facts in facts.session.map { Double($0.totalLaps) } },
        player("AirTemp") { _, facts in facts.session.map { Double($0.airTemperature) } },
        player("TrackTemp") { _, facts in facts.session.map { Double($0.trackTemperature) } },
        player("Weather", .int, unit: "F1Weather", "0 clear, 1 light cloud, 2 overcast, 3 light rain, 4 heavy rain, 5 storm (Session)", absent: -1) {
            _, facts, _ in
            facts.session.map { Double($0.weather) }
        },
        player("SafetyCarStatus", .int, "0 none, 1 full safety car, 2 virtual, 3 formation lap (Session)", absent: 0) { _, facts, _ in
            facts.session.map { Double($0.safetyCarStatus) }
        },
        player("IsPaused", .bool, "True while the game is paused (Session)", absent: 0) { _, facts, _ in facts.session.map { Double($0.gamePaused) }
        },
        player("IsSpectating", .bool, "True while the game spectates (Session)", absent: 0) { _, facts, _ in
            facts.session.map { Double($0.isSpectating) }
        },
        player("FrameIdentifier", .int, "The game's frame counter of this frame (header frameIdentifier; restarts after a flashback)", absent: 0) {
            _, facts, _ in facts.header.map { Double($0.frameIdentifier) }
        },
    ]

    /// Every variable, for `broker vars`.
    static var infos: [VariableInfo] { all.map(\.info) }

    static var declarations: [VariableDeclaration] { all.map { VariableDeclaration($0.info) } }
}
