import BrokerCore

/// Session info for the mock, shaped like iRacing's (`WeekendInfo`, `SessionInfo`, `DriverInfo` with
/// a driver per car), so `sessioninfo`, standings and driver lists have something real to show.
enum MockSessionInfo {
    static let firstNames = ["Alex", "Sam", "Robin", "Jules", "Kim", "Noa", "Charlie", "Eli", "Toni", "Max", "Ari", "Jo"]
    static let lastNames = ["Lindqvist", "Moreau", "Tanaka", "Okafor", "Rossi", "Novak", "Silva", "Brennan", "Kowalski", "Haas"]

    static func make(cars: Int, seed: UInt64) -> JSONValue {
        var random = MockRandom(seed: seed ^ 0x5EED)
        let drivers: [JSONValue] = (0..<cars).map { index in
            let first = firstNames[Int(random.next() % UInt64(firstNames.count))]
            let last = lastNames[Int(random.next() % UInt64(lastNames.count))]
            return .object([
                ("CarIdx", .int(Int64(index))),
                ("UserName", .string("\(first) \(last)")),
                ("AbbrevName", .string("\(last), \(first.prefix(1))")),
                ("Initials", .string("\(first.prefix(1))\(last.prefix(1))")),
                ("UserID", .int(Int64(100_000 + index))),
                ("CarNumber", .string("\(index + 1)")),
                ("CarNumberRaw", .int(Int64(index + 1))),
                ("CarScreenName", "Mock Formula"),
                ("CarScreenNameShort", "Mock F"),
                ("CarClassID", 1),
                ("CarClassShortName", "MF"),
                ("IRating", .int(Int64(1200 + random.next() % 3000))),
                ("LicString", "A 3.50"),
                ("IsSpectator", 0),
            ])
        }
        return .object([
            (
                "WeekendInfo",
                .object([
                    ("TrackName", "mock_ring"),
                    ("TrackID", 1),
                    ("TrackLength", "4.00 km"),
                    ("TrackDisplayName", "Mock Ring"),
                    ("TrackDisplayShortName", "Mock"),
                    ("TrackCity", "Nowhere"),
                    ("TrackCountry", "Mockland"),
                    ("TrackNumTurns", 9),
                    ("TrackAirTemp", "21.50 C"),
                    ("TrackSurfaceTemp", "32.00 C"),
                    ("SessionID", 1),
                    ("SubSessionID", 1),
                    ("EventType", "Race"),
                    ("Category", "Road"),
                    ("SimMode", "mock"),
                    ("WeekendOptions", .object([("NumStarters", .int(Int64(cars))), ("Date", "2026-01-01")])),
                ])
            ),
            (
                "SessionInfo",
                .object([
                    (
                        "Sessions",
                        .array([
                            .object([
                                ("SessionNum", 0), ("SessionLaps", "unlimited"), ("SessionTime", "unlimited"),
                                ("SessionType", "Race"), ("SessionName", "RACE"),
                            ])
                        ])
                    )
                ])
            ),
            (
                "DriverInfo",
                .object([
                    ("DriverCarIdx", 0),
                    ("DriverUserID", 100_000),
                    ("DriverCarIdleRPM", .double(MockSimulation.idleRPM)),
                    ("DriverCarRedLine", .double(MockSimulation.redlineRPM)),
                    ("Drivers", .array(drivers)),
                ])
            ),
        ])
    }
}
