import BrokerCore

/// The `iracing` source's keys (SPEC 3): which input to read and how to replay a file.
///
/// With neither `ibt` nor `memory_file`, the source reads the running sim's live shared memory
/// (Windows only). `speed` and `loop` apply to `ibt` replays only.
public struct IRacingConfig: PluginConfig {
    /// A disk telemetry file to replay, relative to the config file's folder.
    public var ibt: String?
    /// A file laid out like the live memory map, followed as the sim would update it.
    public var memoryFile: String?
    /// Replay speed: 1 = the file's own tick rate, 0 = as fast as possible.
    public var speed: Double
    /// Start the replay again when it reaches the end.
    public var loop: Bool

    enum CodingKeys: String, CodingKey {
        case ibt, memoryFile = "memory_file", speed, loop
    }

    public init(ibt: String? = nil, memoryFile: String? = nil, speed: Double = 1, loop: Bool = false) {
        self.ibt = ibt
        self.memoryFile = memoryFile
        self.speed = speed
        self.loop = loop
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ibt = try c.decodeIfPresent(String.self, forKey: .ibt)
        memoryFile = try c.decodeIfPresent(String.self, forKey: .memoryFile)
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
        if speed < 0 {
            try c.reportOrThrow("speed must be 0 (as fast as possible) or more, found \(speed)", key: .speed)
            speed = 1
        }
        if ibt != nil && memoryFile != nil {
            try c.reportOrThrow(
                "'ibt' and 'memory_file' cannot be used together: 'ibt' replays a disk telemetry file, 'memory_file' follows a copy of the live memory; keep one",
                key: .memoryFile)
        }
        if !c.contains(.ibt) {
            for key in [CodingKeys.speed, .loop] where c.contains(key) {
                try c.reportOrThrow("'\(key.stringValue)' applies only to 'ibt' replays; add 'ibt: FILE' or remove it", key: key)
            }
        }
    }
}
