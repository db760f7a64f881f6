/// The iRacing decode path as a benchmark can time it (BENCHMARKS.md: copy + torn-read check + 20
/// variables, >= 1,000,000 rows/s on one core).
///
/// It runs the live follower's own copy step (`IRSDKLiveReader.copyNewestRow`) on a memory map and
/// reads the chosen variables out of each copy, so what it measures is what the source does per row.
public struct IRSDKRowDecodeBenchmark {
    /// Twenty variables a dashboard typically asks for (all present in live maps and .ibt files).
    public static let typicalVariables = [
        "SessionTime", "SessionTick", "Speed", "RPM", "Gear", "Throttle", "Brake", "Clutch", "SteeringWheelAngle",
        "LapDistPct", "Lap", "LapCompleted", "LapCurrentLapTime", "FuelLevel", "FuelLevelPct", "OilTemp", "WaterTemp",
        "LatAccel", "LongAccel", "SessionFlags",
    ]

    private let memory: any IRSDKSharedMemory
    private let header: IRSDKHeader
    private let variables: [IRSDKVariable]

    /// Reads the map's layout; throws when it is malformed or lacks one of `variableNames`.
    public init(memory: any IRSDKSharedMemory, variableNames: [String] = typicalVariables) throws {
        let description = try IRSDKParser.description(of: memory)
        var chosen: [IRSDKVariable] = []
        for name in variableNames {
            guard let variable = description.variable(named: name) else {
                throw IRSDKFormatError("the map declares no variable '\(name)'")
            }
            chosen.append(variable)
        }
        self.memory = memory
        header = description.header
        variables = chosen
    }

    /// Copies the newest row `rows` times with the tick re-check, reads every chosen variable (every
    /// element of arrays) from each copy, and returns the sum of what it read (so the work cannot be
    /// optimised away) and the rows that came through untorn.
    public func decode(rows: Int) -> (checksum: Double, decoded: Int) {
        var checksum = 0.0
        var decoded = 0
        for _ in 0..<max(rows, 0) {
            guard let row = IRSDKLiveReader.copyNewestRow(memory, header: header, newerThan: nil).row else { continue }
            decoded += 1
            row.withUnsafeBytes { bytes in
                for variable in variables {
                    for element in 0..<variable.count { checksum += variable.number(in: bytes, element: element) ?? 0 }
                }
            }
        }
        return (checksum, decoded)
    }
}
