/// The InSim packet identifiers (`ISP_*`, the second byte of every packet) and the byte lengths
/// InSim 10 allows for each, so the decoder can reject a packet whose Size byte does not fit its type.
///
/// Every LFS type is listed, including the many this source never decodes: LFS sends some of them
/// unprompted (votes, camera changes, flags...), and they must pass the length check and be skipped,
/// not treated as garbage. A type number outside this list is garbage.
public enum InSimPacketType {
    public static let isi: UInt8 = 1
    public static let ver: UInt8 = 2
    public static let tiny: UInt8 = 3
    public static let small: UInt8 = 4
    public static let sta: UInt8 = 5
    public static let ism: UInt8 = 10
    public static let mso: UInt8 = 11
    public static let iii: UInt8 = 12
    public static let mst: UInt8 = 13
    public static let rst: UInt8 = 17
    public static let ncn: UInt8 = 18
    public static let cnl: UInt8 = 19
    public static let cpr: UInt8 = 20
    public static let npl: UInt8 = 21
    public static let plp: UInt8 = 22
    public static let pll: UInt8 = 23
    public static let lap: UInt8 = 24
    public static let spx: UInt8 = 25
    public static let pit: UInt8 = 26
    public static let psf: UInt8 = 27
    public static let pla: UInt8 = 28
    public static let pen: UInt8 = 30
    public static let toc: UInt8 = 31
    public static let fin: UInt8 = 34
    public static let res: UInt8 = 35
    public static let nlp: UInt8 = 37
    public static let mci: UInt8 = 38
    /// The highest type number InSim 10 defines (IS_SET).
    public static let highest: UInt8 = 70

    /// MCI_MAX_CARS: cars per IS_MCI (several packets per interval carry more).
    public static let maximumCarsPerMCI = 16
    /// NLP_MAX_CARS in InSim 10 (40 in InSim 9, which the bound also covers).
    public static let maximumCarsPerNLP = 48

    /// How long a packet of a type may be, in bytes.
    public enum LengthRule: Sendable, Equatable {
        case fixed(Int)
        /// Variable text packets and lists: any multiple of 4 in the range.
        case range(ClosedRange<Int>)
        /// IS_MCI: exactly 4 + 28 x NumC.
        case multiCarInfo
        /// IS_NLP: exactly 4 + 6 x NumP, rounded up to a multiple of 4.
        case nodeLap
    }

    /// The length rule for `type`, or nil when InSim 10 has no such type.
    public static func lengthRule(for type: UInt8) -> LengthRule? {
        guard type >= 1, type <= highest else { return nil }
        return lengthRules[Int(type)]
    }

    /// Indexed by type number; from the InSim 10 header's struct sizes.
    private static let lengthRules: [LengthRule?] = [
        nil,  // 0 ISP_NONE
        .fixed(44),  // 1 ISI
        .fixed(20),  // 2 VER
        .fixed(4),  // 3 TINY
        .fixed(8),  // 4 SMALL
        .fixed(28),  // 5 STA
        .fixed(8),  // 6 SCH
        .fixed(8),  // 7 SFP
        .fixed(8),  // 8 SCC
        .fixed(32),  // 9 CPP
        .fixed(40),  // 10 ISM
        .range(12...136),  // 11 MSO
        .range(12...72),  // 12 III
        .fixed(68),  // 13 MST
        .range(12...136),  // 14 MTC
        .fixed(20),  // 15 MOD
        .fixed(8),  // 16 VTN
        .fixed(28),  // 17 RST
        .fixed(56),  // 18 NCN
        .fixed(8),  // 19 CNL
        .fixed(36),  // 20 CPR
        .fixed(76),  // 21 NPL
        .fixed(4),  // 22 PLP
        .fixed(4),  // 23 PLL
        .fixed(20),  // 24 LAP
        .fixed(16),  // 25 SPX
        .fixed(24),  // 26 PIT
        .fixed(12),  // 27 PSF
        .fixed(8),  // 28 PLA
        .fixed(8),  // 29 CCH
        .fixed(8),  // 30 PEN
        .fixed(8),  // 31 TOC
        .fixed(8),  // 32 FLG
        .fixed(8),  // 33 PFL
        .fixed(20),  // 34 FIN
        .fixed(84),  // 35 RES
        .fixed(52),  // 36 REO
        .nodeLap,  // 37 NLP
        .multiCarInfo,  // 38 MCI
        .fixed(100),  // 39 MSX
        .fixed(132),  // 40 MSL
        .fixed(4),  // 41 CRS
        .fixed(8),  // 42 BFN
        .fixed(40),  // 43 AXI
        .fixed(4),  // 44 AXO
        .range(12...252),  // 45 BTN
        .fixed(8),  // 46 BTC
        .fixed(104),  // 47 BTT
        .fixed(80),  // 48 RIP
        .fixed(40),  // 49 SSH
        .fixed(44),  // 50 CON
        .fixed(28),  // 51 OBH
        .fixed(20),  // 52 HLV
        .fixed(12),  // 53 PLC
        .range(8...488),  // 54 AXM: 8 + 8 x NumO, NumO <= 60
        .range(12...72),  // 55 ACR
        .fixed(68),  // 56 HCP
        .fixed(16),  // 57 NCI
        .fixed(16),  // 58 JRR
        .fixed(28),  // 59 UCO
        .fixed(8),  // 60 OCO
        .fixed(8),  // 61 TTC
        .fixed(8),  // 62 SLC
        .fixed(20),  // 63 CSC
        .fixed(8),  // 64 CIM
        .range(8...488),  // 65 MAL: 8 + 4 x NumM, NumM <= 120
        .range(4...196),  // 66 PLH: 4 + 4 x NumP, NumP <= 48
        .range(8...488),  // 67 IPB: 8 + 4 x NumB, NumB <= 120
        .range(4...84),  // 68 AIC: 4 + 4 x inputs, inputs <= 20
        .fixed(96),  // 69 AII
        .fixed(136),  // 70 SET
    ]
}

/// IS_TINY subtypes (`TINY_*`) this source sends or reacts to.
public enum TinySubtype {
    public static let none: UInt8 = 0
    public static let ping: UInt8 = 3
    public static let reply: UInt8 = 4
    public static let sendState: UInt8 = 7
    public static let multiplayerEnd: UInt8 = 9
    public static let multiplayerInfo: UInt8 = 10
    public static let raceEnd: UInt8 = 11
    public static let clearRace: UInt8 = 12
    public static let connections: UInt8 = 13
    public static let players: UInt8 = 14
    public static let raceStart: UInt8 = 19
}

/// IS_SMALL subtypes (`SMALL_*`) this source sends.
public enum SmallSubtype {
    /// Start sending OutGauge to the IS_ISI UDP port; UVal is the interval, 0 stops it.
    public static let startGauges: UInt8 = 2
}

/// IS_ISI option bits (`ISF_*`).
public enum InSimFlagBits {
    public static let messageColours: UInt16 = 0x0008
    public static let nodeLap: UInt16 = 0x0010
    public static let multiCarInfo: UInt16 = 0x0020
}

/// CompCar Info bits (`CCI_*`).
public enum CompCarInfoBits {
    public static let outOfBounds: UInt8 = 4
    public static let first: UInt8 = 64
    public static let last: UInt8 = 128
}
