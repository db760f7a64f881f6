import BrokerCore

/// A small synthetic recording of one source, `car`, covering every variable type and line kind:
/// status, session info, a declaration, `frames` frames every `interval` seconds, a lap event
/// after frame 10, and a closing status.
struct SampleRecording {
    static let startTime = 1_700_000_000.25
    static let variables: [VariableInfo] = [
        VariableCatalogue.info("Speed"), VariableCatalogue.info("Gear"), VariableCatalogue.info("RPM"),
        VariableInfo(name: "WheelHeight", type: .float, count: 4, unit: "m", description: "Height of each wheel above the road"),
        VariableInfo(name: "DriverName", type: .string, description: "Driver at the wheel"),
        VariableInfo(name: "OnPit", type: .bool, description: "In the pit lane"),
        VariableInfo(name: "RaceFlags", type: .bitfield, unit: "irsdk_Flags", description: "Flags shown"),
        VariableInfo(name: "Odometer", type: .double, unit: "m", description: "Distance driven"),
    ]
    static let sessionInfo: JSONValue = .object([
        ("WeekendInfo", .object([("TrackName", "tsukuba"), ("TrackLength", "2.0 km"), ("TrackID", 42)])),
        ("DriverInfo", .object([("Drivers", .array([.object([("CarIdx", 0), ("UserName", "Jürgen \"J\" Ä")])]))])),
    ])
    static let lapEvent: JSONValue = .object([("CarIdx", 0), ("Lap", 1), ("LapTime", 61.234)])

    var source = "car"
    var frames = 20
    var interval = 0.05

    /// Frame `i`'s `data` object as the sinks write it.
    static func data(_ i: Int) -> String {
        var writer = JSONWriter()
        writer.byte(UInt8(ascii: "{"))
        writer.key("Speed")
        writer.float(Float(i) * 0.1 + 0.3)
        writer.raw(",")
        writer.key("Gear")
        writer.int(i % 6 - 1)
        writer.raw(",")
        writer.key("RPM")
        if i == 3 { writer.null() } else { writer.float(1000 + Float(i) * 37.7) }
        writer.raw(",")
        writer.key("WheelHeight")
        writer.write(.array([.float(Float(i) * 0.01), .float(-0.02), .float(1e-5), .float(3.4028235e38)]))
        writer.raw(",")
        writer.key("DriverName")
        writer.string(i % 2 == 1 ? "Jürgen \"J\" \(i)" : "Ann")
        writer.raw(",")
        writer.key("OnPit")
        writer.bool(i % 2 == 0)
        writer.raw(",")
        writer.key("RaceFlags")
        writer.int(UInt32(0x8000_0000) + UInt32(i))
        writer.raw(",")
        writer.key("Odometer")
        writer.double(1234.567890123 + Double(i) / 3)
        writer.byte(UInt8(ascii: "}"))
        return writer.string
    }

    /// Recorded time of frame `i`.
    func time(ofFrame i: Int) -> Double { Self.startTime + Double(i) * interval }

    var lines: [String] {
        let t0 = Self.startTime
        var lines = [
            RecordingLines.status(time: t0, [(source, .object([("connected", true), ("type", "mock"), ("seed", 7)]))]),
            RecordingLines.sessionInfo(source, time: t0, data: Self.sessionInfo),
            RecordingLines.declare(source, time: t0, Self.variables),
        ]
        for i in 0..<frames {
            lines.append(RecordingLines.telemetry(source, seq: i + 1, time: time(ofFrame: i), data: Self.data(i)))
            if i == 10 { lines.append(RecordingLines.event(source, name: "lap", time: time(ofFrame: i) + 0.02, data: Self.lapEvent)) }
        }
        lines.append(RecordingLines.status(time: time(ofFrame: frames), [(source, .object([("connected", false), ("type", "mock"), ("seed", 7)]))]))
        return lines
    }

    var text: String { lines.joined(separator: "\n") + "\n" }
}
