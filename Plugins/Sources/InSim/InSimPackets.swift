/// IS_ISI: the client's init packet (client to LFS). Decodable too, for tests and tools.
public struct InSimInit: Sendable, Equatable {
    public var requestID: UInt8
    /// 0 = NLP/MCI over TCP; otherwise the UDP port for NLP/MCI (and OutGauge started by InSim).
    public var udpPort: UInt16
    public var flags: UInt16
    public var insimVersion: UInt8
    public var prefix: UInt8
    /// ms between NLP/MCI, 0 = none.
    public var interval: UInt16
    public var admin: String
    /// The program's short name (IName, at most 15 bytes).
    public var name: String

    public init(
        requestID: UInt8 = 1, udpPort: UInt16 = 0, flags: UInt16, insimVersion: UInt8 = 10, prefix: UInt8 = 0, interval: UInt16, admin: String = "",
        name: String
    ) {
        self.requestID = requestID
        self.udpPort = udpPort
        self.flags = flags
        self.insimVersion = insimVersion
        self.prefix = prefix
        self.interval = interval
        self.admin = admin
        self.name = name
    }
}

/// IS_VER: LFS's version reply to an ISI with a non-zero ReqI.
public struct InSimVersion: Sendable, Equatable {
    public var requestID: UInt8
    public var version: String
    public var product: String
    public var insimVersion: UInt8
}

/// IS_TINY: a 4-byte request, reply, keep-alive or notice.
public struct InSimTiny: Sendable, Equatable {
    public var requestID: UInt8
    public var subtype: UInt8
}

/// IS_SMALL: a subtype with a 32-bit value.
public struct InSimSmall: Sendable, Equatable {
    public var requestID: UInt8
    public var subtype: UInt8
    public var value: UInt32
}

/// How long a race is, from LFS's one-byte RaceLaps encoding.
public enum RaceLength: Sendable, Equatable {
    case practice
    case laps(Int)
    case hours(Int)
    /// 255 in InSim 10.
    case noLapTiming
    /// A value the encoding leaves undefined (239...254).
    case undefined(UInt8)

    public init(raceLaps: UInt8) {
        switch raceLaps {
        case 0: self = .practice
        case 1...99: self = .laps(Int(raceLaps))
        case 100...190: self = .laps((Int(raceLaps) - 100) * 10 + 100)
        case 191...238: self = .hours(Int(raceLaps) - 190)
        case 255: self = .noLapTiming
        default: self = .undefined(raceLaps)
        }
    }
}

/// IS_STA: the game state, sent whenever it changes and after TINY_SST.
public struct InSimState: Sendable, Equatable {
    public var requestID: UInt8
    public var replaySpeed: Float
    /// ISS_* bits.
    public var flags: UInt16
    public var inGameCamera: UInt8
    /// The viewed player, 0 = none.
    public var viewPlayerID: UInt8
    public var numberOfPlayers: UInt8
    public var numberOfConnections: UInt8
    public var numberFinished: UInt8
    /// 0 none, 1 race, 2 qualifying.
    public var raceInProgress: UInt8
    public var qualifyingMinutes: UInt8
    public var raceLaps: UInt8
    public var serverStatus: UInt8
    public var track: String
    public var weather: UInt8
    public var wind: UInt8

    public static let flagReplay: UInt16 = 2
    public static let flagPaused: UInt16 = 4
    public static let flagMultiplayer: UInt16 = 512
}

/// IS_ISM: a multiplayer host was started or joined.
public struct InSimMultiplayer: Sendable, Equatable {
    public var requestID: UInt8
    public var isHost: Bool
    public var hostName: LFSText
}

/// IS_NCN: a new connection (or one listed in reply to TINY_NCN).
public struct InSimNewConnection: Sendable, Equatable {
    public var requestID: UInt8
    public var connectionID: UInt8
    /// The LFS account name.
    public var userName: LFSText
    /// The nickname, with colour and code page escapes.
    public var playerName: LFSText
    public var isAdmin: Bool
    public var total: UInt8
    public var flags: UInt8

    public var isRemote: Bool { flags & 4 != 0 }
}

/// IS_CNL: a connection left.
public struct InSimConnectionLeft: Sendable, Equatable {
    public var connectionID: UInt8
    /// LEAVR_*.
    public var reason: UInt8
    public var total: UInt8
}

/// IS_CPR: a connection changed its nickname or plate.
public struct InSimConnectionRenamed: Sendable, Equatable {
    public var connectionID: UInt8
    public var playerName: LFSText
    public var plate: LFSText
}

/// Tyre compounds in LFS's order: rear left, rear right, front left, front right.
public struct TyreCompounds: Sendable, Equatable {
    public var rearLeft: UInt8
    public var rearRight: UInt8
    public var frontLeft: UInt8
    public var frontRight: UInt8

    public var all: [UInt8] { [rearLeft, rearRight, frontLeft, frontRight] }
}

/// IS_NPL: a player joined the race, or left the pits when the PLID already exists.
public struct InSimNewPlayer: Sendable, Equatable {
    public var requestID: UInt8
    public var playerID: UInt8
    public var connectionID: UInt8
    /// Bit 0 female, bit 1 AI, bit 2 remote.
    public var playerType: UInt8
    /// PIF_* bits.
    public var flags: UInt16
    public var playerName: LFSText
    public var plate: LFSText
    /// An official car's code ("XRT") or a mod's SkinID in hex.
    public var car: String
    public var skinName: String
    public var tyres: TyreCompounds
    public var addedMass: UInt8
    public var intakeRestriction: UInt8
    public var driverModel: UInt8
    public var passengers: UInt8
    public var rearWidthReduction: UInt8
    public var frontWidthReduction: UInt8
    public var racerFlags: UInt8
    public var setupFlags: UInt8
    /// Players in the race; 0 marks a join request.
    public var numberOfPlayers: UInt8
    public var configuration: UInt8
    /// Fuel percent when /showfuel is on, else 255.
    public var fuel: UInt8

    public var isAI: Bool { playerType & 2 != 0 }
    public var isRemote: Bool { playerType & 4 != 0 }
}

/// A packet that names only a player: IS_PLP (to the pit garage), IS_PLL (left the race).
public struct InSimPlayerNotice: Sendable, Equatable {
    public var playerID: UInt8
}

/// One car in an IS_MCI, in LFS's own units.
public struct CompCar: Sendable, Equatable {
    public var node: UInt16
    public var lap: UInt16
    public var playerID: UInt8
    /// 0 = unknown, 1 = leader.
    public var position: UInt8
    /// CCI_* bits.
    public var info: UInt8
    /// 65536 = 1 m.
    public var x: Int32
    public var y: Int32
    public var z: Int32
    /// 32768 = 100 m/s.
    public var speed: UInt16
    /// 32768 = 180 degrees; 0 = world +Y.
    public var direction: UInt16
    public var heading: UInt16
    /// 16384 = 360 degrees/s, positive anticlockwise.
    public var angularVelocity: Int16

    public init(
        node: UInt16 = 0, lap: UInt16 = 0, playerID: UInt8 = 0, position: UInt8 = 0, info: UInt8 = 0, x: Int32 = 0, y: Int32 = 0,
        z: Int32 = 0, speed: UInt16 = 0, direction: UInt16 = 0, heading: UInt16 = 0, angularVelocity: Int16 = 0
    ) {
        self.node = node
        self.lap = lap
        self.playerID = playerID
        self.position = position
        self.info = info
        self.x = x
        self.y = y
        self.z = z
        self.speed = speed
        self.direction = direction
        self.heading = heading
        self.angularVelocity = angularVelocity
    }

    public var xMetres: Double { Double(x) / 65536 }
    public var yMetres: Double { Double(y) / 65536 }
    public var zMetres: Double { Double(z) / 65536 }
    public var speedMetresPerSecond: Double { Double(speed) * 100 / 32768 }
    public var headingRadians: Double { Double(heading) * .pi / 32768 }
    public var directionRadians: Double { Double(direction) * .pi / 32768 }
    public var angularVelocityRadiansPerSecond: Double { Double(angularVelocity) * 2 * .pi / 16384 }
}

/// IS_MCI: up to 16 cars; a set of several packets carries more (CCI_FIRST ... CCI_LAST).
public struct InSimMultiCarInfo: Sendable, Equatable {
    public var requestID: UInt8
    public var cars: [CompCar]
}

/// One car in an IS_NLP.
public struct NodeLap: Sendable, Equatable {
    public var node: UInt16
    public var lap: UInt16
    public var playerID: UInt8
    public var position: UInt8
}

/// IS_NLP: node, lap and position of every car in one packet.
public struct InSimNodeLap: Sendable, Equatable {
    public var requestID: UInt8
    public var cars: [NodeLap]
}

/// IS_RST: a race or qualifying session started (or the reply to TINY_RST).
public struct InSimRaceStart: Sendable, Equatable {
    public var requestID: UInt8
    /// 0 if qualifying.
    public var raceLaps: UInt8
    /// 0 if race.
    public var qualifyingMinutes: UInt8
    public var numberOfPlayers: UInt8
    /// 0x40 standard timing, 0x80 custom, 0xC0 none; low 2 bits = checkpoints.
    public var timing: UInt8
    public var track: String
    public var weather: UInt8
    public var wind: UInt8
    /// HOSTF_* bits.
    public var flags: UInt16
    public var numberOfNodes: UInt16
    public var finishNode: UInt16
    public var split1Node: UInt16
    public var split2Node: UInt16
    public var split3Node: UInt16
}

/// IS_LAP: a lap completed.
public struct InSimLapTime: Sendable, Equatable {
    public var playerID: UInt8
    public var lapTimeMs: UInt32
    public var totalTimeMs: UInt32
    public var lapsDone: UInt16
    public var flags: UInt16
    /// PENALTY_*.
    public var penalty: UInt8
    public var numberOfStops: UInt8
    /// Twice the fuel percent when /showfuel is on, else 255.
    public var fuel200: UInt8
}

/// IS_SPX: a split time.
public struct InSimSplitTime: Sendable, Equatable {
    public var playerID: UInt8
    public var splitTimeMs: UInt32
    public var totalTimeMs: UInt32
    public var split: UInt8
    public var penalty: UInt8
    public var numberOfStops: UInt8
    public var fuel200: UInt8
}

/// IS_PIT: a pit stop began.
public struct InSimPitStop: Sendable, Equatable {
    public var playerID: UInt8
    public var lapsDone: UInt16
    public var flags: UInt16
    /// Percent when /showfuel is on, else 255.
    public var fuelAdded: UInt8
    public var penalty: UInt8
    public var numberOfStops: UInt8
    /// 255 = not changed.
    public var tyres: TyreCompounds
    /// PSE_* bits.
    public var work: UInt32
}

/// IS_PSF: a pit stop finished.
public struct InSimPitStopFinished: Sendable, Equatable {
    public var playerID: UInt8
    public var stopTimeMs: UInt32
}

/// IS_PLA: a car entered or left the pit lane.
public struct InSimPitLane: Sendable, Equatable {
    public var playerID: UInt8
    /// PITLANE_*: 0 exit, 1 enter, 2 no purpose, 3 drive-through, 4 stop-go.
    public var fact: UInt8
}

/// IS_PEN: a penalty was given or cleared.
public struct InSimPenalty: Sendable, Equatable {
    public var playerID: UInt8
    public var oldPenalty: UInt8
    public var newPenalty: UInt8
    /// PENR_*.
    public var reason: UInt8
}

/// IS_TOC: another connection took over a car (driver swap).
public struct InSimTakeOverCar: Sendable, Equatable {
    public var playerID: UInt8
    public var oldConnectionID: UInt8
    public var newConnectionID: UInt8
}

/// IS_FIN: a player crossed the finish line (not yet the confirmed result).
public struct InSimFinished: Sendable, Equatable {
    /// 0 = the player left before the result.
    public var playerID: UInt8
    public var totalTimeMs: UInt32
    public var bestLapMs: UInt32
    public var numberOfStops: UInt8
    /// CONF_* bits.
    public var confirmation: UInt8
    public var lapsDone: UInt16
    public var flags: UInt16
}

/// IS_RES: a confirmed race or qualifying result.
public struct InSimResult: Sendable, Equatable {
    public var requestID: UInt8
    public var playerID: UInt8
    public var userName: LFSText
    public var playerName: LFSText
    public var plate: LFSText
    public var car: String
    public var totalTimeMs: UInt32
    public var bestLapMs: UInt32
    public var numberOfStops: UInt8
    public var confirmation: UInt8
    public var lapsDone: UInt16
    public var flags: UInt16
    /// 0 = win, 255 = not added to the table.
    public var resultNumber: UInt8
    public var numberOfResults: UInt8
    public var penaltySeconds: UInt16
}

/// IS_MSO: a chat or system message.
public struct InSimMessageOut: Sendable, Equatable {
    /// MSOData: low 4 bits = the message's starting code page (LID_x).
    public var messageData: UInt8
    public var connectionID: UInt8
    public var playerID: UInt8
    /// MSO_SYSTEM 0, MSO_USER 1, MSO_PREFIX 2, MSO_O 3.
    public var userType: UInt8
    /// Byte offset in the raw message where the typed text begins.
    public var textStart: UInt8
    /// The whole message ("name : text").
    public var message: LFSText
    /// The part from `textStart` on, decoded in the code page in force there.
    public var text: LFSText
}

/// IS_III: a `/i` message to this InSim program.
public struct InSimHostMessage: Sendable, Equatable {
    public var connectionID: UInt8
    public var playerID: UInt8
    public var message: LFSText
}

/// IS_MST: type a message or command into LFS (client to LFS). Decodable too, for tests.
public struct InSimMessageType: Sendable, Equatable {
    public var message: String

    public init(message: String) { self.message = message }
}

/// Every packet the codec decodes; `skipped` is a valid LFS packet this source has no use for.
public enum InSimPacket: Sendable, Equatable {
    case initialise(InSimInit)
    case version(InSimVersion)
    case tiny(InSimTiny)
    case small(InSimSmall)
    case state(InSimState)
    case multiplayer(InSimMultiplayer)
    case messageOut(InSimMessageOut)
    case hostMessage(InSimHostMessage)
    case messageType(InSimMessageType)
    case raceStart(InSimRaceStart)
    case newConnection(InSimNewConnection)
    case connectionLeft(InSimConnectionLeft)
    case connectionRenamed(InSimConnectionRenamed)
    case newPlayer(InSimNewPlayer)
    case playerPits(InSimPlayerNotice)
    case playerLeft(InSimPlayerNotice)
    case lap(InSimLapTime)
    case split(InSimSplitTime)
    case pitStop(InSimPitStop)
    case pitStopFinished(InSimPitStopFinished)
    case pitLane(InSimPitLane)
    case penalty(InSimPenalty)
    case takeOverCar(InSimTakeOverCar)
    case finished(InSimFinished)
    case result(InSimResult)
    case nodeLap(InSimNodeLap)
    case multiCarInfo(InSimMultiCarInfo)
    case skipped(type: UInt8)
}
