import BrokerCore

/// What the Forza source knows between datagrams: the format seen, whether the car is on track,
/// the lap and position (for events), and the packet rate. Pure state, no sockets, so the rules
/// (IsRaceOn 0 is a status not a frame, lap events, drops) are tested without a network.
struct ForzaSession {
    /// What one datagram produced.
    struct Outcome {
        var row: FrameRow?
        var events: [(name: String, data: JSONValue)] = []
        /// The status details changed (on/off track, format, car, a new rate figure).
        var statusChanged = false
    }

    let writer: ForzaFrameWriter
    let formatChoice: ForzaSourceConfig.FormatChoice
    let drops: DropTally

    private(set) var format: ForzaFormat?
    private(set) var onTrack: Bool?
    private(set) var carOrdinal: Int32?
    private(set) var packetsPerSecond = 0.0
    private(set) var decoded: UInt64 = 0
    private var lapNumber: UInt16?
    private var racePosition: UInt8?
    private var rateWindow: (start: Double, count: Int)?

    init(writer: ForzaFrameWriter, formatChoice: ForzaSourceConfig.FormatChoice, drops: DropTally) {
        self.writer = writer
        self.formatChoice = formatChoice
        self.drops = drops
    }

    mutating func handle(_ bytes: [UInt8], now: Double) -> Outcome {
        var outcome = Outcome()
        countForRate(now: now, outcome: &outcome)
        guard let format = accept(length: bytes.count) else { return outcome }
        let packet = bytes.withUnsafeBytes { ForzaPacket.decode($0, format: format) }
        decoded += 1
        if self.format != format {
            self.format = format
            outcome.statusChanged = true
        }
        let racing = packet.sled.isRaceOn != 0
        if onTrack != racing {
            onTrack = racing
            outcome.statusChanged = true
        }
        // Off track (menus, paused) the Horizon games zero everything but the clock: nothing to show.
        guard racing else { return outcome }
        if carOrdinal != packet.sled.carOrdinal {
            carOrdinal = packet.sled.carOrdinal
            lapNumber = nil
            racePosition = nil
            outcome.statusChanged = true
        }
        if let dash = packet.dash { outcome.events = events(for: dash) }
        outcome.row = writer.row(packet)
        return outcome
    }

    /// The format of a datagram of `length` bytes, or nil after counting it as dropped.
    private func accept(length: Int) -> ForzaFormat? {
        if let fixed = formatChoice.fixed {
            if length == fixed.length { return fixed }
            drops.record("length does not match format", detail: "\(length) bytes, format \(fixed.rawValue) is \(fixed.length)")
            return nil
        }
        if let format = ForzaFormat(length: length) { return format }
        drops.record("unknown length", detail: "\(length) bytes; Forza sends 232, 311, 324 or 331")
        return nil
    }

    /// `lap` when the lap counter goes up by one, `position` when the race position changes; a
    /// counter that goes down (a new race) resets without an event.
    private mutating func events(for dash: ForzaPacket.Dash) -> [(name: String, data: JSONValue)] {
        var events: [(name: String, data: JSONValue)] = []
        if let previous = lapNumber, dash.lapNumber == previous &+ 1 {
            events.append(
                (
                    "lap",
                    .object([
                        ("LapCompleted", .int(Int64(dash.lapNumber))), ("LapTime", .double(Double(dash.lastLap))),
                        ("BestLapTime", .double(Double(dash.bestLap))), ("Position", .int(Int64(dash.racePosition))),
                    ])
                ))
        }
        lapNumber = dash.lapNumber
        if let previous = racePosition, previous != dash.racePosition, previous != 0, dash.racePosition != 0 {
            events.append(("position", .object([("Position", .int(Int64(dash.racePosition))), ("Previous", .int(Int64(previous)))])))
        }
        racePosition = dash.racePosition
        return events
    }

    /// Packets per second over windows of at least a second; a new figure changes the status.
    private mutating func countForRate(now: Double, outcome: inout Outcome) {
        guard var window = rateWindow else {
            rateWindow = (now, 1)
            return
        }
        window.count += 1
        let elapsed = now - window.start
        if elapsed >= 1 {
            packetsPerSecond = Double(window.count - 1) / elapsed
            window = (now, 1)
            outcome.statusChanged = true
        }
        rateWindow = window
    }

    /// The silence ended a spell: the next datagram starts a fresh rate window.
    mutating func silenceBegan() {
        rateWindow = nil
        packetsPerSecond = 0
    }

    /// Status details besides the intake's (listen, forward).
    var statusDetails: [(String, JSONValue)] {
        [
            ("format", format.map { .string($0.rawValue) } ?? .null),
            ("on_track", onTrack.map { .bool($0) } ?? .null),
            ("packets_per_s", .double((packetsPerSecond * 10).rounded() / 10)),
            ("car_ordinal", carOrdinal.map { .int(Int64($0)) } ?? .null),
            ("dropped", drops.json),
        ]
    }
}
