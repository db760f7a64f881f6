/// The canonical variable catalogue: iRacing's telemetry names, which every source maps onto.
///
/// Every source publishes under these names where the meaning is the same, so one dashboard works for
/// every sim. Types, counts and units are as iRacing declares them (with its known declaration slips
/// fixed); descriptions are in the project's own words; ranges drive the mock source and bar scales.
public enum VariableCatalogue {
    public static let all: [VariableInfo] = [
        VariableInfo(name: "AirDensity", type: .float, unit: "kg/m^3", description: "Density of the air at the start/finish line", range: 0.9...1.4),
        VariableInfo(
            name: "AirPressure", type: .float, unit: "Pa", description: "Barometric air pressure at the start/finish line", range: 80000...105000),
        VariableInfo(name: "AirTemp", type: .float, unit: "C", description: "Air temperature at the start/finish line", range: -40...50),
        VariableInfo(name: "Alt", type: .float, unit: "m", description: "Height of the car above sea level", range: -500...5000),
        VariableInfo(name: "Brake", type: .float, unit: "%", description: "Brake pedal force applied, 0 released to 1 maximum", range: 0...1),
        VariableInfo(name: "BrakeABSactive", type: .bool, description: "True while ABS is reducing brake pressure"),
        VariableInfo(
            name: "BrakeABScutPct", type: .float, unit: "%", description: "Share of brake force ABS is currently removing, 0 to 1", range: 0...1),
        VariableInfo(
            name: "BrakeRaw", type: .float, unit: "%", description: "Brake pedal as the driver presses it, 0 released to 1 maximum", range: 0...1),
        VariableInfo(name: "CFSRrideHeight", type: .float, unit: "m", description: "Ride height at the centre of the front splitter", range: 0...0.2),
        VariableInfo(name: "CFrideHeight", type: .float, description: "Centre front ride height", range: 0...0.3),
        VariableInfo(name: "CFshockDefl", type: .float, unit: "m", description: "Centre front (heave) shock compression", range: 0...0.2),
        VariableInfo(
            name: "CFshockDefl_ST", type: .float, count: 6, unit: "m", description: "Centre front shock compression, 6 sub-samples at 360 Hz",
            range: 0...0.2),
        VariableInfo(name: "CFshockVel", type: .float, unit: "m/s", description: "Centre front (heave) shock velocity", range: -5...5),
        VariableInfo(
            name: "CFshockVel_ST", type: .float, count: 6, unit: "m/s", description: "Centre front shock velocity, 6 sub-samples at 360 Hz",
            range: -5...5),
        VariableInfo(name: "CRrideHeight", type: .float, description: "Centre rear ride height", range: 0...0.3),
        VariableInfo(name: "CRshockDefl", type: .float, unit: "m", description: "Centre rear (heave) shock compression", range: 0...0.2),
        VariableInfo(
            name: "CRshockDefl_ST", type: .float, count: 6, unit: "m", description: "Centre rear shock compression, 6 sub-samples at 360 Hz",
            range: 0...0.2),
        VariableInfo(name: "CRshockVel", type: .float, unit: "m/s", description: "Centre rear (heave) shock velocity", range: -5...5),
        VariableInfo(
            name: "CRshockVel_ST", type: .float, count: 6, unit: "m/s", description: "Centre rear shock velocity, 6 sub-samples at 360 Hz",
            range: -5...5),
        VariableInfo(name: "CamCameraNumber", type: .int, description: "Number of the active camera within its group", range: 0...100),
        VariableInfo(
            name: "CamCameraState", type: .bitfield, unit: "irsdk_CameraState", description: "Camera system state bits (irsdk_CameraState)",
            range: 0...511),
        VariableInfo(name: "CamCarIdx", type: .int, description: "Car index the active camera is following", range: 0...63),
        VariableInfo(name: "CamGroupNumber", type: .int, description: "Number of the active camera group", range: 0...100),
        VariableInfo(
            name: "CarDistAhead", type: .float, unit: "m", description: "Gap in metres to the nearest car in front of the player", range: 0...5000),
        VariableInfo(
            name: "CarDistBehind", type: .float, unit: "m", description: "Gap in metres to the nearest car behind the player", range: 0...5000),
        VariableInfo(name: "CarIdxBestLapNum", type: .int, count: 64, description: "Per car: lap number of its best lap", range: -1...100),
        VariableInfo(
            name: "CarIdxBestLapTime", type: .float, count: 64, unit: "s", description: "Per car: best lap time, -1 if none yet", range: -1...600),
        VariableInfo(name: "CarIdxClass", type: .int, count: 64, description: "Per car: car class id, -1 for no car", range: -1...5000),
        VariableInfo(
            name: "CarIdxClassPosition", type: .int, count: 64, description: "Per car: race position within its class, 0 if unplaced", range: 0...64),
        VariableInfo(
            name: "CarIdxEstTime", type: .float, count: 64, unit: "s", description: "Per car: estimated lap time to reach its current track spot",
            range: 0...600),
        VariableInfo(
            name: "CarIdxF2Time", type: .float, count: 64, unit: "s", description: "Per car: gap to the leader in a race, else to the fastest lap",
            range: 0...3600),
        VariableInfo(name: "CarIdxFastRepairsUsed", type: .int, count: 64, description: "Per car: fast repairs used so far", range: 0...20),
        VariableInfo(name: "CarIdxGear", type: .int, count: 64, description: "Per car: gear, -1 reverse, 0 neutral, 1 and up forward", range: -1...8),
        VariableInfo(name: "CarIdxLap", type: .int, count: 64, description: "Per car: laps started, -1 for no car", range: -1...100),
        VariableInfo(name: "CarIdxLapCompleted", type: .int, count: 64, description: "Per car: laps completed, -1 for no car", range: -1...100),
        VariableInfo(
            name: "CarIdxLapDistPct", type: .float, count: 64, unit: "%", description: "Per car: fraction of the lap covered, 0 to 1; -1 for no car",
            range: -1...1),
        VariableInfo(
            name: "CarIdxLastLapTime", type: .float, count: 64, unit: "s", description: "Per car: last lap time, -1 if none yet", range: -1...600),
        VariableInfo(name: "CarIdxOnPitRoad", type: .bool, count: 64, description: "Per car: true while on pit road between the cones"),
        VariableInfo(
            name: "CarIdxP2P_Count", type: .int, count: 64, description: "Per car: push-to-pass uses (remaining, in a race)", range: -1...100),
        VariableInfo(name: "CarIdxP2P_Status", type: .bool, count: 64, description: "Per car: true while push-to-pass is engaged"),
        VariableInfo(
            name: "CarIdxPaceFlags", type: .bitfield, count: 64, unit: "irsdk_PaceFlags",
            description: "Per car: pacing status bits (irsdk_PaceFlags)", range: 0...7),
        VariableInfo(
            name: "CarIdxPaceLine", type: .int, count: 64, description: "Per car: pace line it is lined up in, -1 when not pacing", range: -1...3),
        VariableInfo(
            name: "CarIdxPaceRow", type: .int, count: 64, description: "Per car: pace row it is lined up in, -1 when not pacing", range: -1...32),
        VariableInfo(name: "CarIdxPosition", type: .int, count: 64, description: "Per car: overall race position, 0 if unplaced", range: 0...64),
        VariableInfo(
            name: "CarIdxQualTireCompound", type: .int, count: 64, description: "Per car: tyre compound it qualified on, -1 if none", range: -1...5),
        VariableInfo(
            name: "CarIdxQualTireCompoundLocked", type: .bool, count: 64, description: "Per car: true once its qualifying compound is locked in"),
        VariableInfo(name: "CarIdxRPM", type: .float, count: 64, unit: "revs/min", description: "Per car: engine speed", range: 0...20000),
        VariableInfo(
            name: "CarIdxSessionFlags", type: .bitfield, count: 64, unit: "irsdk_Flags",
            description: "Per car: flags shown to that driver (irsdk_Flags)", range: 0...4294967295),
        VariableInfo(name: "CarIdxSteer", type: .float, count: 64, unit: "rad", description: "Per car: steering wheel angle", range: -7.854...7.854),
        VariableInfo(
            name: "CarIdxTireCompound", type: .int, count: 64, description: "Per car: tyre compound currently fitted, -1 if unknown", range: -1...5),
        VariableInfo(
            name: "CarIdxTrackSurface", type: .int, count: 64, unit: "irsdk_TrkLoc",
            description: "Per car: where it is (irsdk_TrkLoc), -1 not in world", range: -1...3),
        VariableInfo(
            name: "CarIdxTrackSurfaceMaterial", type: .int, count: 64, unit: "irsdk_TrkSurf",
            description: "Per car: surface material under it (irsdk_TrkSurf)", range: -1...27),
        VariableInfo(
            name: "CarLeftRight", type: .int, unit: "irsdk_CarLeftRight", description: "Spotter: cars alongside the player (irsdk_CarLeftRight)",
            range: 0...6),
        VariableInfo(name: "ChanAvgLatency", type: .float, unit: "s", description: "Average network latency to the server", range: 0...1),
        VariableInfo(name: "ChanClockSkew", type: .float, unit: "s", description: "Clock offset between this PC and the server", range: -1...1),
        VariableInfo(name: "ChanLatency", type: .float, unit: "s", description: "Current network latency to the server", range: 0...1),
        VariableInfo(name: "ChanPartnerQuality", type: .float, unit: "%", description: "Link quality seen by the server, 0 to 1", range: 0...1),
        VariableInfo(name: "ChanQuality", type: .float, unit: "%", description: "Link quality to the server, 0 to 1", range: 0...1),
        VariableInfo(
            name: "Clutch", type: .float, unit: "%", description: "Clutch as applied to the drivetrain, 0 open to 1 fully engaged", range: 0...1),
        VariableInfo(
            name: "ClutchRaw", type: .float, unit: "%", description: "Clutch pedal input, 0 pedal down (open) to 1 released (engaged)", range: 0...1),
        VariableInfo(
            name: "CpuUsageBG", type: .float, unit: "%", description: "Share of time the sim background thread is busy, 1 s average", range: 0...1),
        VariableInfo(
            name: "CpuUsageFG", type: .float, unit: "%", description: "Share of time the sim foreground thread is busy, 1 s average", range: 0...1),
        VariableInfo(name: "DCDriversSoFar", type: .int, description: "Team drivers who have driven a stint so far", range: 0...16),
        VariableInfo(name: "DCLapStatus", type: .int, description: "State of the driver-change lap requirement", range: 0...3),
        VariableInfo(name: "DRS_Status", type: .int, unit: " ", description: "Drag reduction system state, 0 unavailable up to 3 open", range: 0...3),
        VariableInfo(name: "DisplayUnits", type: .int, description: "Units the sim shows, 0 imperial, 1 metric", range: 0...1),
        VariableInfo(name: "DriverMarker", type: .bool, description: "True while the driver marker button is held"),
        VariableInfo(
            name: "EnergyBatteryToMGU_KLap", type: .float, unit: "J", description: "Energy sent from the battery to the MGU-K this lap",
            range: 0...4000000),
        VariableInfo(name: "EnergyERSBattery", type: .float, unit: "J", description: "Energy stored in the hybrid (ERS) battery", range: 0...4000000),
        VariableInfo(name: "EnergyERSBatteryPct", type: .float, unit: "%", description: "Hybrid battery charge, 0 empty to 1 full", range: 0...1),
        VariableInfo(
            name: "EnergyMGU_KLapDeployPct", type: .float, unit: "%", description: "MGU-K deployment allowance left this lap, 0 to 1", range: 0...1),
        VariableInfo(name: "Engine0_RPM", type: .float, unit: "revs/min", description: "Engine speed of the first (main) engine", range: 0...20000),
        VariableInfo(
            name: "EngineWarnings", type: .bitfield, unit: "irsdk_EngineWarnings", description: "Warning light bits (irsdk_EngineWarnings)",
            range: 0...511),
        VariableInfo(name: "EnterExitReset", type: .int, description: "What the reset key would do now: 0 enter, 1 exit, 2 reset", range: 0...2),
        VariableInfo(name: "FastRepairAvailable", type: .int, description: "Fast repairs still available; 255 means unlimited", range: 0...255),
        VariableInfo(name: "FastRepairUsed", type: .int, description: "Fast repairs used so far", range: 0...20),
        VariableInfo(name: "FogLevel", type: .float, unit: "%", description: "Fog density at the start/finish line", range: 0...1),
        VariableInfo(name: "FrameRate", type: .float, unit: "fps", description: "Average rendered frames per second", range: 0...300),
        VariableInfo(
            name: "FrontTireSetsAvailable", type: .int, description: "Sets of front tyres still allowed; 255 means unlimited", range: 0...255),
        VariableInfo(name: "FrontTireSetsUsed", type: .int, description: "Sets of front tyres used so far this session", range: 0...50),
        VariableInfo(name: "FuelLevel", type: .float, unit: "l", description: "Fuel left in the tank", range: 0...120),
        VariableInfo(name: "FuelLevelPct", type: .float, unit: "%", description: "Fuel left as a share of tank capacity", range: 0...1),
        VariableInfo(name: "FuelMixture", type: .float, description: "Fuel mixture setting (legacy bridge name)", range: 0...2),
        VariableInfo(name: "FuelPress", type: .float, unit: "bar", description: "Pressure in the engine fuel system", range: 0...300),
        VariableInfo(name: "FuelPressure", type: .float, description: "Engine fuel pressure (legacy bridge name for FuelPress)", range: 0...300),
        VariableInfo(name: "FuelUsePerHour", type: .float, unit: "kg/h", description: "Instantaneous fuel consumption rate", range: 0...100),
        VariableInfo(name: "Gear", type: .int, description: "Selected gear, -1 reverse, 0 neutral, 1 and up forward", range: -1...9),
        VariableInfo(name: "GpuUsage", type: .float, unit: "%", description: "Share of time the GPU is busy, 1 s average", range: 0...1),
        VariableInfo(
            name: "HandbrakeRaw", type: .float, unit: "%", description: "Handbrake as the driver pulls it, 0 released to 1 maximum", range: 0...1),
        VariableInfo(name: "IsDiskLoggingActive", type: .bool, description: "True while a telemetry file is being written to disk"),
        VariableInfo(name: "IsDiskLoggingEnabled", type: .bool, description: "True if disk telemetry logging is switched on"),
        VariableInfo(name: "IsGarageVisible", type: .bool, description: "True while the garage screen is open"),
        VariableInfo(name: "IsInGarage", type: .bool, description: "True while the car is in the garage with physics running"),
        VariableInfo(name: "IsOnTrack", type: .bool, description: "True while the player is in the car on track, physics running"),
        VariableInfo(name: "IsOnTrackCar", type: .bool, description: "True while the car is on track with physics running"),
        VariableInfo(name: "IsReplayPlaying", type: .bool, description: "True while a replay is playing"),
        VariableInfo(name: "LFTiresAvailable", type: .int, description: "Left front tyres still allowed; 255 means unlimited", range: 0...255),
        VariableInfo(name: "LFTiresUsed", type: .int, description: "Left front tyres used so far this session", range: 0...50),
        VariableInfo(name: "LFbrakeLinePress", type: .float, unit: "bar", description: "Left front brake line pressure", range: 0...150),
        VariableInfo(
            name: "LFcoldPressure", type: .float, unit: "kPa", description: "Left front tyre cold pressure, as set in the garage", range: 0...400),
        VariableInfo(name: "LFpressure", type: .float, unit: "kPa", description: "Left front tyre pressure while running", range: 0...400),
        VariableInfo(name: "LFrideHeight", type: .float, unit: "m", description: "Left front ride height", range: 0...0.3),
        VariableInfo(name: "LFshockDefl", type: .float, unit: "m", description: "Left front shock compression (deflection)", range: 0...0.2),
        VariableInfo(name: "LFshockVel", type: .float, unit: "m/s", description: "Left front shock velocity", range: -5...5),
        VariableInfo(name: "LFspeed", type: .float, unit: "m/s", description: "Left front wheel speed", range: 0...100),
        VariableInfo(
            name: "LFtempCL", type: .float, unit: "C", description: "Left front tyre carcass temperature, left of the tread", range: 0...150),
        VariableInfo(
            name: "LFtempCM", type: .float, unit: "C", description: "Left front tyre carcass temperature, middle of the tread", range: 0...150),
        VariableInfo(
            name: "LFtempCR", type: .float, unit: "C", description: "Left front tyre carcass temperature, right of the tread", range: 0...150),
        VariableInfo(name: "LFtempL", type: .float, unit: "C", description: "Left front tyre surface temperature, left of the tread", range: 0...150),
        VariableInfo(
            name: "LFtempM", type: .float, unit: "C", description: "Left front tyre surface temperature, middle of the tread", range: 0...150),
        VariableInfo(
            name: "LFtempR", type: .float, unit: "C", description: "Left front tyre surface temperature, right of the tread", range: 0...150),
        VariableInfo(name: "LFwearL", type: .float, unit: "%", description: "Left front tyre tread remaining on the left, 1 = new", range: 0...1),
        VariableInfo(name: "LFwearM", type: .float, unit: "%", description: "Left front tyre tread remaining on the middle, 1 = new", range: 0...1),
        VariableInfo(name: "LFwearR", type: .float, unit: "%", description: "Left front tyre tread remaining on the right, 1 = new", range: 0...1),
        VariableInfo(name: "LRTiresAvailable", type: .int, description: "Left rear tyres still allowed; 255 means unlimited", range: 0...255),
        VariableInfo(name: "LRTiresUsed", type: .int, description: "Left rear tyres used so far this session", range: 0...50),
        VariableInfo(name: "LRbrakeLinePress", type: .float, unit: "bar", description: "Left rear brake line pressure", range: 0...150),
        VariableInfo(
            name: "LRcoldPressure", type: .float, unit: "kPa", description: "Left rear tyre cold pressure, as set in the garage", range: 0...400),
        VariableInfo(name: "LRpressure", type: .float, unit: "kPa", description: "Left rear tyre pressure while running", range: 0...400),
        VariableInfo(name: "LRrideHeight", type: .float, unit: "m", description: "Left rear ride height", range: 0...0.3),
        VariableInfo(name: "LRshockDefl", type: .float, unit: "m", description: "Left rear shock compression (deflection)", range: 0...0.2),
        VariableInfo(name: "LRshockVel", type: .float, unit: "m/s", description: "Left rear shock velocity", range: -5...5),
        VariableInfo(name: "LRspeed", type: .float, unit: "m/s", description: "Left rear wheel speed", range: 0...100),
        VariableInfo(name: "LRtempCL", type: .float, unit: "C", description: "Left rear tyre carcass temperature, left of the tread", range: 0...150),
        VariableInfo(
            name: "LRtempCM", type: .float, unit: "C", description: "Left rear tyre carcass temperature, middle of the tread", range: 0...150),
        VariableInfo(
            name: "LRtempCR", type: .float, unit: "C", description: "Left rear tyre carcass temperature, right of the tread", range: 0...150),
        VariableInfo(name: "LRtempL", type: .float, unit: "C", description: "Left rear tyre surface temperature, left of the tread", range: 0...150),
        VariableInfo(
            name: "LRtempM", type: .float, unit: "C", description: "Left rear tyre surface temperature, middle of the tread", range: 0...150),
        VariableInfo(name: "LRtempR", type: .float, unit: "C", description: "Left rear tyre surface temperature, right of the tread", range: 0...150),
        VariableInfo(name: "LRwearL", type: .float, unit: "%", description: "Left rear tyre tread remaining on the left, 1 = new", range: 0...1),
        VariableInfo(name: "LRwearM", type: .float, unit: "%", description: "Left rear tyre tread remaining on the middle, 1 = new", range: 0...1),
        VariableInfo(name: "LRwearR", type: .float, unit: "%", description: "Left rear tyre tread remaining on the right, 1 = new", range: 0...1),
        VariableInfo(name: "Lap", type: .int, description: "Laps the player has started", range: 0...100),
        VariableInfo(name: "LapBestLap", type: .int, description: "Lap number of the player's best lap", range: 0...100),
        VariableInfo(name: "LapBestLapTime", type: .float, unit: "s", description: "Fastest lap the player has set this session", range: 0...600),
        VariableInfo(name: "LapBestNLapLap", type: .int, description: "Last lap of the player's best N-lap average run", range: 0...100),
        VariableInfo(name: "LapBestNLapTime", type: .float, unit: "s", description: "Player's best average lap time over N laps", range: 0...600),
        VariableInfo(name: "LapCompleted", type: .int, description: "Laps the player has completed", range: -1...100),
        VariableInfo(
            name: "LapCurrentLapTime", type: .float, unit: "s", description: "Estimated time of the lap in progress (as in the F3 box)",
            range: 0...600),
        VariableInfo(
            name: "LapDeltaToBestLap", type: .float, unit: "s", description: "Time gained (-) or lost (+) against the own best lap", range: -10...10),
        VariableInfo(
            name: "LapDeltaToBestLap_DD", type: .float, unit: "s/s", description: "Rate at which the delta to the own best lap is changing",
            range: -2...2),
        VariableInfo(name: "LapDeltaToBestLap_OK", type: .bool, description: "Whether the delta to the own best lap is currently valid"),
        VariableInfo(
            name: "LapDeltaToOptimalLap", type: .float, unit: "s", description: "Time gained (-) or lost (+) against the own optimal lap",
            range: -10...10),
        VariableInfo(
            name: "LapDeltaToOptimalLap_DD", type: .float, unit: "s/s", description: "Rate at which the delta to the own optimal lap is changing",
            range: -2...2),
        VariableInfo(name: "LapDeltaToOptimalLap_OK", type: .bool, description: "Whether the delta to the own optimal lap is currently valid"),
        VariableInfo(
            name: "LapDeltaToSessionBestLap", type: .float, unit: "s", description: "Time gained (-) or lost (+) against the session best lap",
            range: -10...10),
        VariableInfo(
            name: "LapDeltaToSessionBestLap_DD", type: .float, unit: "s/s",
            description: "Rate at which the delta to the session best lap is changing", range: -2...2),
        VariableInfo(name: "LapDeltaToSessionBestLap_OK", type: .bool, description: "Whether the delta to the session best lap is currently valid"),
        VariableInfo(
            name: "LapDeltaToSessionLastlLap", type: .float, unit: "s", description: "Time gained (-) or lost (+) against the session last lap",
            range: -10...10),
        VariableInfo(
            name: "LapDeltaToSessionLastlLap_DD", type: .float, unit: "s/s",
            description: "Rate at which the delta to the session last lap is changing", range: -2...2),
        VariableInfo(name: "LapDeltaToSessionLastlLap_OK", type: .bool, description: "Whether the delta to the session last lap is currently valid"),
        VariableInfo(
            name: "LapDeltaToSessionOptimalLap", type: .float, unit: "s", description: "Time gained (-) or lost (+) against the session optimal lap",
            range: -10...10),
        VariableInfo(
            name: "LapDeltaToSessionOptimalLap_DD", type: .float, unit: "s/s",
            description: "Rate at which the delta to the session optimal lap is changing", range: -2...2),
        VariableInfo(
            name: "LapDeltaToSessionOptimalLap_OK", type: .bool, description: "Whether the delta to the session optimal lap is currently valid"),
        VariableInfo(
            name: "LapDist", type: .float, unit: "m", description: "Distance covered since the start/finish line this lap", range: 0...25000),
        VariableInfo(name: "LapDistPct", type: .float, unit: "%", description: "Fraction of the lap covered, 0 at the line to 1", range: 0...1),
        VariableInfo(name: "LapLasNLapSeq", type: .int, description: "Clean laps in a row counted towards the N-lap average", range: 0...100),
        VariableInfo(
            name: "LapLastLapTime", type: .float, unit: "s", description: "Time of the player's most recently completed lap", range: 0...600),
        VariableInfo(name: "LapLastNLapTime", type: .float, unit: "s", description: "Player's latest average lap time over N laps", range: 0...600),
        VariableInfo(name: "Lat", type: .double, unit: "deg", description: "Latitude of the car", range: -90...90),
        VariableInfo(name: "LatAccel", type: .float, unit: "m/s^2", description: "Sideways acceleration, gravity included", range: -50...50),
        VariableInfo(
            name: "LatAccel_ST", type: .float, count: 6, unit: "m/s^2", description: "Sideways acceleration, 6 sub-samples at 360 Hz", range: -50...50
        ),
        VariableInfo(
            name: "LeftTireSetsAvailable", type: .int, description: "Sets of left-side tyres still allowed; 255 means unlimited", range: 0...255),
        VariableInfo(name: "LeftTireSetsUsed", type: .int, description: "Sets of left-side tyres used so far this session", range: 0...50),
        VariableInfo(name: "LoadNumTextures", type: .bool, description: "True if the car number textures will be loaded"),
        VariableInfo(name: "Lon", type: .double, unit: "deg", description: "Longitude of the car", range: -180...180),
        VariableInfo(name: "LongAccel", type: .float, unit: "m/s^2", description: "Forward/backward acceleration, gravity included", range: -50...50),
        VariableInfo(
            name: "LongAccel_ST", type: .float, count: 6, unit: "m/s^2", description: "Forward/backward acceleration, 6 sub-samples at 360 Hz",
            range: -50...50),
        VariableInfo(name: "ManifoldPress", type: .float, unit: "bar", description: "Engine intake manifold pressure", range: 0...10),
        VariableInfo(
            name: "ManifoldPressure", type: .float, description: "Engine manifold pressure (legacy bridge name for ManifoldPress)", range: 0...10),
        VariableInfo(name: "ManualBoost", type: .bool, description: "Hybrid manual boost switch state"),
        VariableInfo(name: "ManualNoBoost", type: .bool, description: "Hybrid manual no-boost switch state"),
        VariableInfo(name: "MemPageFaultSec", type: .float, description: "Rate of hard memory page faults in the sim process", range: 0...1000),
        VariableInfo(name: "MemSoftPageFaultSec", type: .float, description: "Rate of soft memory page faults in the sim process", range: 0...500000),
        VariableInfo(name: "OilLevel", type: .float, unit: "l", description: "Engine oil quantity", range: 0...9),
        VariableInfo(name: "OilPress", type: .float, unit: "bar", description: "Oil pressure in the engine", range: 0...100),
        VariableInfo(name: "OilTemp", type: .float, unit: "C", description: "Temperature of the engine oil", range: -40...450),
        VariableInfo(name: "OkToReloadTextures", type: .bool, description: "True when car textures may be reloaded now"),
        VariableInfo(name: "OnPitRoad", type: .bool, description: "True while the player is on pit road between the cones"),
        VariableInfo(name: "P2P_Count", type: .int, description: "Player's push-to-pass uses (remaining, in a race)", range: 0...100),
        VariableInfo(name: "P2P_Status", type: .bool, description: "True while the player's push-to-pass is engaged"),
        VariableInfo(
            name: "PaceMode", type: .int, unit: "irsdk_PaceMode", description: "Current pacing mode (irsdk_PaceMode), 4 = not pacing", range: 0...4),
        VariableInfo(
            name: "PitOptRepairLeft", type: .float, unit: "s", description: "Time left on optional repairs during a pit stop", range: 0...600),
        VariableInfo(name: "PitRepairLeft", type: .float, unit: "s", description: "Time left on mandatory repairs during a pit stop", range: 0...600),
        VariableInfo(
            name: "PitSvFlags", type: .bitfield, unit: "irsdk_PitSvFlags", description: "Pit services requested (irsdk_PitSvFlags)", range: 0...127),
        VariableInfo(
            name: "PitSvFuel", type: .float, unit: "l or kWh", description: "Fuel (or charge, for EVs) to add at the next stop", range: 0...200),
        VariableInfo(name: "PitSvLFP", type: .float, unit: "kPa", description: "Left front tyre pressure to set at the next stop", range: 0...400),
        VariableInfo(name: "PitSvLRP", type: .float, unit: "kPa", description: "Left rear tyre pressure to set at the next stop", range: 0...400),
        VariableInfo(name: "PitSvRFP", type: .float, unit: "kPa", description: "Right front tyre pressure to set at the next stop", range: 0...400),
        VariableInfo(name: "PitSvRRP", type: .float, unit: "kPa", description: "Right rear tyre pressure to set at the next stop", range: 0...400),
        VariableInfo(name: "PitSvTireCompound", type: .int, description: "Tyre compound requested for the next stop", range: 0...5),
        VariableInfo(name: "Pitch", type: .float, unit: "rad", description: "Nose-up/nose-down angle of the car", range: -0.5...0.5),
        VariableInfo(name: "PitchRate", type: .float, unit: "rad/s", description: "Rate of pitch rotation", range: -3.1416...3.1416),
        VariableInfo(
            name: "PitchRate_ST", type: .float, count: 6, unit: "rad/s", description: "Rate of pitch rotation, 6 sub-samples at 360 Hz",
            range: -3.1416...3.1416),
        VariableInfo(name: "PitsOpen", type: .bool, description: "True if the player may make a pit stop now"),
        VariableInfo(name: "PitstopActive", type: .bool, description: "True while the player's car is being serviced"),
        VariableInfo(name: "PlayerCarClass", type: .int, description: "Class id of the player's car", range: 0...5000),
        VariableInfo(name: "PlayerCarClassPosition", type: .int, description: "Player's race position within their class", range: 0...64),
        VariableInfo(
            name: "PlayerCarDriverIncidentCount", type: .int, description: "Incident points of the team's current driver this session", range: 0...100
        ),
        VariableInfo(name: "PlayerCarDryTireSetLimit", type: .int, description: "Dry tyre sets the player may use, 0 if unlimited", range: 0...20),
        VariableInfo(name: "PlayerCarIdx", type: .int, description: "Car index of the player's car", range: 0...63),
        VariableInfo(name: "PlayerCarInPitStall", type: .bool, description: "True when the player's car sits correctly in its pit box"),
        VariableInfo(name: "PlayerCarMyIncidentCount", type: .int, description: "Player's own incident points this session", range: 0...100),
        VariableInfo(
            name: "PlayerCarPitSvStatus", type: .int, unit: "irsdk_PitSvStatus", description: "Pit service progress or error (irsdk_PitSvStatus)",
            range: 0...105),
        VariableInfo(name: "PlayerCarPosition", type: .int, description: "Player's overall race position", range: 0...64),
        VariableInfo(
            name: "PlayerCarPowerAdjust", type: .float, unit: "%", description: "Engine power adjustment applied to the player's car", range: -1...1),
        VariableInfo(
            name: "PlayerCarSLBlinkRPM", type: .float, unit: "revs/min", description: "Engine speed at which the shift lights blink", range: 0...20000
        ),
        VariableInfo(
            name: "PlayerCarSLFirstRPM", type: .float, unit: "revs/min", description: "Engine speed at which the first shift light comes on",
            range: 0...20000),
        VariableInfo(
            name: "PlayerCarSLLastRPM", type: .float, unit: "revs/min", description: "Engine speed at which the last shift light comes on",
            range: 0...20000),
        VariableInfo(name: "PlayerCarSLShiftRPM", type: .float, unit: "revs/min", description: "Engine speed at which to shift up", range: 0...20000),
        VariableInfo(name: "PlayerCarTeamIncidentCount", type: .int, description: "Team's total incident points this session", range: 0...100),
        VariableInfo(
            name: "PlayerCarTowTime", type: .float, unit: "s", description: "Time left on a tow to the pits, 0 when not towing", range: 0...600),
        VariableInfo(
            name: "PlayerCarWeightPenalty", type: .float, unit: "kg", description: "Ballast penalty added to the player's car", range: 0...100),
        VariableInfo(name: "PlayerFastRepairsUsed", type: .int, description: "Fast repairs the player's car has used", range: 0...20),
        VariableInfo(name: "PlayerTireCompound", type: .int, description: "Tyre compound fitted to the player's car", range: 0...5),
        VariableInfo(
            name: "PlayerTrackSurface", type: .int, unit: "irsdk_TrkLoc", description: "Where the player's car is (irsdk_TrkLoc)", range: -1...3),
        VariableInfo(
            name: "PlayerTrackSurfaceMaterial", type: .int, unit: "irsdk_TrkSurf",
            description: "Surface material under the player's car (irsdk_TrkSurf)", range: -1...27),
        VariableInfo(
            name: "PowerMGU_H", type: .float, unit: "W", description: "Mechanical power at the MGU-H, negative when harvesting",
            range: -150000...150000),
        VariableInfo(
            name: "PowerMGU_K", type: .float, unit: "W", description: "Mechanical power at the MGU-K, negative when harvesting",
            range: -150000...150000),
        VariableInfo(name: "Precipitation", type: .float, unit: "%", description: "Rain intensity at the start/finish line, 0 to 1", range: 0...1),
        VariableInfo(name: "PushToPass", type: .bool, description: "True while the push-to-pass button is pressed"),
        VariableInfo(name: "PushToTalk", type: .bool, description: "True while the radio push-to-talk button is pressed"),
        VariableInfo(name: "RFTiresAvailable", type: .int, description: "Right front tyres still allowed; 255 means unlimited", range: 0...255),
        VariableInfo(name: "RFTiresUsed", type: .int, description: "Right front tyres used so far this session", range: 0...50),
        VariableInfo(name: "RFbrakeLinePress", type: .float, unit: "bar", description: "Right front brake line pressure", range: 0...150),
        VariableInfo(
            name: "RFcoldPressure", type: .float, unit: "kPa", description: "Right front tyre cold pressure, as set in the garage", range: 0...400),
        VariableInfo(name: "RFpressure", type: .float, unit: "kPa", description: "Right front tyre pressure while running", range: 0...400),
        VariableInfo(name: "RFrideHeight", type: .float, unit: "m", description: "Right front ride height", range: 0...0.3),
        VariableInfo(name: "RFshockDefl", type: .float, unit: "m", description: "Right front shock compression (deflection)", range: 0...0.2),
        VariableInfo(name: "RFshockVel", type: .float, unit: "m/s", description: "Right front shock velocity", range: -5...5),
        VariableInfo(name: "RFspeed", type: .float, unit: "m/s", description: "Right front wheel speed", range: 0...100),
        VariableInfo(
            name: "RFtempCL", type: .float, unit: "C", description: "Right front tyre carcass temperature, left of the tread", range: 0...150),
        VariableInfo(
            name: "RFtempCM", type: .float, unit: "C", description: "Right front tyre carcass temperature, middle of the tread", range: 0...150),
        VariableInfo(
            name: "RFtempCR", type: .float, unit: "C", description: "Right front tyre carcass temperature, right of the tread", range: 0...150),
        VariableInfo(
            name: "RFtempL", type: .float, unit: "C", description: "Right front tyre surface temperature, left of the tread", range: 0...150),
        VariableInfo(
            name: "RFtempM", type: .float, unit: "C", description: "Right front tyre surface temperature, middle of the tread", range: 0...150),
        VariableInfo(
            name: "RFtempR", type: .float, unit: "C", description: "Right front tyre surface temperature, right of the tread", range: 0...150),
        VariableInfo(name: "RFwearL", type: .float, unit: "%", description: "Right front tyre tread remaining on the left, 1 = new", range: 0...1),
        VariableInfo(name: "RFwearM", type: .float, unit: "%", description: "Right front tyre tread remaining on the middle, 1 = new", range: 0...1),
        VariableInfo(name: "RFwearR", type: .float, unit: "%", description: "Right front tyre tread remaining on the right, 1 = new", range: 0...1),
        VariableInfo(name: "ROLLFshockDefl", type: .float, unit: "m", description: "Front roll damper deflection", range: -0.05...0.05),
        VariableInfo(
            name: "ROLLFshockDefl_ST", type: .float, count: 6, unit: "m", description: "Front roll damper deflection, 6 sub-samples at 360 Hz",
            range: -0.05...0.05),
        VariableInfo(name: "ROLLFshockVel", type: .float, unit: "m/s", description: "Front roll damper velocity", range: -5...5),
        VariableInfo(
            name: "ROLLFshockVel_ST", type: .float, count: 6, unit: "m/s", description: "Front roll damper velocity, 6 sub-samples at 360 Hz",
            range: -5...5),
        VariableInfo(name: "ROLLRshockDefl", type: .float, unit: "m", description: "Rear roll damper deflection", range: -0.05...0.05),
        VariableInfo(
            name: "ROLLRshockDefl_ST", type: .float, count: 6, unit: "m", description: "Rear roll damper deflection, 6 sub-samples at 360 Hz",
            range: -0.05...0.05),
        VariableInfo(name: "ROLLRshockVel", type: .float, unit: "m/s", description: "Rear roll damper velocity", range: -5...5),
        VariableInfo(
            name: "ROLLRshockVel_ST", type: .float, count: 6, unit: "m/s", description: "Rear roll damper velocity, 6 sub-samples at 360 Hz",
            range: -5...5),
        VariableInfo(name: "RPM", type: .float, unit: "revs/min", description: "Engine speed", range: 0...15000),
        VariableInfo(name: "RRTiresAvailable", type: .int, description: "Right rear tyres still allowed; 255 means unlimited", range: 0...255),
        VariableInfo(name: "RRTiresUsed", type: .int, description: "Right rear tyres used so far this session", range: 0...50),
        VariableInfo(name: "RRbrakeLinePress", type: .float, unit: "bar", description: "Right rear brake line pressure", range: 0...150),
        VariableInfo(
            name: "RRcoldPressure", type: .float, unit: "kPa", description: "Right rear tyre cold pressure, as set in the garage", range: 0...400),
        VariableInfo(name: "RRpressure", type: .float, unit: "kPa", description: "Right rear tyre pressure while running", range: 0...400),
        VariableInfo(name: "RRrideHeight", type: .float, unit: "m", description: "Right rear ride height", range: 0...0.3),
        VariableInfo(name: "RRshockDefl", type: .float, unit: "m", description: "Right rear shock compression (deflection)", range: 0...0.2),
        VariableInfo(name: "RRshockVel", type: .float, unit: "m/s", description: "Right rear shock velocity", range: -5...5),
        VariableInfo(name: "RRspeed", type: .float, unit: "m/s", description: "Right rear wheel speed", range: 0...100),
        VariableInfo(
            name: "RRtempCL", type: .float, unit: "C", description: "Right rear tyre carcass temperature, left of the tread", range: 0...150),
        VariableInfo(
            name: "RRtempCM", type: .float, unit: "C", description: "Right rear tyre carcass temperature, middle of the tread", range: 0...150),
        VariableInfo(
            name: "RRtempCR", type: .float, unit: "C", description: "Right rear tyre carcass temperature, right of the tread", range: 0...150),
        VariableInfo(name: "RRtempL", type: .float, unit: "C", description: "Right rear tyre surface temperature, left of the tread", range: 0...150),
        VariableInfo(
            name: "RRtempM", type: .float, unit: "C", description: "Right rear tyre surface temperature, middle of the tread", range: 0...150),
        VariableInfo(
            name: "RRtempR", type: .float, unit: "C", description: "Right rear tyre surface temperature, right of the tread", range: 0...150),
        VariableInfo(name: "RRwearL", type: .float, unit: "%", description: "Right rear tyre tread remaining on the left, 1 = new", range: 0...1),
        VariableInfo(name: "RRwearM", type: .float, unit: "%", description: "Right rear tyre tread remaining on the middle, 1 = new", range: 0...1),
        VariableInfo(name: "RRwearR", type: .float, unit: "%", description: "Right rear tyre tread remaining on the right, 1 = new", range: 0...1),
        VariableInfo(name: "RaceLaps", type: .int, description: "Laps completed in the race so far", range: 0...100),
        VariableInfo(
            name: "RadioTransmitCarIdx", type: .int, description: "Car index of whoever is talking on the radio, -1 if nobody", range: -1...63),
        VariableInfo(name: "RadioTransmitFrequencyIdx", type: .int, description: "Radio frequency index of the current speaker", range: 0...100),
        VariableInfo(name: "RadioTransmitRadioIdx", type: .int, description: "Radio index of the current speaker", range: 0...16),
        VariableInfo(name: "RearTireSetsAvailable", type: .int, description: "Sets of rear tyres still allowed; 255 means unlimited", range: 0...255),
        VariableInfo(name: "RearTireSetsUsed", type: .int, description: "Sets of rear tyres used so far this session", range: 0...50),
        VariableInfo(name: "RelativeHumidity", type: .float, unit: "%", description: "Relative humidity at the start/finish line", range: 0...1),
        VariableInfo(name: "ReplayFrameNum", type: .int, description: "Replay position in frames from the start (60 per second)", range: 0...5184000),
        VariableInfo(
            name: "ReplayFrameNumEnd", type: .int, description: "Replay position in frames back from the end of the tape", range: 0...5184000),
        VariableInfo(name: "ReplayPlaySlowMotion", type: .bool, description: "True while the replay plays in slow motion"),
        VariableInfo(name: "ReplayPlaySpeed", type: .int, description: "How fast the replay runs, as a multiple of real time", range: -16...16),
        VariableInfo(name: "ReplaySessionNum", type: .int, description: "Session number the replay is showing", range: 0...10),
        VariableInfo(
            name: "ReplaySessionTime", type: .double, unit: "s", description: "Time since the start of the replayed session", range: 0...86400),
        VariableInfo(
            name: "RightTireSetsAvailable", type: .int, description: "Sets of right-side tyres still allowed; 255 means unlimited", range: 0...255),
        VariableInfo(name: "RightTireSetsUsed", type: .int, description: "Sets of right-side tyres used so far this session", range: 0...50),
        VariableInfo(name: "Roll", type: .float, unit: "rad", description: "Side-to-side tilt of the car", range: -0.5...0.5),
        VariableInfo(name: "RollRate", type: .float, unit: "rad/s", description: "Rate of roll rotation", range: -3.1416...3.1416),
        VariableInfo(
            name: "RollRate_ST", type: .float, count: 6, unit: "rad/s", description: "Rate of roll rotation, 6 sub-samples at 360 Hz",
            range: -3.1416...3.1416),
        VariableInfo(
            name: "SessionFlags", type: .bitfield, unit: "irsdk_Flags", description: "Flags currently shown in the session (irsdk_Flags)",
            range: 0...4294967295),
        VariableInfo(name: "SessionJokerLapsRemain", type: .int, description: "Joker laps the player still has to take", range: 0...10),
        VariableInfo(
            name: "SessionLapsRemain", type: .int, description: "Laps left in the session (older count; prefer the Ex one)", range: 0...32767),
        VariableInfo(name: "SessionLapsRemainEx", type: .int, description: "Laps left in the session; 32767 means unlimited", range: 0...32767),
        VariableInfo(name: "SessionLapsTotal", type: .int, description: "Laps in the session; 32767 means unlimited", range: 0...32767),
        VariableInfo(name: "SessionNum", type: .int, description: "Number of the current session in the event", range: 0...10),
        VariableInfo(name: "SessionOnJokerLap", type: .bool, description: "True while the player is driving a joker lap"),
        VariableInfo(
            name: "SessionState", type: .int, unit: "irsdk_SessionState",
            description: "Phase the session is in, e.g. warm-up, racing (irsdk_SessionState)", range: 0...6),
        VariableInfo(name: "SessionTick", type: .int, description: "Simulation update counter", range: 0...5184000),
        VariableInfo(name: "SessionTime", type: .double, unit: "s", description: "Time since the session started", range: 0...86400),
        VariableInfo(
            name: "SessionTimeOfDay", type: .float, unit: "s", description: "Time of day at the track, seconds after midnight", range: 0...86400),
        VariableInfo(
            name: "SessionTimeRemain", type: .double, unit: "s", description: "Time left in the session; 604800 means unlimited", range: 0...604800),
        VariableInfo(
            name: "SessionTimeTotal", type: .double, unit: "s", description: "Full length of the session; 604800 means unlimited", range: 0...604800),
        VariableInfo(name: "SessionUniqueID", type: .int, description: "Id that changes whenever a new session begins", range: 0...100),
        VariableInfo(name: "ShiftGrindRPM", type: .float, unit: "RPM", description: "Engine speed of the gear-grinding sound", range: 5000...9000),
        VariableInfo(
            name: "ShiftIndicatorPct", type: .float, unit: "%", description: "Shift light fill, 0 to 1 (deprecated, see PlayerCarSL*)", range: 0...1),
        VariableInfo(
            name: "ShiftPowerPct", type: .float, unit: "%", description: "Friction torque on the gears while shifting or grinding", range: 0...1),
        VariableInfo(name: "Skies", type: .int, description: "Sky cover: 0 clear, 1 partly, 2 mostly cloudy, 3 overcast", range: 0...4),
        VariableInfo(name: "SolarAltitude", type: .float, unit: "rad", description: "Height of the sun above the horizon", range: -1.5708...1.5708),
        VariableInfo(name: "SolarAzimuth", type: .float, unit: "rad", description: "Bearing of the sun, clockwise from north", range: 0...6.2832),
        VariableInfo(name: "Speed", type: .float, unit: "m/s", description: "Speed of the car over the ground", range: 0...100),
        VariableInfo(
            name: "SteeringWheelAngle", type: .float, unit: "rad", description: "How far the steering wheel is turned", range: -3.1416...3.1416),
        VariableInfo(
            name: "SteeringWheelAngleMax", type: .float, unit: "rad", description: "Largest steering wheel angle the car allows", range: 0...16),
        VariableInfo(
            name: "SteeringWheelLimiter", type: .float, unit: "%", description: "Force feedback limiter strength, damps hits and oscillation",
            range: 0...1),
        VariableInfo(
            name: "SteeringWheelMaxForceNm", type: .float, unit: "N*m", description: "Force feedback strength slider setting", range: 0...100),
        VariableInfo(
            name: "SteeringWheelPctDamper", type: .float, unit: "%", description: "Force feedback damping as a share of maximum", range: 0...1),
        VariableInfo(
            name: "SteeringWheelPctIntensity", type: .float, unit: "%", description: "Force feedback intensity as a share of maximum", range: 0...1),
        VariableInfo(
            name: "SteeringWheelPctSmoothing", type: .float, unit: "%", description: "Force feedback smoothing as a share of maximum", range: 0...1),
        VariableInfo(
            name: "SteeringWheelPctTorque", type: .float, unit: "%", description: "Steering shaft torque as a share of maximum, unsigned",
            range: 0...1),
        VariableInfo(
            name: "SteeringWheelPctTorqueSign", type: .float, unit: "%", description: "Steering shaft torque as a share of maximum, signed",
            range: -1...1),
        VariableInfo(
            name: "SteeringWheelPctTorqueSignStops", type: .float, unit: "%", description: "Signed steering torque share, including the lock stops",
            range: -1...1),
        VariableInfo(
            name: "SteeringWheelPeakForceNm", type: .float, unit: "N*m", description: "Torque that maps to full force feedback output", range: 0...100
        ),
        VariableInfo(
            name: "SteeringWheelTorque", type: .float, unit: "N*m", description: "Torque the sim puts on the steering shaft", range: -200...200),
        VariableInfo(
            name: "SteeringWheelTorque_ST", type: .float, count: 6, unit: "N*m", description: "Steering shaft torque, 6 sub-samples at 360 Hz",
            range: -200...200),
        VariableInfo(name: "SteeringWheelUseLinear", type: .bool, description: "True if force feedback is in linear mode"),
        VariableInfo(name: "Throttle", type: .float, unit: "%", description: "Throttle the engine gets, 0 released to 1 fully pressed", range: 0...1),
        VariableInfo(
            name: "ThrottleRaw", type: .float, unit: "%", description: "Throttle pedal as the driver presses it, 0 released to 1 full", range: 0...1),
        VariableInfo(
            name: "TireLF_RumblePitch", type: .float, unit: "Hz", description: "Pitch of the left front tyre rumble-strip sound", range: 0...500),
        VariableInfo(
            name: "TireLR_RumblePitch", type: .float, unit: "Hz", description: "Pitch of the left rear tyre rumble-strip sound", range: 0...500),
        VariableInfo(
            name: "TireRF_RumblePitch", type: .float, unit: "Hz", description: "Pitch of the right front tyre rumble-strip sound", range: 0...500),
        VariableInfo(
            name: "TireRR_RumblePitch", type: .float, unit: "Hz", description: "Pitch of the right rear tyre rumble-strip sound", range: 0...500),
        VariableInfo(name: "TireSetsAvailable", type: .int, description: "Full tyre sets still allowed; 255 means unlimited", range: 0...255),
        VariableInfo(name: "TireSetsUsed", type: .int, description: "Full tyre sets used so far this session", range: 0...50),
        VariableInfo(
            name: "TorqueMGU_K", type: .float, unit: "Nm", description: "Mechanical torque at the MGU-K, negative when harvesting", range: -300...300),
        VariableInfo(
            name: "TrackTemp", type: .float, unit: "C", description: "Track temperature (deprecated, same as TrackTempCrew)", range: -40...50),
        VariableInfo(
            name: "TrackTempCrew", type: .float, unit: "C", description: "Track surface temperature as measured by the crew", range: -40...50),
        VariableInfo(
            name: "TrackWetness", type: .int, unit: "irsdk_TrackWetness", description: "Average wetness of the track (irsdk_TrackWetness)",
            range: 0...7),
        VariableInfo(name: "VelocityX", type: .float, unit: "m/s", description: "Car velocity along its forward axis", range: -10...100),
        VariableInfo(
            name: "VelocityX_ST", type: .float, count: 6, unit: "m/s at 360 Hz",
            description: "Velocity along the forward axis, 6 sub-samples at 360 Hz", range: -100...100),
        VariableInfo(name: "VelocityY", type: .float, unit: "m/s", description: "Car velocity along its sideways axis", range: -20...20),
        VariableInfo(
            name: "VelocityY_ST", type: .float, count: 6, unit: "m/s at 360 Hz",
            description: "Velocity along the sideways axis, 6 sub-samples at 360 Hz", range: -100...100),
        VariableInfo(name: "VelocityZ", type: .float, unit: "m/s", description: "Car velocity along its vertical axis", range: -20...20),
        VariableInfo(
            name: "VelocityZ_ST", type: .float, count: 6, unit: "m/s at 360 Hz",
            description: "Velocity along the vertical axis, 6 sub-samples at 360 Hz", range: -100...100),
        VariableInfo(name: "VertAccel", type: .float, unit: "m/s^2", description: "Vertical acceleration, gravity included", range: -10...10),
        VariableInfo(
            name: "VertAccel_ST", type: .float, count: 6, unit: "m/s^2", description: "Vertical acceleration, 6 sub-samples at 360 Hz",
            range: -50...50),
        VariableInfo(name: "VidCapActive", type: .bool, description: "True while video is being recorded"),
        VariableInfo(name: "VidCapEnabled", type: .bool, description: "True if the video capture system is on"),
        VariableInfo(name: "Voltage", type: .float, unit: "V", description: "Electrical system voltage", range: 11...15),
        VariableInfo(name: "WaterLevel", type: .float, unit: "l", description: "Engine coolant quantity", range: 0...10),
        VariableInfo(name: "WaterTemp", type: .float, unit: "C", description: "Temperature of the engine coolant", range: -40...150),
        VariableInfo(name: "WeatherDeclaredWet", type: .bool, description: "True once race control allows wet tyres"),
        VariableInfo(name: "WeatherType", type: .int, description: "Weather model: 0 constant, 1 dynamic", range: 0...1),
        VariableInfo(
            name: "WindDir", type: .float, unit: "rad", description: "Wind direction at the start/finish line", range: 0...6.283185307179586),
        VariableInfo(name: "WindVel", type: .float, unit: "m/s", description: "Wind speed at the start/finish line", range: 0...30),
        VariableInfo(name: "Yaw", type: .float, unit: "rad", description: "Heading of the car", range: -3.1416...3.1416),
        VariableInfo(
            name: "YawNorth", type: .float, unit: "rad", description: "Heading of the car relative to true north", range: 0...6.283185307179586),
        VariableInfo(name: "YawRate", type: .float, unit: "rad/s", description: "Rate of yaw (turning) rotation", range: -3.1416...3.1416),
        VariableInfo(
            name: "YawRate_ST", type: .float, count: 6, unit: "rad/s", description: "Rate of yaw rotation, 6 sub-samples at 360 Hz",
            range: -3.1416...3.1416),
        VariableInfo(name: "dcABS", type: .float, description: "In-car ABS setting", range: 0...20),
        VariableInfo(name: "dcAntiRollFront", type: .float, description: "In-car front anti-roll bar setting", range: 0...20),
        VariableInfo(name: "dcAntiRollRear", type: .float, description: "In-car rear anti-roll bar setting", range: 0...20),
        VariableInfo(name: "dcBoostLevel", type: .float, description: "In-car boost level setting", range: 0...20),
        VariableInfo(name: "dcBrakeBias", type: .float, description: "In-car brake bias setting, usually the front share in %", range: 0...100),
        VariableInfo(name: "dcBrakeBiasFine", type: .float, description: "In-car fine brake bias setting", range: -10...10),
        VariableInfo(name: "dcBrakeMisc", type: .float, description: "In-car miscellaneous brake setting", range: 0...20),
        VariableInfo(name: "dcDRSToggle", type: .bool, description: "In-car DRS button"),
        VariableInfo(name: "dcDashPage", type: .float, description: "In-car dashboard page selection", range: 0...20),
        VariableInfo(name: "dcDiffEntry", type: .float, description: "In-car differential setting for corner entry", range: 0...20),
        VariableInfo(name: "dcDiffExit", type: .float, description: "In-car differential setting for corner exit", range: 0...20),
        VariableInfo(name: "dcDiffMiddle", type: .float, description: "In-car differential setting for mid-corner", range: 0...20),
        VariableInfo(name: "dcEngineBraking", type: .float, description: "In-car engine braking setting", range: 0...20),
        VariableInfo(name: "dcEnginePower", type: .float, description: "In-car engine power setting", range: 0...20),
        VariableInfo(name: "dcFuelMixture", type: .float, description: "In-car fuel mixture setting", range: 0...20),
        VariableInfo(name: "dcMGUKDeployMode", type: .float, description: "In-car MGU-K deployment mode", range: 0...10),
        VariableInfo(name: "dcPeakBrakeBias", type: .float, description: "In-car peak brake bias setting", range: 0...20),
        VariableInfo(name: "dcPitSpeedLimiterToggle", type: .bool, description: "In-car pit speed limiter switch"),
        VariableInfo(name: "dcRevLimiter", type: .float, description: "In-car rev limiter setting", range: 0...20),
        VariableInfo(name: "dcStarter", type: .bool, description: "In-car starter button"),
        VariableInfo(name: "dcTearOffVisor", type: .bool, description: "In-car visor tear-off button"),
        VariableInfo(name: "dcThrottleShape", type: .float, description: "In-car throttle map setting", range: 0...20),
        VariableInfo(name: "dcTractionControl", type: .float, description: "In-car traction control setting", range: 0...20),
        VariableInfo(name: "dcTractionControl2", type: .float, description: "In-car second traction control setting", range: 0...20),
        VariableInfo(name: "dcTractionControlToggle", type: .bool, description: "In-car traction control on/off switch"),
        VariableInfo(name: "dcWeightJackerLeft", type: .float, description: "In-car left weight jacker setting", range: 0...20),
        VariableInfo(name: "dcWeightJackerRight", type: .float, description: "In-car right weight jacker setting", range: 0...20),
        VariableInfo(name: "dcWingFront", type: .float, description: "In-car front wing setting", range: 0...20),
        VariableInfo(name: "dcWingRear", type: .float, description: "In-car rear wing setting", range: 0...20),
        VariableInfo(name: "dpFNOMKnobSetting", type: .float, description: "Pit stop change to the front flap", range: 0...20),
        VariableInfo(name: "dpFUFangleIndex", type: .float, description: "Pit stop change to the front upper flap", range: 0...20),
        VariableInfo(name: "dpFWingAngle", type: .float, description: "Pit stop change to the front wing angle", range: 0...20),
        VariableInfo(name: "dpFWingIndex", type: .float, description: "Pit stop change to the front wing setting", range: 0...20),
        VariableInfo(name: "dpFastRepair", type: .float, description: "Pit stop: fast repair requested (1) or not (0)", range: 0...1),
        VariableInfo(name: "dpFuelAddKg", type: .float, unit: "kg", description: "Pit stop: fuel to add, by mass", range: 0...150),
        VariableInfo(name: "dpFuelAutoFillActive", type: .float, description: "Pit stop: auto fuel fill armed for the next stop (1/0)", range: 0...1),
        VariableInfo(name: "dpFuelAutoFillEnabled", type: .float, description: "Pit stop: auto fuel fill system available (1/0)", range: 0...1),
        VariableInfo(name: "dpFuelFill", type: .float, description: "Pit stop: refuelling requested (1) or not (0)", range: 0...1),
        VariableInfo(
            name: "dpLFTireColdPress", type: .float, unit: "Pa", description: "Pit stop: left front tyre cold pressure to set", range: 0...400),
        VariableInfo(
            name: "dpLRTireColdPress", type: .float, unit: "Pa", description: "Pit stop: left rear tyre cold pressure to set", range: 0...400),
        VariableInfo(name: "dpLrWedgeAdj", type: .float, description: "Pit stop change to the left rear spring offset", range: -10...10),
        VariableInfo(name: "dpPSSetting", type: .float, description: "Pit stop change to the power steering", range: 0...10),
        VariableInfo(name: "dpQtape", type: .float, description: "Pit stop change to the grille tape", range: 0...100),
        VariableInfo(name: "dpRBarSetting", type: .float, description: "Pit stop change to the rear anti-roll bar", range: 0...20),
        VariableInfo(
            name: "dpRFTireColdPress", type: .float, unit: "Pa", description: "Pit stop: right front tyre cold pressure to set", range: 0...400),
        VariableInfo(
            name: "dpRFTruckarmP1Dz", type: .float, description: "Pit stop change to the right front truck-arm mount height", range: -0.1...0.1),
        VariableInfo(
            name: "dpRRDamperPerchOffsetm", type: .float, description: "Pit stop change to the right rear damper perch offset", range: -0.1...0.1),
        VariableInfo(
            name: "dpRRTireColdPress", type: .float, unit: "Pa", description: "Pit stop: right rear tyre cold pressure to set", range: 0...400),
        VariableInfo(name: "dpRWingAngle", type: .float, description: "Pit stop change to the rear wing angle", range: 0...20),
        VariableInfo(name: "dpRWingIndex", type: .float, description: "Pit stop change to the rear wing setting", range: 0...20),
        VariableInfo(name: "dpRWingSetting", type: .float, description: "Pit stop change to the rear wing", range: 0...20),
        VariableInfo(name: "dpRrPerchOffsetm", type: .float, description: "Pit stop change to the right rear spring perch offset", range: -0.1...0.1),
        VariableInfo(name: "dpRrWedgeAdj", type: .float, description: "Pit stop change to the right rear spring offset", range: -10...10),
        VariableInfo(name: "dpTireChange", type: .float, description: "Pit stop: change all tyres (1) or not (0)", range: 0...1),
        VariableInfo(name: "dpTruckarmP1Dz", type: .float, description: "Pit stop change to the truck-arm mount height", range: -0.1...0.1),
        VariableInfo(name: "dpWedgeAdj", type: .float, description: "Pit stop change to the wedge (cross weight)", range: -10...10),
        VariableInfo(name: "dpWingFront", type: .float, description: "Pit stop change to the front wing", range: 0...20),
    ]
}
