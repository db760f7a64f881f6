/// A scripted LFS race for the fake host: a host connection, 20 remote drivers (more than one MCI
/// packet holds), the state, race start and multiplayer replies the source asks for at start.
public enum LFSRaceScript {
    public static let track = "BL1"
    public static let nodes: UInt16 = 400
    public static let finishNode: UInt16 = 100
    public static let laps: UInt8 = 5
    public static let playerIDs: [UInt8] = Array(11...30)
    public static let viewedPlayer: UInt8 = 12

    public static func connectionID(of playerID: UInt8) -> UInt8 { playerID - 10 }

    /// Driver 13 has a Czech name in code page 1250; the rest have a colour code.
    public static func nameBytes(of playerID: UInt8) -> [UInt8] {
        playerID == 13 ? Array("^EJi".utf8) + [0xF8, 0xED] : Array("^4Driver \(playerID)".utf8)
    }

    public static func plainName(of playerID: UInt8) -> String { playerID == 13 ? "Jiří" : "Driver \(playerID)" }

    /// Driver 30 drives a mod (SkinID 0x5882E6); the rest an XRT.
    public static func carBytes(of playerID: UInt8) -> [UInt8] { playerID == 30 ? [0xE6, 0x82, 0x58, 0x00] : Array("XRT".utf8) + [0] }

    public static var hostResponses: [UInt8: [[UInt8]]] {
        var connections = [
            LFSPacket.newConnection(ucid: 0, userName: "host", playerName: Array("^7Host".utf8), admin: true, total: 21, remote: false)
        ]
        connections += playerIDs.map {
            LFSPacket.newConnection(ucid: connectionID(of: $0), userName: "user\(connectionID(of: $0))", playerName: nameBytes(of: $0), total: 21)
        }
        let players = playerIDs.map {
            LFSPacket.newPlayer(
                plid: $0, ucid: connectionID(of: $0), playerName: nameBytes(of: $0), plate: "P\($0)", car: carBytes(of: $0),
                players: UInt8(playerIDs.count))
        }
        return [
            7 /* TINY_SST */: [
                LFSPacket.state(
                    viewPlayerID: viewedPlayer, players: UInt8(playerIDs.count), connections: 21, raceLaps: laps, track: track, weather: 1, wind: 2)
            ],
            19 /* TINY_RST */: [LFSPacket.raceStart(raceLaps: laps, players: UInt8(playerIDs.count), track: track, nodes: nodes, finish: finishNode)],
            10 /* TINY_ISM */: [LFSPacket.multiplayer(isHost: true, hostName: "^1Test ^7Host")],
            13 /* TINY_NCN */: connections,
            14 /* TINY_NPL */: players,
        ]
    }

    /// The car of `playerID` in MCI set number `step`: every value differs per car and per step.
    public static func car(_ playerID: UInt8, step: Int) -> LFSPacket.Car {
        let index = Int(playerID) - 11
        return LFSPacket.Car(
            plid: playerID, node: UInt16((Int(finishNode) + index * 10 + step) % Int(nodes)), lap: UInt16(2 + step), position: UInt8(20 - index),
            x: Int32(index * 10 + step) * 65536, y: Int32(-index * 5) * 65536, z: 65536 / 2, speed: UInt16(index * 1000 + 500 + step),
            heading: UInt16(index * 1500), angularVelocity: Int16(index - 10))
    }

    public static func multiCarInfoSet(step: Int) -> [[UInt8]] { LFSPacket.multiCarInfoSet(playerIDs.map { car($0, step: step) }) }
}
