import BrokerCore
import UDPSupport

/// The `iracing` source's keys (reference: the plugin's README): which input to read and how to replay a file.
///
/// With none of `ibt`, `memory_file` and `teleport`, the source reads the running sim's live shared
/// memory: on Windows the sim's own map, elsewhere the file a Wine/Proton bridge backs it with
/// (`shm_path`). `speed` and `loop` apply to `ibt` replays only.
public struct IRacingConfig: PluginConfig {
    /// A disk telemetry file to replay, relative to the config file's folder.
    public var ibt: String?
    /// A file laid out like the live memory map, followed as the sim would update it.
    public var memoryFile: String?
    /// Snapshots of the map streamed by iracing-teleport over UDP.
    public var teleport: TeleportConfig?
    /// Live mode off Windows: the tmpfs file a shared-memory bridge backs the sim's map with.
    public var shmPath: String
    /// Replay speed: 1 = the file's own tick rate, 0 = as fast as possible.
    public var speed: Double
    /// Start the replay again when it reaches the end.
    public var loop: Bool

    /// Where the Linux shared-memory bridges put iRacing's map: its Windows name without `Local\`.
    public static let defaultShmPath = "/dev/shm/IRSDKMemMapFileName"

    enum CodingKeys: String, CodingKey, CaseIterable {
        case ibt, memoryFile = "memory_file", teleport, shmPath = "shm_path", speed, loop
    }

    public init(
        ibt: String? = nil, memoryFile: String? = nil, teleport: TeleportConfig? = nil, shmPath: String = defaultShmPath,
        speed: Double = 1, loop: Bool = false
    ) {
        self.ibt = ibt
        self.memoryFile = memoryFile
        self.teleport = teleport
        self.shmPath = shmPath
        self.speed = speed
        self.loop = loop
    }

    public var listeningPorts: [ListeningPort] {
        teleport.map { [ListeningPort(.udp, $0.listen.port, key: "teleport")] } ?? []
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ibt = try c.decodeIfPresent(String.self, forKey: .ibt)
        memoryFile = try c.decodeIfPresent(String.self, forKey: .memoryFile)
        teleport = try c.decodeIfPresent(TeleportConfig.self, forKey: .teleport)
        shmPath = try c.value(.shmPath, default: Self.defaultShmPath)
        speed = try c.value(.speed, default: 1.0)
        loop = try c.value(.loop, default: false)
        if ibt?.isEmpty == true {
            try c.reportOrThrow("ibt must name a disk telemetry file (.ibt)", key: .ibt)
            ibt = nil
        }
        if memoryFile?.isEmpty == true {
            try c.reportOrThrow("memory_file must name a file", key: .memoryFile)
            memoryFile = nil
        }
        if shmPath.isEmpty {
            try c.reportOrThrow("shm_path must name a file (the default is \(Self.defaultShmPath))", key: .shmPath)
            shmPath = Self.defaultShmPath
        }
        if speed < 0 {
            try c.reportOrThrow("speed must be 0 (as fast as possible) or more, found \(speed)", key: .speed)
            speed = 1
        }
        if ibt != nil && memoryFile != nil {
            try c.reportOrThrow(
                "'ibt' and 'memory_file' cannot be used together: 'ibt' replays a disk telemetry file, 'memory_file' follows a copy of the live memory; keep one",
                key: .memoryFile)
        }
        let inputs = [CodingKeys.ibt, .memoryFile, .teleport].filter { c.contains($0) }
        if inputs.count > 1, c.contains(.teleport) {
            try c.reportOrThrow(
                "'teleport' cannot be used with '\(inputs[0].stringValue)': it receives the sim's map over the network; keep one input",
                key: .teleport)
        }
        if c.contains(.shmPath), let other = inputs.first {
            try c.reportOrThrow(
                "'shm_path' applies only to live mode (no 'ibt', 'memory_file' or 'teleport'), but '\(other.stringValue)' is set", key: .shmPath)
        }
        if !c.contains(.ibt) {
            for key in [CodingKeys.speed, .loop] where c.contains(key) {
                try c.reportOrThrow("'\(key.stringValue)' applies only to 'ibt' replays; add 'ibt: FILE' or remove it", key: key)
            }
        }
    }
}

/// The `teleport:` keys: where to receive iracing-teleport's UDP stream.
public struct TeleportConfig: Decodable, Sendable {
    /// The UDP address to bind.
    public var listen: UDPTarget
    /// The IPv4 multicast group to join; nil receives unicast only.
    public var group: String?

    public static let defaultListen = "0.0.0.0:5000"
    /// iracing-teleport's default group.
    public static let defaultGroup = "239.255.0.1"

    enum CodingKeys: String, CodingKey {
        case listen, group
    }

    public init(listen: UDPTarget, group: String? = nil) {
        self.listen = listen
        self.group = group
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        listen = try c.udpAddress(.listen, default: Self.defaultListen)
        let group = try c.value(.group, default: Self.defaultGroup)
        self.group = group.isEmpty ? nil : group
        if !group.isEmpty, !Self.isIPv4Multicast(group) {
            try c.reportOrThrow(
                "group must be an IPv4 multicast address (224.0.0.0 to 239.255.255.255) or \"\" for unicast only, found '\(group)'",
                key: .group)
            self.group = Self.defaultGroup
        }
    }

    /// True for a dotted-quad address in 224.0.0.0/4.
    static func isIPv4Multicast(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let octets = parts.compactMap { UInt8($0) }
        return parts.count == 4 && octets.count == 4 && (224...239).contains(octets[0])
    }
}
