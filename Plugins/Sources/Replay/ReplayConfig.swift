import BrokerCore

/// The replay source's settings: which recording, how fast, from where, looping or not,
/// and which of its sources.
public struct ReplayConfig: PluginConfig {
    /// The recording: NDJSON written by the stdout sink with `path` (relative to the config file).
    public var path: String
    /// 1 = as recorded, 2 = twice as fast, 0 = as fast as possible.
    public var speed: Double
    /// Start again from `start_s` at the end of the recording.
    public var loop: Bool
    /// Seconds of the recording to skip, counted from its first line.
    public var startSeconds: Double
    /// The recorded source id to play; nil = the first source the recording names.
    public var source: String?

    /// An entry without `id` is named after the recorded source it plays, so a replay looks like
    /// the original to clients.
    public var defaultID: String? { source }

    enum CodingKeys: String, CodingKey {
        case path, speed, loop, source, id
        case startSeconds = "start_s"
    }

    public init(path: String, speed: Double = 1, loop: Bool = false, startSeconds: Double = 0, source: String? = nil) {
        self.path = path
        self.speed = speed
        self.loop = loop
        self.startSeconds = startSeconds
        self.source = source
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        if path.isEmpty { try c.reportOrThrow("path must name a recording file", key: .path) }
        speed = try c.value(.speed, default: 1, in: 0...1000)
        loop = try c.value(.loop, default: false)
        startSeconds = try c.value(.startSeconds, default: 0, in: 0...1e9)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        if source?.isEmpty == true { try c.reportOrThrow("source must be a source id (omit it for the first one)", key: .source) }
        if source == nil && !path.isEmpty && !c.contains(.id) {
            // The entry will be named after what it plays, so find that now and keep playing it
            // even if another source comes first in the file by the time the replay starts.
            let directory = decoder.userInfo[.configDirectory] as? String ?? "."
            source = RecordingSurvey.firstSourceID(path: PluginContext.resolve(path, against: directory))
        }
    }
}
