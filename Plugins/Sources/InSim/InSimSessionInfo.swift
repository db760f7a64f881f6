import BrokerCore

/// The session info tree, shaped like iRacing's so clients reading `WeekendInfo`, `SessionInfo` and
/// `DriverInfo.Drivers[].CarIdx` work unchanged; LFS-only facts sit beside them under their own keys.
extension InSimSession {
    func sessionInfoDocument() -> JSONValue {
        .object([
            ("WeekendInfo", weekendInfo()),
            ("SessionInfo", .object([("Sessions", .array([currentSession()]))])),
            ("DriverInfo", driverInfo()),
            (
                "ConnectionInfo",
                .object([("Connections", .array(connections.values.sorted { $0.connectionID < $1.connectionID }.map(connectionEntry)))])
            ),
        ])
    }

    private func weekendInfo() -> JSONValue {
        var fields: [(String, JSONValue)] = []
        if let track = facts.track {
            fields += [
                ("TrackName", .string(track)), ("TrackDisplayName", .string(LFSTrackName.venue(of: track) ?? track)),
                ("TrackConfigName", .string(LFSTrackName.configuration(of: track))), ("TrackReversed", .bool(LFSTrackName.isReversed(track))),
            ]
        }
        if let raceStart = facts.currentRaceStart {
            // Only the node facts need path nodes; the race settings hold for every layout.
            if facts.nodes != nil {
                let splits = [raceStart.split1Node, raceStart.split2Node, raceStart.split3Node].prefix(Int(raceStart.timing & 0x03))
                fields += [
                    ("TrackNumNodes", .int(Int64(raceStart.numberOfNodes))), ("TrackFinishNode", .int(Int64(raceStart.finishNode))),
                    ("TrackSplitNodes", .array(splits.map { .int(Int64($0)) })),
                ]
            }
            let timing: String
            switch raceStart.timing & 0xC0 {
            case 0x40: timing = "standard"
            case 0x80: timing = "custom"
            default: timing = "none"
            }
            fields += [
                ("LapTiming", .string(timing)), ("NumCheckpoints", .int(Int64(raceStart.timing & 0x03))),
                ("RaceFlags", .int(Int64(raceStart.flags))),
            ]
        }
        if let weather = facts.state?.weather ?? facts.raceStart?.weather { fields.append(("Weather", .int(Int64(weather)))) }
        if let wind = facts.state?.wind ?? facts.raceStart?.wind {
            let names = ["off", "weak", "strong"]
            fields.append(("Wind", .string(names.indices.contains(Int(wind)) ? names[Int(wind)] : "unknown")))
        }
        if let state = facts.state {
            fields += [
                ("NumConnections", .int(Int64(state.numberOfConnections))), ("NumPlayers", .int(Int64(state.numberOfPlayers))),
                ("Multiplayer", .bool(state.flags & InSimState.flagMultiplayer != 0)),
            ]
        }
        if let multiplayer = facts.multiplayer, !multiplayer.hostName.bytes.isEmpty {
            fields += [
                ("HostName", .string(multiplayer.hostName.plain)), ("HostNameRaw", .string(multiplayer.hostName.withCodes)),
                ("IsHost", .bool(multiplayer.isHost)),
            ]
        }
        if let version = facts.version {
            fields += [
                ("SimVersion", .string(version.version)), ("SimProduct", .string(version.product)),
                ("InSimVersion", .int(Int64(version.insimVersion))),
            ]
        }
        return .object(fields)
    }

    private func currentSession() -> JSONValue {
        var fields: [(String, JSONValue)] = [("SessionNum", .int(0))]
        let inProgress = facts.state?.raceInProgress ?? 0
        switch (inProgress, facts.raceLength, facts.qualifyingMinutes) {
        case (2, _, let minutes?), (_, nil, let minutes?):
            fields += [
                ("SessionType", .string("Qualify")), ("SessionLaps", .string("unlimited")), ("SessionTime", .string("\(minutes * 60).0000 sec")),
            ]
        case (_, .laps(let laps)?, _):
            fields += [("SessionType", .string("Race")), ("SessionLaps", .string("\(laps)")), ("SessionTime", .string("unlimited"))]
        case (_, .hours(let hours)?, _):
            fields += [("SessionType", .string("Race")), ("SessionLaps", .string("unlimited")), ("SessionTime", .string("\(hours * 3600).0000 sec"))]
        case (_, .practice?, _), (_, .noLapTiming?, _):
            fields += [("SessionType", .string("Practice")), ("SessionLaps", .string("unlimited")), ("SessionTime", .string("unlimited"))]
        default:
            fields += [
                ("SessionType", .string(inProgress == 0 ? "None" : "Race")), ("SessionLaps", .string("unlimited")),
                ("SessionTime", .string("unlimited")),
            ]
        }
        fields.append(("RaceInProgress", .int(Int64(inProgress))))
        return .object(fields)
    }

    private func driverInfo() -> JSONValue {
        let local = players.values.filter { !$0.isRemote && !$0.isAI }.min { $0.slot < $1.slot }
        let drivers = players.values.sorted { $0.slot < $1.slot }.map(driverEntry)
        return .object([("DriverCarIdx", .int(Int64(local?.slot ?? -1))), ("Drivers", .array(drivers))])
    }

    private func driverEntry(_ player: PlayerRecord) -> JSONValue {
        let connection = connections[player.connectionID]
        return .object([
            ("CarIdx", .int(Int64(player.slot))), ("UserName", .string(player.name.plain)), ("UserNameRaw", .string(player.name.withCodes)),
            ("LFSUserName", connection.map { .string($0.userName.plain) } ?? .null), ("PLID", .int(Int64(player.playerID))),
            ("UCID", .int(Int64(player.connectionID))), ("CarScreenName", .string(player.car)), ("CarScreenNameShort", .string(player.car)),
            ("CarPath", .string(player.car)), ("CarSkinName", .string(player.skinName)), ("Plate", .string(player.plate.plain)),
            ("PlateRaw", .string(player.plate.withCodes)), ("CarIsAI", .int(player.isAI ? 1 : 0)), ("IsSpectator", .int(0)),
            ("IsRemote", .bool(player.isRemote)), ("InGarage", .bool(player.inGarage)), ("AddedMass", .int(Int64(player.addedMass))),
            ("IntakeRestriction", .int(Int64(player.intakeRestriction))), ("Tyres", .array(player.tyres.all.map { .int(Int64($0)) })),
        ])
    }

    private func connectionEntry(_ connection: ConnectionRecord) -> JSONValue {
        .object([
            ("UCID", .int(Int64(connection.connectionID))), ("UserName", .string(connection.userName.plain)),
            ("PlayerName", .string(connection.playerName.plain)), ("PlayerNameRaw", .string(connection.playerName.withCodes)),
            ("Admin", .bool(connection.isAdmin)), ("Remote", .bool(connection.isRemote)),
        ])
    }
}
