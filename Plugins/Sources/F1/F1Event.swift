import BrokerCore

/// An Event packet (id 3): a four-letter code and the details that code carries, decoded into named
/// fields (EA's names) ready for the broker's event stream.
public struct F1Event: Sendable {
    /// The wire code, e.g. `FTLP`.
    public var code: String
    /// The broker's event name for the code, e.g. `fastest_lap`.
    public var name: String
    /// The decoded details, EA's field names; car indices are also given as `CarIdx` fields.
    public var fields: [(String, JSONValue)]

    /// The codes F1 24 and 25 define, with the broker's name for each.
    public static let names: [String: String] = [
        "SSTA": "session_started", "SEND": "session_ended", "FTLP": "fastest_lap", "RTMT": "retirement", "DRSE": "drs_enabled",
        "DRSD": "drs_disabled", "TMPT": "team_mate_in_pits", "CHQF": "chequered_flag", "RCWN": "race_winner", "PENA": "penalty",
        "SPTP": "speed_trap", "STLG": "start_lights", "LGOT": "lights_out", "DTSV": "drive_through_served", "SGSV": "stop_go_served",
        "FLBK": "flashback", "BUTN": "buttons", "RDFL": "red_flag", "OVTK": "overtake", "SCAR": "safety_car", "COLL": "collision",
    ]

    init(_ b: F1Bytes) throws(F1DecodeError) {
        let codeBytes = (0..<4).map { b.u8($0) }
        code = String(decoding: codeBytes, as: UTF8.self)
        guard let name = Self.names[code] else {
            throw .unknownEventCode(
                code.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 32 } ? code : codeBytes.map { String($0) }.joined(separator: " "))
        }
        self.name = name
        let d = 4  // the details union starts after the code
        func car(_ key: String, _ offset: Int) -> [(String, JSONValue)] {
            let index = b.u8(offset)
            return [(key, .int(Int64(index)))]
        }
        func u8(_ key: String, _ offset: Int) -> (String, JSONValue) { (key, .int(Int64(b.u8(offset)))) }
        func f32(_ key: String, _ offset: Int) -> (String, JSONValue) { (key, .float(b.f32(offset))) }
        switch code {
        case "FTLP":
            fields = car("vehicleIdx", d) + [f32("lapTime", d + 1)]
        case "RTMT":
            fields = car("vehicleIdx", d) + [u8("reason", d + 1)]
        case "DRSD":
            fields = [u8("reason", d)]
        case "TMPT", "RCWN", "DTSV":
            fields = car("vehicleIdx", d)
        case "SGSV":
            fields = car("vehicleIdx", d) + [f32("stopTime", d + 1)]
        case "PENA":
            fields =
                [u8("penaltyType", d), u8("infringementType", d + 1)] + car("vehicleIdx", d + 2) + car("otherVehicleIdx", d + 3) + [
                    u8("time", d + 4), u8("lapNum", d + 5), u8("placesGained", d + 6),
                ]
        case "SPTP":
            fields =
                car("vehicleIdx", d) + [f32("speed", d + 1), u8("isOverallFastestInSession", d + 5), u8("isDriverFastestInSession", d + 6)]
                + car("fastestVehicleIdxInSession", d + 7) + [f32("fastestSpeedInSession", d + 8)]
        case "STLG":
            fields = [u8("numLights", d)]
        case "FLBK":
            fields = [("flashbackFrameIdentifier", .int(Int64(b.u32(d)))), f32("flashbackSessionTime", d + 4)]
        case "BUTN":
            fields = [("buttonStatus", .int(Int64(b.u32(d))))]
        case "OVTK":
            fields = car("overtakingVehicleIdx", d) + car("beingOvertakenVehicleIdx", d + 1)
        case "SCAR":
            fields = [u8("safetyCarType", d), u8("eventType", d + 1)]
        case "COLL":
            fields = car("vehicle1Idx", d) + car("vehicle2Idx", d + 1)
        default:  // SSTA, SEND, DRSE, CHQF, LGOT, RDFL carry no details
            fields = []
        }
    }

    /// The car indices the event names (255 = none is left out), for `CarIdx`-style consumers.
    public var carIndices: [Int] {
        fields.compactMap { key, value in
            guard key.hasSuffix("Idx") || key.hasSuffix("VehicleIdx"), case .int(let index) = value, index < 22 else { return nil }
            return Int(index)
        }
    }
}
