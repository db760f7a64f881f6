import BrokerCore
import Logging

/// Plays one recorded source into a hub, line by line, at the recorded pace.
///
/// Each pass reads the recording from the top. Lines of other sources are passed over; lines
/// before the start point only restore state (declarations, status, session info); the rest are
/// applied when their recorded time comes round on `clock`, scaled by `speed` (0: at once).
/// Frames, events and session info are stamped with the wall clock when they are replayed, as a
/// live source stamps them. Bad lines are skipped and reported on the first pass only.
struct ReplayPlayer {
    /// How a pass ended.
    enum Outcome: Equatable {
        case finished(frames: Int)
        case cancelled
    }

    /// A jump forward in recorded time larger than this (two sessions appended to one file) is
    /// played through without waiting.
    static let maxForwardGap = 60.0
    /// A jump back in telemetry time larger than this (files appended out of order) likewise.
    static let maxBackwardJump = 1.0
    /// Falling further behind the schedule than this (a stalled machine) moves the schedule
    /// instead of bursting to catch up.
    static let maxLag = 1.0
    /// At speed 0, lines between yields to other tasks.
    static let linesPerYield = 256
    /// Bad lines reported one by one on the first pass before the rest are only counted.
    static let reportedProblems = 5

    let hub: SourceHub
    let config: ReplayConfig
    let survey: RecordingSurvey
    let clock: any BrokerClock
    let logger: Logger
    let path: String

    private var declaration: RecordedDeclaration?
    private var decoder: RecordedRowDecoder?
    private var recordedType: String?
    private var recordedStatusApplied = false
    private var reportsProblems = true
    private var problems = 0
    private var telemetryBeforeDeclare = false

    init(hub: SourceHub, config: ReplayConfig, survey: RecordingSurvey, clock: any BrokerClock, logger: Logger, path: String) {
        self.hub = hub
        self.config = config
        self.survey = survey
        self.clock = clock
        self.logger = logger
        self.path = path
    }

    /// The status details every replayed status carries.
    var replayDetails: [(String, JSONValue)] {
        [("replay", true), ("recorded_source", .string(survey.sourceID))] + (recordedType.map { [("recorded_type", .string($0))] } ?? [])
    }

    /// Plays the recording once, from `reader`'s current position (the top).
    mutating func play(_ reader: RecordingLineReader, firstPass: Bool) async throws -> Outcome {
        reportsProblems = firstPass
        problems = 0
        let origin = survey.startTime + config.startSeconds
        var anchor = clock.now()
        var offset = 0.0
        var latest: Double?
        var frames = 0
        var linesSinceYield = 0
        defer { reportSkippedRemainder() }

        while let slice = try reader.next() {
            if Task.isCancelled { return .cancelled }
            let parsed: Result<RecordingLine, JSONSyntaxError>? = reader.withBytes(of: slice) { bytes in
                if slice.tooLong { return .failure(JSONSyntaxError(message: "line longer than the reader's limit", offset: 0)) }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
                do { return .success(try RecordingLine.parse(bytes)) } catch let error as JSONSyntaxError { return .failure(error) } catch {
                    return .failure(JSONSyntaxError(message: "\(error)", offset: 0))
                }
            }
            let line: RecordingLine
            switch parsed {
            case nil: continue
            case let .failure(error)?:
                skip(slice, slice.terminated ? "not JSON: \(error)" : "truncated last line (\(error))")
                continue
            case let .success(parsedLine)?:
                line = parsedLine
            }
            guard let kind = line.kind else {
                skip(slice, line.typeName.map { "unknown line type '\($0)'" } ?? "no line type")
                continue
            }
            guard let time = line.time else {
                skip(slice, "\(kind.rawValue) line without a time")
                continue
            }

            // Recorded time, with jumps between appended sessions taken out.
            var effective = time + offset
            if let last = latest {
                let jump = effective - last
                if jump > Self.maxForwardGap || (kind == .telemetry && -jump > Self.maxBackwardJump) {
                    offset -= jump
                    effective = last
                    if firstPass { logger.info("replay of \(path): recorded time jumps by \(jump) s at line \(slice.number); playing on without waiting") }
                }
            }
            latest = max(latest ?? effective, effective)

            guard kind == .status || line.source == survey.sourceID else { continue }
            if effective < origin {
                if kind == .declare || kind == .status || kind == .sessionInfo {
                    _ = reader.withBytes(of: slice) { apply(line, kind: kind, slice: slice, bytes: $0) }
                }
                continue
            }

            if config.speed > 0 {
                let deadline = anchor + (effective - origin) / config.speed
                let now = clock.now()
                if deadline > now {
                    do { try await clock.sleep(until: deadline) } catch { return .cancelled }
                } else if now - deadline > Self.maxLag {
                    anchor += now - deadline
                }
            } else {
                linesSinceYield += 1
                if linesSinceYield >= Self.linesPerYield {
                    linesSinceYield = 0
                    await Task.yield()
                    if Task.isCancelled { return .cancelled }
                }
            }
            if reader.withBytes(of: slice, { apply(line, kind: kind, slice: slice, bytes: $0) }) { frames += 1 }
        }
        return .finished(frames: frames)
    }

    /// Applies one line of the replayed source to the hub; returns true when it published a frame.
    private mutating func apply(_ line: RecordingLine, kind: RecordingLineKind, slice: RecordingLineSlice, bytes: UnsafeRawBufferPointer) -> Bool {
        switch kind {
        case .declare:
            guard let variables = line.variables else {
                skip(slice, "declare line without variables")
                return false
            }
            do {
                let recorded = try RecordedDeclaration(bytes, variables: variables)
                if recorded.dropped > 0 { report("line \(slice.number): \(recorded.dropped) entries of its variables are not valid and were left out") }
                guard recorded != declaration else { return false }
                declaration = recorded
                decoder = RecordedRowDecoder(layout: hub.declare(recorded.declarations))
            } catch {
                skip(slice, "declare line: \(error)")
            }
            return false

        case .telemetry:
            guard let decoder else {
                if !telemetryBeforeDeclare {
                    telemetryBeforeDeclare = true
                    skip(slice, "telemetry before any declare line of source '\(survey.sourceID)' (such lines are skipped)")
                }
                return false
            }
            guard let data = line.data else {
                skip(slice, "telemetry line without data")
                return false
            }
            let row: [UInt8]
            do {
                row = try decoder.row(from: UnsafeRawBufferPointer(rebasing: bytes[data]))
            } catch {
                skip(slice, "telemetry data: \(error)")
                return false
            }
            if !recordedStatusApplied && !hub.status.connected {
                hub.setStatus(SourceStatus(connected: true, details: replayDetails))
            }
            hub.publish(row: row, layout: decoder.layout, timestamp: wallClockNow())
            return true

        case .status:
            guard let sources = line.sources, let entry = try? RecordingLine.value(bytes, at: sources)[survey.sourceID],
                case let .object(members) = entry
            else { return false }
            recordedType = entry["type"]?.stringValue ?? recordedType
            let details = members.filter { $0.0 != "connected" && $0.0 != "type" }
            recordedStatusApplied = true
            hub.setStatus(SourceStatus(connected: entry["connected"]?.boolValue ?? false, details: details + replayDetails))
            return false

        case .event:
            guard let name = line.name else {
                skip(slice, "event line without a name")
                return false
            }
            let data = line.data.flatMap { try? RecordingLine.value(bytes, at: $0) } ?? .object([])
            hub.emit(SourceEvent(name: name, data: data))
            return false

        case .sessionInfo:
            guard let range = line.data, let data = try? RecordingLine.value(bytes, at: range) else {
                skip(slice, "sessionInfo line without data")
                return false
            }
            hub.setSessionInfo(data)
            return false
        }
    }

    /// Reports a skipped line.
    private mutating func skip(_ slice: RecordingLineSlice, _ reason: String) {
        report("line \(slice.number) skipped: \(reason)")
    }

    /// One warning per problem, for the first few of a first pass; the rest are only counted.
    private mutating func report(_ message: String) {
        guard reportsProblems else { return }
        problems += 1
        if problems <= Self.reportedProblems { logger.warning("replay of \(path): \(message)") }
    }

    private func reportSkippedRemainder() {
        if reportsProblems && problems > Self.reportedProblems {
            logger.warning("replay of \(path): \(problems - Self.reportedProblems) more problem lines skipped")
        }
    }
}
