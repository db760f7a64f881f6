import BrokerCore

/// The variables the Forza source publishes: catalogue (iRacing) names where Forza means the same
/// thing in the same unit, Forza's own names for the rest. Every variable is declared whatever the
/// packet format; what a format lacks reads `null` (numbers) or 0 (integers).
enum ForzaVariables {
    /// Catalogue names, converted where the unit or the axes differ (see the README's table).
    static let canonical = [
        "IsOnTrack", "RPM", "Speed", "Gear", "Throttle", "Brake", "ClutchRaw", "HandbrakeRaw", "VelocityX", "VelocityY", "VelocityZ",
        "FuelLevelPct", "Lap", "LapCompleted", "LapBestLapTime", "LapLastLapTime", "LapCurrentLapTime", "PlayerCarPosition",
    ]

    private static func wheels(_ name: String, unit: String = "", _ description: String, range: ClosedRange<Double>? = nil) -> VariableInfo {
        VariableInfo(name: name, type: .float, count: 4, unit: unit, description: "Per wheel (FL, FR, RL, RR): \(description)", range: range)
    }

    /// Forza's own values.
    static let own: [VariableInfo] = [
        VariableInfo(name: "TimestampMS", type: .double, unit: "ms", description: "Forza's packet clock (wraps at 2^32 ms)"),
        VariableInfo(name: "EngineMaxRPM", type: .float, unit: "revs/min", description: "The car's maximum engine speed", range: 0...15000),
        VariableInfo(name: "EngineIdleRPM", type: .float, unit: "revs/min", description: "The car's idle engine speed", range: 0...3000),
        VariableInfo(
            name: "AccelerationX", type: .float, unit: "m/s^2", description: "Acceleration along the car's right axis, gravity excluded (Forza axes)",
            range: -50...50),
        VariableInfo(
            name: "AccelerationY", type: .float, unit: "m/s^2", description: "Acceleration along the car's up axis, gravity excluded (Forza axes)",
            range: -50...50),
        VariableInfo(
            name: "AccelerationZ", type: .float, unit: "m/s^2",
            description: "Acceleration along the car's forward axis, gravity excluded (Forza axes)", range: -50...50),
        VariableInfo(
            name: "AngularVelocityX", type: .float, unit: "rad/s", description: "Rotation rate about the car's right axis (Forza axes)",
            range: -3.1416...3.1416),
        VariableInfo(
            name: "AngularVelocityY", type: .float, unit: "rad/s", description: "Rotation rate about the car's up axis (Forza axes)",
            range: -3.1416...3.1416),
        VariableInfo(
            name: "AngularVelocityZ", type: .float, unit: "rad/s", description: "Rotation rate about the car's forward axis (Forza axes)",
            range: -3.1416...3.1416),
        VariableInfo(name: "ForzaYaw", type: .float, unit: "rad", description: "Forza's yaw angle of the car", range: -3.1416...3.1416),
        VariableInfo(name: "ForzaPitch", type: .float, unit: "rad", description: "Forza's pitch angle of the car", range: -0.5...0.5),
        VariableInfo(name: "ForzaRoll", type: .float, unit: "rad", description: "Forza's roll angle of the car", range: -0.5...0.5),
        wheels("SuspensionTravelNorm", "suspension travel, 0 fully stretched to 1 fully compressed", range: 0...1),
        wheels("SuspensionTravel", unit: "m", "suspension travel", range: -0.3...0.3),
        wheels("TireSlipRatio", "longitudinal slip ratio, beyond 1 the tyre has lost grip", range: -2...2),
        wheels("TireSlipAngle", "slip angle, normalized: beyond 1 the tyre has lost grip", range: -2...2),
        wheels("TireCombinedSlip", "combined slip, normalized: beyond 1 the tyre has lost grip", range: 0...2),
        wheels("WheelRotationSpeed", unit: "rad/s", "wheel rotation speed", range: -300...300),
        wheels("WheelOnRumbleStrip", "1 on a rumble strip, 0 off", range: 0...1),
        wheels("WheelInPuddleDepth", "depth of the puddle the wheel is in, 0 none to 1 deepest", range: 0...1),
        wheels("SurfaceRumble", "force-feedback rumble of the surface under the wheel", range: 0...1),
        wheels("TireTemp", unit: "C", "tyre temperature (sent in Fahrenheit, converted)", range: 0...150),
        wheels("TireWear", "tyre wear, 0 new to 1 worn (Forza Motorsport 2023 only)", range: 0...1),
        VariableInfo(name: "CarOrdinal", type: .int, description: "Forza's id of the car model"),
        VariableInfo(name: "CarClass", type: .int, description: "Car class, 0 (D) to 7 (X)", range: 0...7),
        VariableInfo(name: "CarPerformanceIndex", type: .int, description: "Performance index, 100 to 999", range: 100...999),
        VariableInfo(name: "DrivetrainType", type: .int, description: "0 FWD, 1 RWD, 2 AWD", range: 0...2),
        VariableInfo(name: "NumCylinders", type: .int, description: "Engine cylinders", range: 0...16),
        VariableInfo(name: "PositionX", type: .float, unit: "m", description: "World position X (Dash formats)"),
        VariableInfo(name: "PositionY", type: .float, unit: "m", description: "World position Y, up (Dash formats)"),
        VariableInfo(name: "PositionZ", type: .float, unit: "m", description: "World position Z (Dash formats)"),
        VariableInfo(name: "Power", type: .float, unit: "W", description: "Engine power, negative under engine braking", range: -200_000...1_000_000),
        VariableInfo(name: "Torque", type: .float, unit: "N*m", description: "Engine torque", range: -500...2000),
        VariableInfo(
            name: "Boost", type: .float, unit: "psi", description: "Boost pressure relative to atmosphere, negative is vacuum", range: -15...45),
        VariableInfo(name: "DistanceTraveled", type: .float, unit: "m", description: "Distance driven this race or session"),
        VariableInfo(name: "RaceTime", type: .float, unit: "s", description: "Time since the race started"),
        VariableInfo(
            name: "SteerInput", type: .float, description: "Steering input, -1 full left to 1 full right (Forza's -127..127 / 127)", range: -1...1),
        VariableInfo(
            name: "DrivingLine", type: .float, description: "Driving-line assist, normalized -1..1 (Forza's -127..127 / 127)", range: -1...1),
        VariableInfo(
            name: "AIBrakeDifference", type: .float, description: "Braking-line assist difference, normalized -1..1 (Forza's -127..127 / 127)",
            range: -1...1),
        VariableInfo(name: "TrackOrdinal", type: .int, description: "Forza's id of the track (Forza Motorsport 2023 only)"),
        VariableInfo(
            name: "HorizonCarGroup", type: .int, description: "Forza Horizon: first of the 12 undocumented bytes (u32), read as a car group"),
    ]

    static var all: [VariableInfo] { canonical.map(catalogueInfo) + own }

    static var declarations: [VariableDeclaration] { all.map { VariableDeclaration($0) } }

    private static let catalogueByName: [String: VariableInfo] = Dictionary(
        VariableCatalogue.all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    private static func catalogueInfo(_ name: String) -> VariableInfo {
        // Every canonical name above is in the catalogue (a test checks it).
        catalogueByName[name] ?? VariableInfo(name: name, type: .float)
    }

    /// Forza's gear byte on the catalogue's scale: 0 is reverse (-1), 11 is neutral (0, seen on FM
    /// 2023 between gears), 1 to 10 forward.
    static func gear(_ raw: UInt8) -> Int {
        switch raw {
        case 0: return -1
        case 11: return 0
        default: return Int(raw)
        }
    }
}

/// Writes one decoded packet into a frame row of the declared layout; field indices are looked up
/// once, when the layout is declared.
struct ForzaFrameWriter: Sendable {
    let layout: FrameLayout
    private let ids: FieldIDs

    init(layout: FrameLayout) {
        self.layout = layout
        var fields: [String: Int] = [:]
        for info in ForzaVariables.all {
            guard let index = layout.fieldIndex(named: info.name) else { preconditionFailure("Forza layout lacks \(info.name)") }
            fields[info.name] = index
        }
        ids = FieldIDs(fields)
    }

    /// The indices, as stored properties (a dictionary lookup per value would cost the decoder).
    private struct FieldIDs: Sendable {
        let isOnTrack, rpm, speed, gear, throttle, brake, clutch, handbrake, velocityX, velocityY, velocityZ: Int
        let fuel, lap, lapCompleted, best, last, current, position: Int
        let timestamp, maxRPM, idleRPM, accelX, accelY, accelZ, angularX, angularY, angularZ, yaw, pitch, roll: Int
        let suspensionNorm, suspension, slipRatio, slipAngle, combinedSlip, rotation, rumbleStrip, puddle, surfaceRumble, tireTemp, tireWear: Int
        let ordinal, carClass, performanceIndex, drivetrain, cylinders, positionX, positionY, positionZ, power, torque, boost: Int
        let distance, raceTime, steer, drivingLine, aiBrake, track, carGroup: Int

        init(_ f: [String: Int]) {
            isOnTrack = f["IsOnTrack"]!
            rpm = f["RPM"]!
            speed = f["Speed"]!
            gear = f["Gear"]!
            throttle = f["Throttle"]!
            brake = f["Brake"]!
            clutch = f["ClutchRaw"]!
            handbrake = f["HandbrakeRaw"]!
            velocityX = f["VelocityX"]!
            velocityY = f["VelocityY"]!
            velocityZ = f["VelocityZ"]!
            fuel = f["FuelLevelPct"]!
            lap = f["Lap"]!
            lapCompleted = f["LapCompleted"]!
            best = f["LapBestLapTime"]!
            last = f["LapLastLapTime"]!
            current = f["LapCurrentLapTime"]!
            position = f["PlayerCarPosition"]!
            timestamp = f["TimestampMS"]!
            maxRPM = f["EngineMaxRPM"]!
            idleRPM = f["EngineIdleRPM"]!
            accelX = f["AccelerationX"]!
            accelY = f["AccelerationY"]!
            accelZ = f["AccelerationZ"]!
            angularX = f["AngularVelocityX"]!
            angularY = f["AngularVelocityY"]!
            angularZ = f["AngularVelocityZ"]!
            yaw = f["ForzaYaw"]!
            pitch = f["ForzaPitch"]!
            roll = f["ForzaRoll"]!
            suspensionNorm = f["SuspensionTravelNorm"]!
            suspension = f["SuspensionTravel"]!
            slipRatio = f["TireSlipRatio"]!
            slipAngle = f["TireSlipAngle"]!
            combinedSlip = f["TireCombinedSlip"]!
            rotation = f["WheelRotationSpeed"]!
            rumbleStrip = f["WheelOnRumbleStrip"]!
            puddle = f["WheelInPuddleDepth"]!
            surfaceRumble = f["SurfaceRumble"]!
            tireTemp = f["TireTemp"]!
            tireWear = f["TireWear"]!
            ordinal = f["CarOrdinal"]!
            carClass = f["CarClass"]!
            performanceIndex = f["CarPerformanceIndex"]!
            drivetrain = f["DrivetrainType"]!
            cylinders = f["NumCylinders"]!
            positionX = f["PositionX"]!
            positionY = f["PositionY"]!
            positionZ = f["PositionZ"]!
            power = f["Power"]!
            torque = f["Torque"]!
            boost = f["Boost"]!
            distance = f["DistanceTraveled"]!
            raceTime = f["RaceTime"]!
            steer = f["SteerInput"]!
            drivingLine = f["DrivingLine"]!
            aiBrake = f["AIBrakeDifference"]!
            track = f["TrackOrdinal"]!
            carGroup = f["HorizonCarGroup"]!
        }
    }

    /// The row for `packet`. Velocities move from Forza's axes (X right, Y up, Z forward) to the
    /// catalogue's (X forward, Y left, Z up); Speed without a dash block is the velocity's length.
    func row(_ packet: ForzaPacket) -> FrameRow {
        var row = FrameRow(layout: layout)
        write(packet, into: &row)
        return row
    }

    func write(_ packet: ForzaPacket, into row: inout FrameRow) {
        let s = packet.sled
        let f = ids
        row.set(f.isOnTrack, s.isRaceOn != 0)
        row.set(f.rpm, Double(s.currentEngineRpm))
        row.set(f.velocityX, Double(s.velocityZ))
        row.set(f.velocityY, Double(-s.velocityX))
        row.set(f.velocityZ, Double(s.velocityY))
        row.set(f.timestamp, Double(s.timestampMS))
        row.set(f.maxRPM, Double(s.engineMaxRpm))
        row.set(f.idleRPM, Double(s.engineIdleRpm))
        row.set(f.accelX, Double(s.accelerationX))
        row.set(f.accelY, Double(s.accelerationY))
        row.set(f.accelZ, Double(s.accelerationZ))
        row.set(f.angularX, Double(s.angularVelocityX))
        row.set(f.angularY, Double(s.angularVelocityY))
        row.set(f.angularZ, Double(s.angularVelocityZ))
        row.set(f.yaw, Double(s.yaw))
        row.set(f.pitch, Double(s.pitch))
        row.set(f.roll, Double(s.roll))
        setWheels(&row, f.suspensionNorm, s.normalizedSuspensionTravel)
        setWheels(&row, f.suspension, s.suspensionTravelMeters)
        setWheels(&row, f.slipRatio, s.tireSlipRatio)
        setWheels(&row, f.slipAngle, s.tireSlipAngle)
        setWheels(&row, f.combinedSlip, s.tireCombinedSlip)
        setWheels(&row, f.rotation, s.wheelRotationSpeed)
        setWheels(&row, f.rumbleStrip, s.wheelOnRumbleStrip)
        setWheels(&row, f.puddle, s.wheelInPuddleDepth)
        setWheels(&row, f.surfaceRumble, s.surfaceRumble)
        row.set(f.ordinal, Int(s.carOrdinal))
        row.set(f.carClass, Int(s.carClass))
        row.set(f.performanceIndex, Int(s.carPerformanceIndex))
        row.set(f.drivetrain, Int(s.drivetrainType))
        row.set(f.cylinders, Int(s.numCylinders))

        if let d = packet.dash {
            row.set(f.speed, Double(d.speed))
            row.set(f.gear, ForzaVariables.gear(d.gear))
            row.set(f.throttle, Double(d.accel) / 255)
            row.set(f.brake, Double(d.brake) / 255)
            // Forza's clutch byte is the pedal (255 pressed = open); ClutchRaw is 1 when released.
            row.set(f.clutch, 1 - Double(d.clutch) / 255)
            row.set(f.handbrake, Double(d.handBrake) / 255)
            row.set(f.fuel, Double(d.fuel))
            row.set(f.lap, Int(d.lapNumber) + 1)
            row.set(f.lapCompleted, Int(d.lapNumber))
            row.set(f.best, Double(d.bestLap))
            row.set(f.last, Double(d.lastLap))
            row.set(f.current, Double(d.currentLap))
            row.set(f.position, Int(d.racePosition))
            setWheels(
                &row, f.tireTemp,
                ForzaWheels(
                    celsius(d.tireTemp.frontLeft), celsius(d.tireTemp.frontRight), celsius(d.tireTemp.rearLeft), celsius(d.tireTemp.rearRight)))
            row.set(f.positionX, Double(d.positionX))
            row.set(f.positionY, Double(d.positionY))
            row.set(f.positionZ, Double(d.positionZ))
            row.set(f.power, Double(d.power))
            row.set(f.torque, Double(d.torque))
            row.set(f.boost, Double(d.boost))
            row.set(f.distance, Double(d.distanceTraveled))
            row.set(f.raceTime, Double(d.currentRaceTime))
            row.set(f.steer, Double(d.steer) / 127)
            row.set(f.drivingLine, Double(d.normalizedDrivingLine) / 127)
            row.set(f.aiBrake, Double(d.normalizedAIBrakeDifference) / 127)
        } else {
            let v = s
            row.set(f.speed, Double((v.velocityX * v.velocityX + v.velocityY * v.velocityY + v.velocityZ * v.velocityZ).squareRoot()))
            for field in [
                f.throttle, f.brake, f.clutch, f.handbrake, f.fuel, f.best, f.last, f.current, f.positionX, f.positionY, f.positionZ,
                f.power, f.torque, f.boost, f.distance, f.raceTime, f.steer, f.drivingLine, f.aiBrake,
            ] {
                row.setNull(field)
            }
            for wheel in 0..<4 { row.setNull(f.tireTemp, element: wheel) }
        }
        if let extra = packet.motorsport2023 {
            setWheels(&row, f.tireWear, extra.tireWear)
            row.set(f.track, Int(extra.trackOrdinal))
        } else {
            for wheel in 0..<4 { row.setNull(f.tireWear, element: wheel) }
        }
        if let horizon = packet.horizon { row.set(f.carGroup, Int(horizon.carGroup)) }
    }

    private func celsius(_ fahrenheit: Float) -> Float { (fahrenheit - 32) * 5 / 9 }

    private func setWheels(_ row: inout FrameRow, _ field: Int, _ wheels: ForzaWheels) {
        row.set(field, Double(wheels.frontLeft), element: 0)
        row.set(field, Double(wheels.frontRight), element: 1)
        row.set(field, Double(wheels.rearLeft), element: 2)
        row.set(field, Double(wheels.rearRight), element: 3)
    }
}
