import BrokerCore

/// Why a file cannot be replayed (yet).
enum RecordingProblem: Error, CustomStringConvertible {
    /// The file cannot be opened or read; it may appear or become readable later.
    case unreadable(String)
    /// The file has no lines yet; a recording may be about to be written to it.
    case empty(path: String)
    /// The file is something else: retrying will not help.
    case notARecording(path: String, reason: String)
    /// The recording lacks the configured source, or names none at all.
    case noSuchSource(path: String, wanted: String?, present: [String])

    /// Whether waiting and trying again could help.
    var isRetryable: Bool {
        switch self {
        case .unreadable, .empty: return true
        case .notARecording, .noSuchSource: return false
        }
    }

    var description: String {
        switch self {
        case let .unreadable(message): return message
        case let .empty(path): return "recording \(path) is empty"
        case let .notARecording(path, reason):
            return "\(path) is not a recording (\(reason)); record one with a stdout sink that has `path:` and `variables: all`"
        case let .noSuchSource(path, wanted?, present):
            let list = present.isEmpty ? "none" : present.joined(separator: ", ")
            return "recording \(path) has no source '\(wanted)' (its sources: \(list))"
        case let .noSuchSource(path, nil, _):
            return "recording \(path) names no source in its declare, telemetry, event, sessionInfo or status lines"
        }
    }
}

/// A first look at a recording: that it is one, when it starts, and which source to replay.
///
/// It reads only as far as it needs: to the first line that names the wanted source (or any
/// source, without `source:`). A file is a recording when one of its first `probeLines` non-empty
/// lines (within `probeBytes`) is a JSON object of a known type with a `time`.
struct RecordingSurvey {
    static let probeLines = 64
    static let probeBytes = 16 << 20

    /// `time` of the first recording line: second 0 for `start_s`.
    var startTime: Double
    /// The recorded source id to replay.
    var sourceID: String

    /// Reads the start of the recording (all of it, when the wanted source never comes); throws a
    /// `RecordingProblem`, a read error, or `CancellationError` when cancelled meanwhile.
    static func survey(_ reader: RecordingLineReader, wanted: String?) async throws -> RecordingSurvey {
        let path = reader.path
        var nonEmptyLines = 0
        var firstTime: Double?
        var present: [String] = []
        var firstStatusSource: String?
        var untimedLines = 0
        var firstLineProblem: String?

        func note(_ id: String) {
            if !present.contains(id) { present.append(id) }
        }

        while let slice = try reader.next() {
            if slice.number % 256 == 0 {
                await Task.yield()
                try Task.checkCancellation()
            }
            let outcome = reader.withBytes(of: slice) { bytes -> (line: RecordingFormat.Line?, blank: Bool, problem: String?, statusIDs: [String]) in
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) && !slice.tooLong { return (nil, true, nil, []) }
                if slice.tooLong { return (nil, false, "line \(slice.number) is longer than \(RecordingLineReader.maxLineBytes >> 20) MiB", []) }
                do {
                    let line = try RecordingFormat.Line.parse(bytes)
                    let ids = line.kind == .status ? line.sources.map { RecordingFormat.Line.statusSourceIDs(bytes, sources: $0) } ?? [] : []
                    return (line, false, nil, ids)
                } catch {
                    return (nil, false, "line \(slice.number) is not JSON: \(error)", [])
                }
            }
            if outcome.blank { continue }
            nonEmptyLines += 1
            if let line = outcome.line, let kind = line.kind {
                if line.time == nil {
                    untimedLines += 1
                } else {
                    firstTime = firstTime ?? line.time
                    if kind == .status {
                        outcome.statusIDs.forEach(note)
                        firstStatusSource = firstStatusSource ?? outcome.statusIDs.first
                    } else if let source = line.source {
                        note(source)
                    }
                    if let startTime = firstTime {
                        if let wanted, present.contains(wanted) { return RecordingSurvey(startTime: startTime, sourceID: wanted) }
                        if wanted == nil, kind != .status, let source = line.source { return RecordingSurvey(startTime: startTime, sourceID: source) }
                    }
                }
            } else if firstLineProblem == nil {
                firstLineProblem =
                    outcome.problem
                    ?? outcome.line?.typeName.map { "line \(slice.number) has an unknown type '\($0)'" } ?? "line \(slice.number) has no type"
            }
            if firstTime == nil && (nonEmptyLines >= probeLines || reader.bytesRead >= probeBytes) { break }
        }

        guard nonEmptyLines > 0 else { throw RecordingProblem.empty(path: path) }
        guard let startTime = firstTime else {
            let reason: String
            if untimedLines > 0 {
                reason = "its lines have no `time`: it was captured from standard output, not recorded with the stdout sink's `path`"
            } else {
                let problem = firstLineProblem ?? "no line has a known type and a time"
                reason =
                    (nonEmptyLines == 1 ? problem : "none of its first \(min(nonEmptyLines, probeLines)) lines is a recording line; \(problem)")
                    + (path.lowercased().hasSuffix(".ibt") ? "; an iRacing .ibt file plays with `type: iracing` and `ibt:`" : "")
            }
            throw RecordingProblem.notARecording(path: path, reason: reason)
        }
        if wanted == nil, let first = firstStatusSource { return RecordingSurvey(startTime: startTime, sourceID: first) }
        throw RecordingProblem.noSuchSource(path: path, wanted: wanted, present: present)
    }
}

extension RecordingSurvey {
    /// The source a replay without `source:` plays, from the start of the recording only
    /// (`probeLines` non-empty lines, `probeBytes`): the first source a timed declare, telemetry,
    /// event or sessionInfo line names, else the first a status line names. Nil when the file
    /// cannot be read or names no source there. Read when the config loads, to name the replay.
    static func firstSourceID(path: String) -> String? {
        guard let reader = try? RecordingLineReader(path: path) else { return nil }
        var firstStatusSource: String?
        var nonEmptyLines = 0
        while nonEmptyLines < probeLines, reader.bytesRead < probeBytes, let slice = try? reader.next() {
            let found: (blank: Bool, source: String?, statusSource: String?) = reader.withBytes(of: slice) { bytes in
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) && !slice.tooLong { return (true, nil, nil) }
                guard !slice.tooLong, let line = try? RecordingFormat.Line.parse(bytes), let kind = line.kind, line.time != nil else {
                    return (false, nil, nil)
                }
                if kind != .status { return (false, line.source, nil) }
                return (false, nil, line.sources.flatMap { RecordingFormat.Line.statusSourceIDs(bytes, sources: $0).first })
            }
            if found.blank { continue }
            nonEmptyLines += 1
            if let source = found.source { return source }
            firstStatusSource = firstStatusSource ?? found.statusSource
        }
        return firstStatusSource
    }
}
