/// Four values, one per wheel, in EA's wire order: rear left, rear right, front left, front right.
public struct F1Wheels<Value: Sendable & Equatable>: Sendable, Equatable {
    public var rearLeft, rearRight, frontLeft, frontRight: Value

    init(_ load: (Int) -> Value) {
        rearLeft = load(0)
        rearRight = load(1)
        frontLeft = load(2)
        frontRight = load(3)
    }

    /// In wire order.
    public var array: [Value] { [rearLeft, rearRight, frontLeft, frontRight] }
}

/// One car's world position, velocity, orientation and g-forces (Motion, 60 bytes a car).
public struct F1CarMotion: Sendable, Equatable {
    public var worldPositionX, worldPositionY, worldPositionZ: Float
    public var worldVelocityX, worldVelocityY, worldVelocityZ: Float
    public var worldForwardDirX, worldForwardDirY, worldForwardDirZ: Int16
    public var worldRightDirX, worldRightDirY, worldRightDirZ: Int16
    public var gForceLateral, gForceLongitudinal, gForceVertical: Float
    public var yaw, pitch, roll: Float

    static let stride = 60

    init(_ b: F1Bytes, car: Int) {
        let o = car * Self.stride
        worldPositionX = b.f32(o)
        worldPositionY = b.f32(o + 4)
        worldPositionZ = b.f32(o + 8)
        worldVelocityX = b.f32(o + 12)
        worldVelocityY = b.f32(o + 16)
        worldVelocityZ = b.f32(o + 20)
        worldForwardDirX = b.i16(o + 24)
        worldForwardDirY = b.i16(o + 26)
        worldForwardDirZ = b.i16(o + 28)
        worldRightDirX = b.i16(o + 30)
        worldRightDirY = b.i16(o + 32)
        worldRightDirZ = b.i16(o + 34)
        gForceLateral = b.f32(o + 36)
        gForceLongitudinal = b.f32(o + 40)
        gForceVertical = b.f32(o + 44)
        yaw = b.f32(o + 48)
        pitch = b.f32(o + 52)
        roll = b.f32(o + 56)
    }
}

/// One car's timing and race state (LapData, 57 bytes a car; the same in F1 24 and 25).
public struct F1LapData: Sendable, Equatable {
    public var lastLapTimeMs, currentLapTimeMs: UInt32
    public var sector1TimeMs, sector2TimeMs: UInt32
    /// Split into ms and minutes parts on the wire; joined here.
    public var deltaToCarInFrontMs, deltaToRaceLeaderMs: UInt32
    public var lapDistance, totalDistance, safetyCarDelta: Float
    public var carPosition, currentLapNum, pitStatus, numPitStops, sector, currentLapInvalid: UInt8
    public var penaltiesSeconds, totalWarnings, cornerCuttingWarnings, unservedDriveThroughs, unservedStopGos: UInt8
    public var gridPosition, driverStatus, resultStatus, pitLaneTimerActive: UInt8
    public var pitLaneTimeInLaneMs, pitStopTimerMs: UInt16
    public var pitStopShouldServePenalty: UInt8
    public var speedTrapFastestSpeed: Float
    public var speedTrapFastestLap: UInt8

    static let stride = 57

    init(_ b: F1Bytes, car: Int) {
        let o = car * Self.stride
        lastLapTimeMs = b.u32(o)
        currentLapTimeMs = b.u32(o + 4)
        sector1TimeMs = UInt32(b.u16(o + 8)) + UInt32(b.u8(o + 10)) * 60_000
        sector2TimeMs = UInt32(b.u16(o + 11)) + UInt32(b.u8(o + 13)) * 60_000
        deltaToCarInFrontMs = UInt32(b.u16(o + 14)) + UInt32(b.u8(o + 16)) * 60_000
        deltaToRaceLeaderMs = UInt32(b.u16(o + 17)) + UInt32(b.u8(o + 19)) * 60_000
        lapDistance = b.f32(o + 20)
        totalDistance = b.f32(o + 24)
        safetyCarDelta = b.f32(o + 28)
        carPosition = b.u8(o + 32)
        currentLapNum = b.u8(o + 33)
        pitStatus = b.u8(o + 34)
        numPitStops = b.u8(o + 35)
        sector = b.u8(o + 36)
        currentLapInvalid = b.u8(o + 37)
        penaltiesSeconds = b.u8(o + 38)
        totalWarnings = b.u8(o + 39)
        cornerCuttingWarnings = b.u8(o + 40)
        unservedDriveThroughs = b.u8(o + 41)
        unservedStopGos = b.u8(o + 42)
        gridPosition = b.u8(o + 43)
        driverStatus = b.u8(o + 44)
        resultStatus = b.u8(o + 45)
        pitLaneTimerActive = b.u8(o + 46)
        pitLaneTimeInLaneMs = b.u16(o + 47)
        pitStopTimerMs = b.u16(o + 49)
        pitStopShouldServePenalty = b.u8(o + 51)
        speedTrapFastestSpeed = b.f32(o + 52)
        speedTrapFastestLap = b.u8(o + 56)
    }
}

/// One car's inputs and dash values (CarTelemetry, 60 bytes a car).
public struct F1CarTelemetry: Sendable, Equatable {
    /// km/h.
    public var speed: UInt16
    public var throttle, steer, brake: Float
    /// 0 to 100, pedal applied.
    public var clutch: UInt8
    public var gear: Int8
    public var engineRPM: UInt16
    public var drs, revLightsPercent: UInt8
    public var revLightsBitValue: UInt16
    public var brakesTemperature: F1Wheels<UInt16>
    public var tyresSurfaceTemperature, tyresInnerTemperature: F1Wheels<UInt8>
    public var engineTemperature: UInt16
    /// PSI.
    public var tyresPressure: F1Wheels<Float>
    public var surfaceType: F1Wheels<UInt8>

    static let stride = 60

    init(_ b: F1Bytes, car: Int) {
        let o = car * Self.stride
        speed = b.u16(o)
        throttle = b.f32(o + 2)
        steer = b.f32(o + 6)
        brake = b.f32(o + 10)
        clutch = b.u8(o + 14)
        gear = b.i8(o + 15)
        engineRPM = b.u16(o + 16)
        drs = b.u8(o + 18)
        revLightsPercent = b.u8(o + 19)
        revLightsBitValue = b.u16(o + 20)
        brakesTemperature = F1Wheels { b.u16(o + 22 + 2 * $0) }
        tyresSurfaceTemperature = F1Wheels { b.u8(o + 30 + $0) }
        tyresInnerTemperature = F1Wheels { b.u8(o + 34 + $0) }
        engineTemperature = b.u16(o + 38)
        tyresPressure = F1Wheels { b.f32(o + 40 + 4 * $0) }
        surfaceType = F1Wheels { b.u8(o + 56 + $0) }
    }
}

/// One car's systems: fuel, ERS, tyres fitted, assists (CarStatus, 55 bytes a car).
public struct F1CarStatus: Sendable, Equatable {
    public var tractionControl, antiLockBrakes, fuelMix, frontBrakeBias, pitLimiterStatus: UInt8
    /// kg.
    public var fuelInTank, fuelCapacity, fuelRemainingLaps: Float
    public var maxRPM, idleRPM: UInt16
    public var maxGears, drsAllowed: UInt8
    /// m; 0 = DRS not available.
    public var drsActivationDistance: UInt16
    public var actualTyreCompound, visualTyreCompound, tyresAgeLaps: UInt8
    public var vehicleFIAFlags: Int8
    /// W.
    public var enginePowerICE, enginePowerMGUK: Float
    /// J.
    public var ersStoreEnergy: Float
    public var ersDeployMode: UInt8
    /// J.
    public var ersHarvestedThisLapMGUK, ersHarvestedThisLapMGUH, ersDeployedThisLap: Float
    public var networkPaused: UInt8

    static let stride = 55

    init(_ b: F1Bytes, car: Int) {
        let o = car * Self.stride
        tractionControl = b.u8(o)
        antiLockBrakes = b.u8(o + 1)
        fuelMix = b.u8(o + 2)
        frontBrakeBias = b.u8(o + 3)
        pitLimiterStatus = b.u8(o + 4)
        fuelInTank = b.f32(o + 5)
        fuelCapacity = b.f32(o + 9)
        fuelRemainingLaps = b.f32(o + 13)
        maxRPM = b.u16(o + 17)
        idleRPM = b.u16(o + 19)
        maxGears = b.u8(o + 21)
        drsAllowed = b.u8(o + 22)
        drsActivationDistance = b.u16(o + 23)
        actualTyreCompound = b.u8(o + 25)
        visualTyreCompound = b.u8(o + 26)
        tyresAgeLaps = b.u8(o + 27)
        vehicleFIAFlags = b.i8(o + 28)
        enginePowerICE = b.f32(o + 29)
        enginePowerMGUK = b.f32(o + 33)
        ersStoreEnergy = b.f32(o + 37)
        ersDeployMode = b.u8(o + 41)
        ersHarvestedThisLapMGUK = b.f32(o + 42)
        ersHarvestedThisLapMGUH = b.f32(o + 46)
        ersDeployedThisLap = b.f32(o + 50)
        networkPaused = b.u8(o + 54)
    }
}

/// One car's wear and damage (CarDamage: 42 bytes a car in F1 24, 46 in F1 25 with tyre blisters).
public struct F1CarDamage: Sendable, Equatable {
    /// Percent.
    public var tyresWear: F1Wheels<Float>
    public var tyresDamage, brakesDamage: F1Wheels<UInt8>
    /// F1 25 only (nil in F1 24).
    public var tyreBlisters: F1Wheels<UInt8>?
    public var frontLeftWingDamage, frontRightWingDamage, rearWingDamage, floorDamage, diffuserDamage, sidepodDamage: UInt8
    public var drsFault, ersFault, gearBoxDamage, engineDamage: UInt8
    public var engineMGUHWear, engineESWear, engineCEWear, engineICEWear, engineMGUKWear, engineTCWear: UInt8
    public var engineBlown, engineSeized: UInt8

    static func stride(_ format: F1Format) -> Int { format == .f1_24 ? 42 : 46 }

    init(_ b: F1Bytes, car: Int, format: F1Format) {
        var o = car * Self.stride(format)
        tyresWear = F1Wheels { b.f32(o + 4 * $0) }
        tyresDamage = F1Wheels { [o] in b.u8(o + 16 + $0) }
        brakesDamage = F1Wheels { [o] in b.u8(o + 20 + $0) }
        if format == .f1_25 {
            tyreBlisters = F1Wheels { [o] in b.u8(o + 24 + $0) }
            o += 4
        } else {
            tyreBlisters = nil
        }
        frontLeftWingDamage = b.u8(o + 24)
        frontRightWingDamage = b.u8(o + 25)
        rearWingDamage = b.u8(o + 26)
        floorDamage = b.u8(o + 27)
        diffuserDamage = b.u8(o + 28)
        sidepodDamage = b.u8(o + 29)
        drsFault = b.u8(o + 30)
        ersFault = b.u8(o + 31)
        gearBoxDamage = b.u8(o + 32)
        engineDamage = b.u8(o + 33)
        engineMGUHWear = b.u8(o + 34)
        engineESWear = b.u8(o + 35)
        engineCEWear = b.u8(o + 36)
        engineICEWear = b.u8(o + 37)
        engineMGUKWear = b.u8(o + 38)
        engineTCWear = b.u8(o + 39)
        engineBlown = b.u8(o + 40)
        engineSeized = b.u8(o + 41)
    }
}

/// One car's driver (Participants: 60 bytes a car in F1 24 with a 48-byte name; 57 in F1 25 with a
/// 32-byte name and livery colours).
public struct F1Participant: Sendable, Equatable {
    public var aiControlled, driverID, networkID, teamID, myTeam, raceNumber, nationality: UInt8
    public var name: String
    public var yourTelemetry, showOnlineNames: UInt8
    public var techLevel: UInt16
    public var platform: UInt8

    static func stride(_ format: F1Format) -> Int { format == .f1_24 ? 60 : 57 }

    init(_ b: F1Bytes, car: Int, format: F1Format) {
        let o = 1 + car * Self.stride(format)
        let nameLength = format == .f1_24 ? 48 : 32
        aiControlled = b.u8(o)
        driverID = b.u8(o + 1)
        networkID = b.u8(o + 2)
        teamID = b.u8(o + 3)
        myTeam = b.u8(o + 4)
        raceNumber = b.u8(o + 5)
        nationality = b.u8(o + 6)
        name = b.text(o + 7, length: nameLength)
        let tail = o + 7 + nameLength
        yourTelemetry = b.u8(tail)
        showOnlineNames = b.u8(tail + 1)
        techLevel = b.u16(tail + 2)
        platform = b.u8(tail + 4)
    }
}

/// One weather forecast sample of the Session packet (8 bytes).
public struct F1WeatherForecast: Sendable, Equatable {
    public var sessionType, timeOffsetMinutes, weather: UInt8
    public var trackTemperature, trackTemperatureChange, airTemperature, airTemperatureChange: Int8
    public var rainPercentage: UInt8
}

/// The session: track, weather, rules, forecast (Session, 724 payload bytes in F1 24 and 25).
public struct F1Session: Sendable, Equatable {
    public var weather: UInt8
    public var trackTemperature, airTemperature: Int8
    public var totalLaps: UInt8
    /// m.
    public var trackLength: UInt16
    public var sessionType: UInt8
    public var trackID: Int8
    public var formula: UInt8
    /// s.
    public var sessionTimeLeft, sessionDuration: UInt16
    /// km/h.
    public var pitSpeedLimit: UInt8
    public var gamePaused, isSpectating, spectatorCarIndex: UInt8
    public var numMarshalZones, safetyCarStatus, networkGame: UInt8
    public var forecast: [F1WeatherForecast]
    public var forecastAccuracy, aiDifficulty: UInt8
    public var seasonLinkIdentifier, weekendLinkIdentifier, sessionLinkIdentifier: UInt32
    public var pitStopWindowIdealLap, pitStopWindowLatestLap, pitStopRejoinPosition: UInt8
    public var gameMode, ruleSet: UInt8
    /// Minutes since midnight.
    public var timeOfDay: UInt32
    public var sessionLength: UInt8
    public var numSafetyCarPeriods, numVirtualSafetyCarPeriods, numRedFlagPeriods: UInt8
    public var numSessionsInWeekend: UInt8
    public var weekendStructure: [UInt8]
    /// m.
    public var sector2LapDistanceStart, sector3LapDistanceStart: Float

    /// The marshal zones take 21 x 5 bytes from offset 19; the forecast 64 x 8 from 127.
    init(_ b: F1Bytes) {
        weather = b.u8(0)
        trackTemperature = b.i8(1)
        airTemperature = b.i8(2)
        totalLaps = b.u8(3)
        trackLength = b.u16(4)
        sessionType = b.u8(6)
        trackID = b.i8(7)
        formula = b.u8(8)
        sessionTimeLeft = b.u16(9)
        sessionDuration = b.u16(11)
        pitSpeedLimit = b.u8(13)
        gamePaused = b.u8(14)
        isSpectating = b.u8(15)
        spectatorCarIndex = b.u8(16)
        numMarshalZones = b.u8(18)
        safetyCarStatus = b.u8(124)
        networkGame = b.u8(125)
        let samples = min(Int(b.u8(126)), 64)
        forecast = (0..<samples).map { index in
            let o = 127 + index * 8
            return F1WeatherForecast(
                sessionType: b.u8(o), timeOffsetMinutes: b.u8(o + 1), weather: b.u8(o + 2), trackTemperature: b.i8(o + 3),
                trackTemperatureChange: b.i8(o + 4), airTemperature: b.i8(o + 5), airTemperatureChange: b.i8(o + 6), rainPercentage: b.u8(o + 7))
        }
        forecastAccuracy = b.u8(639)
        aiDifficulty = b.u8(640)
        seasonLinkIdentifier = b.u32(641)
        weekendLinkIdentifier = b.u32(645)
        sessionLinkIdentifier = b.u32(649)
        pitStopWindowIdealLap = b.u8(653)
        pitStopWindowLatestLap = b.u8(654)
        pitStopRejoinPosition = b.u8(655)
        gameMode = b.u8(665)
        ruleSet = b.u8(666)
        timeOfDay = b.u32(667)
        sessionLength = b.u8(671)
        numSafetyCarPeriods = b.u8(676)
        numVirtualSafetyCarPeriods = b.u8(677)
        numRedFlagPeriods = b.u8(678)
        numSessionsInWeekend = b.u8(703)
        weekendStructure = (0..<min(Int(numSessionsInWeekend), 12)).map { b.u8(704 + $0) }
        sector2LapDistanceStart = b.f32(716)
        sector3LapDistanceStart = b.f32(720)
    }
}

/// One car's result (FinalClassification: 45 bytes a car in F1 24, 46 in F1 25 with resultReason).
public struct F1FinalClassification: Sendable, Equatable {
    public var position, numLaps, gridPosition, points, numPitStops, resultStatus: UInt8
    /// F1 25 only.
    public var resultReason: UInt8?
    public var bestLapTimeMs: UInt32
    /// s.
    public var totalRaceTime: Double
    public var penaltiesTime, numPenalties: UInt8
    /// (actual compound, visual compound, end lap) per stint, `numTyreStints` of them.
    public var tyreStints: [(actual: UInt8, visual: UInt8, endLap: UInt8)]

    static func stride(_ format: F1Format) -> Int { format == .f1_24 ? 45 : 46 }

    init(_ b: F1Bytes, car: Int, format: F1Format) {
        var o = 1 + car * Self.stride(format)
        position = b.u8(o)
        numLaps = b.u8(o + 1)
        gridPosition = b.u8(o + 2)
        points = b.u8(o + 3)
        numPitStops = b.u8(o + 4)
        resultStatus = b.u8(o + 5)
        if format == .f1_25 {
            resultReason = b.u8(o + 6)
            o += 1
        } else {
            resultReason = nil
        }
        bestLapTimeMs = b.u32(o + 6)
        totalRaceTime = b.f64(o + 10)
        penaltiesTime = b.u8(o + 18)
        numPenalties = b.u8(o + 19)
        let stints = min(Int(b.u8(o + 20)), 8)
        tyreStints = (0..<stints).map { [o] in (b.u8(o + 21 + $0), b.u8(o + 29 + $0), b.u8(o + 37 + $0)) }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.position == b.position && a.numLaps == b.numLaps && a.bestLapTimeMs == b.bestLapTimeMs && a.totalRaceTime == b.totalRaceTime
            && a.tyreStints.map { [$0.actual, $0.visual, $0.endLap] } == b.tyreStints.map { [$0.actual, $0.visual, $0.endLap] }
    }
}

/// One player of a multiplayer lobby (LobbyInfo: 58 bytes a player in F1 24, 42 in F1 25).
public struct F1LobbyPlayer: Sendable, Equatable {
    public var aiControlled, teamID, nationality, platform: UInt8
    public var name: String
    public var carNumber, yourTelemetry, showOnlineNames: UInt8
    public var techLevel: UInt16
    public var readyStatus: UInt8

    static func stride(_ format: F1Format) -> Int { format == .f1_24 ? 58 : 42 }

    init(_ b: F1Bytes, player: Int, format: F1Format) {
        let o = 1 + player * Self.stride(format)
        let nameLength = format == .f1_24 ? 48 : 32
        aiControlled = b.u8(o)
        teamID = b.u8(o + 1)
        nationality = b.u8(o + 2)
        platform = b.u8(o + 3)
        name = b.text(o + 4, length: nameLength)
        let tail = o + 4 + nameLength
        carNumber = b.u8(tail)
        yourTelemetry = b.u8(tail + 1)
        showOnlineNames = b.u8(tail + 2)
        techLevel = b.u16(tail + 3)
        readyStatus = b.u8(tail + 5)
    }
}

/// One car's setup (CarSetups, 50 bytes a car).
public struct F1CarSetup: Sendable, Equatable {
    public var frontWing, rearWing, onThrottle, offThrottle: UInt8
    public var frontCamber, rearCamber, frontToe, rearToe: Float
    public var frontSuspension, rearSuspension, frontAntiRollBar, rearAntiRollBar: UInt8
    public var frontSuspensionHeight, rearSuspensionHeight, brakePressure, brakeBias, engineBraking: UInt8
    /// PSI, in wire order RL, RR, FL, FR.
    public var tyrePressure: F1Wheels<Float>
    public var ballast: UInt8
    /// kg.
    public var fuelLoad: Float

    static let stride = 50

    init(_ b: F1Bytes, car: Int) {
        let o = car * Self.stride
        frontWing = b.u8(o)
        rearWing = b.u8(o + 1)
        onThrottle = b.u8(o + 2)
        offThrottle = b.u8(o + 3)
        frontCamber = b.f32(o + 4)
        rearCamber = b.f32(o + 8)
        frontToe = b.f32(o + 12)
        rearToe = b.f32(o + 16)
        frontSuspension = b.u8(o + 20)
        rearSuspension = b.u8(o + 21)
        frontAntiRollBar = b.u8(o + 22)
        rearAntiRollBar = b.u8(o + 23)
        frontSuspensionHeight = b.u8(o + 24)
        rearSuspensionHeight = b.u8(o + 25)
        brakePressure = b.u8(o + 26)
        brakeBias = b.u8(o + 27)
        engineBraking = b.u8(o + 28)
        tyrePressure = F1Wheels { b.f32(o + 29 + 4 * $0) }
        ballast = b.u8(o + 45)
        fuelLoad = b.f32(o + 46)
    }
}

/// One lap of a car's history (14 bytes).
public struct F1LapHistory: Sendable, Equatable {
    public var lapTimeMs, sector1TimeMs, sector2TimeMs, sector3TimeMs: UInt32
    /// Bits: 1 lap valid, 2 sector 1 valid, 4 sector 2 valid, 8 sector 3 valid.
    public var validFlags: UInt8
}

/// One car's laps and tyre stints so far (SessionHistory, 1431 payload bytes).
public struct F1SessionHistory: Sendable, Equatable {
    public var carIndex, numLaps, numTyreStints, bestLapTimeLapNum, bestSector1LapNum, bestSector2LapNum, bestSector3LapNum: UInt8
    public var laps: [F1LapHistory]
    public var stints: [F1TyreStint]

    init(_ b: F1Bytes) throws(F1DecodeError) {
        carIndex = b.u8(0)
        numLaps = b.u8(1)
        numTyreStints = b.u8(2)
        guard numLaps <= 100 else { throw .countOutOfRange(kind: .sessionHistory, field: "numLaps", value: Int(numLaps), limit: 100) }
        guard numTyreStints <= 8 else {
            throw .countOutOfRange(kind: .sessionHistory, field: "numTyreStints", value: Int(numTyreStints), limit: 8)
        }
        bestLapTimeLapNum = b.u8(3)
        bestSector1LapNum = b.u8(4)
        bestSector2LapNum = b.u8(5)
        bestSector3LapNum = b.u8(6)
        laps = (0..<Int(numLaps)).map { index in
            let o = 7 + index * 14
            return F1LapHistory(
                lapTimeMs: b.u32(o), sector1TimeMs: UInt32(b.u16(o + 4)) + UInt32(b.u8(o + 6)) * 60_000,
                sector2TimeMs: UInt32(b.u16(o + 7)) + UInt32(b.u8(o + 9)) * 60_000,
                sector3TimeMs: UInt32(b.u16(o + 10)) + UInt32(b.u8(o + 12)) * 60_000, validFlags: b.u8(o + 13))
        }
        stints = (0..<Int(numTyreStints)).map { index in
            let o = 1407 + index * 3
            return F1TyreStint(endLap: b.u8(o), actualCompound: b.u8(o + 1), visualCompound: b.u8(o + 2))
        }
    }
}

/// One tyre stint of a car's history (3 bytes).
public struct F1TyreStint: Sendable, Equatable {
    /// 255 = the stint in progress.
    public var endLap, actualCompound, visualCompound: UInt8
}

/// One tyre set a car has for the weekend (10 bytes).
public struct F1TyreSet: Sendable, Equatable {
    public var actualCompound, visualCompound, wearPercent, available, recommendedSession, lifeSpan, usableLife: UInt8
    /// ms against the fitted set.
    public var lapDeltaTime: Int16
    public var fitted: UInt8
}

/// The 20 tyre sets of one car (TyreSets, 202 payload bytes).
public struct F1TyreSets: Sendable, Equatable {
    public var carIndex: UInt8
    public var sets: [F1TyreSet]
    public var fittedIndex: UInt8

    init(_ b: F1Bytes) {
        carIndex = b.u8(0)
        sets = (0..<20).map { index in
            let o = 1 + index * 10
            return F1TyreSet(
                actualCompound: b.u8(o), visualCompound: b.u8(o + 1), wearPercent: b.u8(o + 2), available: b.u8(o + 3),
                recommendedSession: b.u8(o + 4), lifeSpan: b.u8(o + 5), usableLife: b.u8(o + 6), lapDeltaTime: b.i16(o + 7), fitted: b.u8(o + 9))
        }
        fittedIndex = b.u8(201)
    }
}

/// Extra physics of the player's car only (MotionEx: 208 payload bytes in F1 24, 244 in F1 25).
public struct F1MotionEx: Sendable, Equatable {
    public var suspensionPosition, suspensionVelocity, suspensionAcceleration: F1Wheels<Float>
    public var wheelSpeed, wheelSlipRatio, wheelSlipAngle, wheelLatForce, wheelLongForce: F1Wheels<Float>
    public var heightOfCOGAboveGround: Float
    public var localVelocityX, localVelocityY, localVelocityZ: Float
    public var angularVelocityX, angularVelocityY, angularVelocityZ: Float
    public var angularAccelerationX, angularAccelerationY, angularAccelerationZ: Float
    public var frontWheelsAngle: Float
    public var wheelVertForce: F1Wheels<Float>
    public var frontAeroHeight, rearAeroHeight, frontRollAngle, rearRollAngle, chassisYaw: Float
    /// F1 25 only.
    public var chassisPitch: Float?
    public var wheelCamber, wheelCamberGain: F1Wheels<Float>?

    init(_ b: F1Bytes, format: F1Format) {
        func wheels(_ o: Int) -> F1Wheels<Float> { F1Wheels { b.f32(o + 4 * $0) } }
        suspensionPosition = wheels(0)
        suspensionVelocity = wheels(16)
        suspensionAcceleration = wheels(32)
        wheelSpeed = wheels(48)
        wheelSlipRatio = wheels(64)
        wheelSlipAngle = wheels(80)
        wheelLatForce = wheels(96)
        wheelLongForce = wheels(112)
        heightOfCOGAboveGround = b.f32(128)
        localVelocityX = b.f32(132)
        localVelocityY = b.f32(136)
        localVelocityZ = b.f32(140)
        angularVelocityX = b.f32(144)
        angularVelocityY = b.f32(148)
        angularVelocityZ = b.f32(152)
        angularAccelerationX = b.f32(156)
        angularAccelerationY = b.f32(160)
        angularAccelerationZ = b.f32(164)
        frontWheelsAngle = b.f32(168)
        wheelVertForce = wheels(172)
        frontAeroHeight = b.f32(188)
        rearAeroHeight = b.f32(192)
        frontRollAngle = b.f32(196)
        rearRollAngle = b.f32(200)
        chassisYaw = b.f32(204)
        if format == .f1_25 {
            chassisPitch = b.f32(208)
            wheelCamber = wheels(212)
            wheelCamberGain = wheels(228)
        } else {
            chassisPitch = nil
            wheelCamber = nil
            wheelCamberGain = nil
        }
    }
}

/// One time-trial lap summary (24 bytes): the session best, the personal best, the rival.
public struct F1TimeTrialSet: Sendable, Equatable {
    public var carIndex, teamID: UInt8
    public var lapTimeMs, sector1TimeMs, sector2TimeMs, sector3TimeMs: UInt32
    public var tractionControl, gearboxAssist, antiLockBrakes, equalCarPerformance, customSetup, valid: UInt8

    init(_ b: F1Bytes, set: Int) {
        let o = set * 24
        carIndex = b.u8(o)
        teamID = b.u8(o + 1)
        lapTimeMs = b.u32(o + 2)
        sector1TimeMs = b.u32(o + 6)
        sector2TimeMs = b.u32(o + 10)
        sector3TimeMs = b.u32(o + 14)
        tractionControl = b.u8(o + 18)
        gearboxAssist = b.u8(o + 19)
        antiLockBrakes = b.u8(o + 20)
        equalCarPerformance = b.u8(o + 21)
        customSetup = b.u8(o + 22)
        valid = b.u8(o + 23)
    }
}

/// Every car's position at the start of each lap (LapPositions, F1 25 only: 1102 payload bytes).
public struct F1LapPositions: Sendable, Equatable {
    public var lapStart: UInt8
    /// `positions[lap][car]`, `numLaps` rows (at most 50 per packet), 0 = no car.
    public var positions: [[UInt8]]

    init(_ b: F1Bytes) throws(F1DecodeError) {
        let laps = Int(b.u8(0))
        guard laps <= 50 else { throw .countOutOfRange(kind: .lapPositions, field: "numLaps", value: laps, limit: 50) }
        lapStart = b.u8(1)
        positions = (0..<laps).map { lap in (0..<22).map { car in b.u8(2 + lap * 22 + car) } }
    }
}
