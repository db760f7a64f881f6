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
    /// Lines read without a pause (speed 0, lines of other sources) before yielding to other tasks.
    static let linesPerYield = 256
    /// Bad lines reported one by one on the first pass before the rest are only counted.
    static let reportedProblems = 5

    let hub: SourceHub
    let config: ReplayConfig
    let survey: RecordingSurvey
    let clock: any BrokerClock
    let logger: Logger
    let path: String

    private var declaration: RecordingFormat.Declaration?
    private var decoder: RecordingFormat.RowDecoder?
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
        var rebaseAfterDeclaration = false
        defer { reportSkippedRemainder() }

        while let slice = try reader.next() {
            linesSinceYield += 1
            if linesSinceYield >= Self.linesPerYield {
                linesSinceYield = 0
                await Task.yield()
            }
            if Task.isCancelled { return .cancelled }
            if slice.tooLong {
                skip(slice, "longer than \(RecordingLineReader.maxLineBytes >> 20) MiB")
                continue
            }
            let parsed: Result<RecordingFormat.Line, any Error>? = reader.withBytes(of: slice) { bytes in
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
                return Result { try RecordingFormat.Line.parse(bytes) }
            }
            let line: RecordingFormat.Line
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
                    if firstPass {
                        logger.info("replay of \(path): recorded time jumps by \(jump) s at line \(slice.number); playing on without waiting")
                    }
                }
            }
            latest = max(latest ?? effective, effective)

            guard kind == .status || line.source == survey.sourceID else { continue }
            if effective < origin {
                // Before the start point only the state lines count: the latest of each applies.
                if kind == .declare || kind == .status || kind == .sessionInfo,
                    let action = reader.withBytes(of: slice, { prepare(line, kind: kind, slice: slice, bytes: $0) })
                {
                    perform(action)
                }
                continue
            }

            // Decode first, so the line's time is kept however long decoding takes.
            guard let action = reader.withBytes(of: slice, { prepare(line, kind: kind, slice: slice, bytes: $0) }) else {
                if kind == .declare { rebaseAfterDeclaration = true }
                continue
            }
            if config.speed > 0 {
                var deadline = anchor + (effective - origin) / config.speed
                var now = clock.now()
                if rebaseAfterDeclaration {
                    // Installing a layout of hundreds of variables and decoding the first frame in
                    // it can overrun the recorded gap: what follows moves by the overrun, keeping
                    // its spacing, instead of the first frame coming late.
                    rebaseAfterDeclaration = false
                    if now > deadline {
                        anchor += now - deadline
                        deadline = now
                        now = clock.now()
                    }
                }
                if deadline > now {
                    do { try await clock.sleep(until: deadline) } catch { return .cancelled }
                    linesSinceYield = 0
                } else if now - deadline > Self.maxLag {
                    anchor += now - deadline
                }
            }
            if perform(action) { frames += 1 }
        }
        return .finished(frames: frames)
    }

    /// What a line does to the hub, worked out ahead of its time.
    private enum Action {
        case frame(row: [UInt8], layout: FrameLayout)
        case status(connected: Bool, details: [(String, JSONValue)], recordedType: String?)
        case event(name: String, data: JSONValue)
        case sessionInfo(JSONValue)
    }

    /// Decodes one line of the replayed source; nil when it has nothing left to do at its time (a
    /// declaration, installed here) or is skipped (with a warning where due).
    private mutating func prepare(
        _ line: RecordingFormat.Line, kind: RecordingFormat.LineKind, slice: RecordingLineSlice, bytes: UnsafeRawBufferPointer
    ) -> Action? {
        switch kind {
        case .declare:
            guard let variables = line.variables else {
                skip(slice, "declare line without variables")
                return nil
            }
            do {
                let recorded = try RecordingFormat.Declaration(bytes, variables: variables)
                if recorded.dropped > 0 {
                    report("line \(slice.number): \(recorded.dropped) entries of its variables are not valid and were left out")
                }
                // Installed at once, not at its time: building a layout of hundreds of variables
                // must not delay the frame recorded right after it.
                if recorded != declaration {
                    declaration = recorded
                    decoder = RecordingFormat.RowDecoder(layout: hub.declare(recorded.declarations))
                }
                return nil
            } catch {
                skip(slice, "declare line: \(error)")
                return nil
            }

        case .telemetry:
            guard let decoder else {
                if !telemetryBeforeDeclare {
                    telemetryBeforeDeclare = true
                    skip(slice, "telemetry before any declare line of source '\(survey.sourceID)' (such lines are skipped)")
                }
                return nil
            }
            guard let data = line.data else {
                skip(slice, "telemetry line without data")
                return nil
            }
            do {
                return .frame(row: try decoder.row(from: UnsafeRawBufferPointer(rebasing: bytes[data])), layout: decoder.layout)
            } catch {
                skip(slice, "telemetry data: \(error)")
                return nil
            }

        case .status:
            guard let sources = line.sources, let entry = try? RecordingFormat.Line.value(bytes, at: sources)[survey.sourceID],
                case let .object(members) = entry
            else { return nil }
            let details = members.filter { $0.0 != "connected" && $0.0 != "type" }
            return .status(connected: entry["connected"]?.boolValue ?? false, details: details, recordedType: entry["type"]?.stringValue)

        case .event:
            guard let name = line.name else {
                skip(slice, "event line without a name")
                return nil
            }
            let data = line.data.flatMap { try? RecordingFormat.Line.value(bytes, at: $0) } ?? .object([])
            return .event(name: name, data: data)

        case .sessionInfo:
            guard let range = line.data, let data = try? RecordingFormat.Line.value(bytes, at: range) else {
                skip(slice, "sessionInfo line without data")
                return nil
            }
            return .sessionInfo(data)
        }
    }

    /// Applies a decoded line to the hub, stamped now; returns true when it published a frame.
    @discardableResult
    private mutating func perform(_ action: Action) -> Bool {
        switch action {
        case let .frame(row, layout):
            if !recordedStatusApplied && !hub.status.connected {
                hub.setStatus(SourceStatus(connected: true, details: replayDetails))
            }
            hub.publish(row: row, layout: layout, timestamp: wallClockNow())
            return true
        case let .status(connected, details, type):
            recordedType = type ?? recordedType
            recordedStatusApplied = true
            hub.setStatus(SourceStatus(connected: connected, details: details + replayDetails))
        case let .event(name, data):
            hub.emit(SourceEvent(name: name, data: data))
        case let .sessionInfo(data):
            hub.setSessionInfo(data)
        }
        return false
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
