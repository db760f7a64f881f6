/// EA's numeric codes turned into words for session info and events (the spec's appendices).
enum F1Names {
    static let tracks: [Int: String] = [
        0: "Melbourne", 1: "Paul Ricard", 2: "Shanghai", 3: "Sakhir", 4: "Catalunya", 5: "Monaco", 6: "Montreal", 7: "Silverstone",
        8: "Hockenheim", 9: "Hungaroring", 10: "Spa", 11: "Monza", 12: "Singapore", 13: "Suzuka", 14: "Abu Dhabi", 15: "Texas",
        16: "Brazil", 17: "Austria", 18: "Sochi", 19: "Mexico", 20: "Baku", 21: "Sakhir Short", 22: "Silverstone Short",
        23: "Texas Short", 24: "Suzuka Short", 25: "Hanoi", 26: "Zandvoort", 27: "Imola", 28: "Portimao", 29: "Jeddah", 30: "Miami",
        31: "Las Vegas", 32: "Losail", 39: "Silverstone Reverse", 40: "Austria Reverse", 41: "Zandvoort Reverse",
    ]

    static let sessionTypes = [
        "Unknown", "Practice 1", "Practice 2", "Practice 3", "Short Practice", "Qualifying 1", "Qualifying 2", "Qualifying 3",
        "Short Qualifying", "One-Shot Qualifying", "Sprint Shootout 1", "Sprint Shootout 2", "Sprint Shootout 3",
        "Short Sprint Shootout", "One-Shot Sprint Shootout", "Race", "Race 2", "Race 3", "Time Trial",
    ]

    /// iRacing's SessionType words for the same kinds of session.
    static func iracingSessionType(_ type: UInt8) -> String {
        switch type {
        case 1...4: "Practice"
        case 5...14: "Qualify"
        case 15...17: "Race"
        case 18: "Time Trial"
        default: "Unknown"
        }
    }

    static let weather = ["Clear", "Light Cloud", "Overcast", "Light Rain", "Heavy Rain", "Storm"]

    static let formulas = ["F1 Modern", "F1 Classic", "F2", "F1 Generic", "Beta", "Esports", "F1 World", "F1 Elimination"]

    static let teams: [Int: String] = [
        0: "Mercedes", 1: "Ferrari", 2: "Red Bull Racing", 3: "Williams", 4: "Aston Martin", 5: "Alpine", 6: "RB", 7: "Haas",
        8: "McLaren", 9: "Sauber",
    ]

    static func name(_ table: [String], _ code: UInt8) -> String {
        Int(code) < table.count ? table[Int(code)] : "Unknown (\(code))"
    }

    static func track(_ id: Int8) -> String { tracks[Int(id)] ?? "Unknown (\(id))" }

    static func team(_ id: UInt8) -> String { teams[Int(id)] ?? "Team \(id)" }
}
