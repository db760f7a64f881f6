import BrokerCore

/// Spots completed laps in the row stream, for the `lap` event.
///
/// A lap is completed when `LapCompleted` (or, without it, `Lap`, laps started) increases to a lap
/// number of 1 or more; a drop (a reset, a new session, a replay loop) only moves the baseline. The
/// sim updates `LapLastLapTime` a little after the counter (5 to 30 rows in real files), so the event
/// waits until that time changes, or at most `settleSeconds`, and then carries it:
/// `{"lap": 3, "lastLapTime": 83.512}` (`lastLapTime` left out when the sim gave none).
struct LapTracker: Sendable {
    private let counter: IRSDKVariable
    /// 0 when counting completed laps; 1 when counting laps started (the finished lap is one less).
    private let startedOffset: Int
    private let lapTime: IRSDKVariable?
    private let settleTicks: Int
    private var lastCount: Int?
    private var pending: (lap: Int, timeAtIncrement: Double?, tick: Int)?

    static let settleSeconds = 2

    /// Nil when the sim declares neither counter.
    init?(_ description: IRSDKDescription) {
        if let completed = description.variable(named: "LapCompleted"), completed.type == .int {
            counter = completed
            startedOffset = 0
        } else if let started = description.variable(named: "Lap"), started.type == .int {
            counter = started
            startedOffset = 1
        } else {
            return nil
        }
        lapTime = description.variable(named: "LapLastLapTime").flatMap { $0.type == .float || $0.type == .double ? $0 : nil }
        settleTicks = Self.settleSeconds * description.header.tickRate
    }

    /// Forgets the baseline and any lap waiting for its time (the sim restarted).
    mutating func reset() {
        lastCount = nil
        pending = nil
    }

    /// Looks at one row; returns the data of each `lap` event due now (usually none). `tick`
    /// counts the sim's ticks, so the wait for the lap time is measured in sim time.
    mutating func observe(_ row: UnsafeRawBufferPointer, tick: Int) -> [JSONValue] {
        var due: [JSONValue] = []
        let time = lapTime?.number(in: row)
        if let waiting = pending {
            if let time, time != waiting.timeAtIncrement {
                due.append(event(lap: waiting.lap, time: time))
                pending = nil
            } else if tick - waiting.tick >= settleTicks || tick < waiting.tick {
                due.append(event(lap: waiting.lap, time: nil))
                pending = nil
            }
        }
        guard let count = counter.integer(in: row) else { return due }
        defer { lastCount = count }
        guard let last = lastCount, count > last, count - startedOffset >= 1 else { return due }
        if let waiting = pending {
            due.append(event(lap: waiting.lap, time: nil))
            pending = nil
        }
        let lap = count - startedOffset
        if lapTime == nil {
            due.append(event(lap: lap, time: nil))
        } else {
            pending = (lap, time, tick)
        }
        return due
    }

    /// The event data; a float lap time stays a float so it prints as the sim wrote it (83.512).
    private func event(lap: Int, time: Double?) -> JSONValue {
        var fields: [(String, JSONValue)] = [("lap", .int(Int64(lap)))]
        if let time, time > 0, time.isFinite {
            fields.append(("lastLapTime", lapTime?.type == .float ? .float(Float(time)) : .double(time)))
        }
        return .object(fields)
    }
}
