/// The decimal digits Swift's `Float.description` prints, without building a `String`.
///
/// `description` picks the fewest significant digits that read back as the same float and, among
/// those, the ones closest to its exact value. Telemetry messages hold hundreds of fractional
/// floats, and `description` (its formatter, then a `String` per value) was most of their encoding
/// time, so the encoders take the digits from here and print them straight into their buffer.
/// Tests hold the text to `description`'s over every float (see `ShortestFloatTests`).
///
/// The method: a float `m × 2^e` reads back from any number between the midpoints to its two
/// neighbours, midpoints included when `m` is even (parsers round ties to even). The value and both
/// midpoints are scaled by the power of ten that makes the value 10 to 100 times its significand,
/// exactly, in integers (so at least one digit is dropped below, and the first dropped digit
/// rounds); then decimal digits are dropped while the scaled interval still holds a number with
/// fewer digits, and the last kept digit is rounded to nearest (an exact half to even).
enum ShortestFloat {
    /// 5^0 ... 5^27, the powers of five a UInt64 holds. A literal of plain integers, so the
    /// compiler lays it out statically (a computed table costs a lazy-initialisation check per use).
    static let powersOfFive: [UInt64] = [
        1, 5, 25, 125, 625, 3_125, 15_625, 78_125, 390_625, 1_953_125, 9_765_625, 48_828_125, 244_140_625, 1_220_703_125,
        6_103_515_625, 30_517_578_125, 152_587_890_625, 762_939_453_125, 3_814_697_265_625, 19_073_486_328_125,
        95_367_431_640_625, 476_837_158_203_125, 2_384_185_791_015_625, 11_920_928_955_078_125, 59_604_644_775_390_625,
        298_023_223_876_953_125, 1_490_116_119_384_765_625, 7_450_580_596_923_828_125,
    ]

    /// 5^p for p ≤ 47 (⌈151 × log10 2⌉ + 1, what the smallest subnormals need).
    static func powerOfFive(_ p: Int) -> UInt128 {
        let low = min(p, 27)
        return UInt128(powersOfFive[low]) &* UInt128(powersOfFive[p - low])
    }

    /// `significand × 10^exponent` is the shortest, closest decimal for a positive finite `value`;
    /// `significand` has `digitCount` digits and may end in zeros.
    @inline(__always)  // the encoders' one call site: no call, and the common path stays short
    static func digits(of value: Float) -> (significand: UInt64, exponent: Int, digitCount: Int) {
        let bits = value.bitPattern
        let fraction = UInt64(bits & 0x7F_FFFF)
        let biasedExponent = Int(bits >> 23 & 0xFF)
        let m = biasedExponent == 0 ? fraction : fraction | 0x80_0000
        // value = 4m × 2^e2; the midpoints are (4m ± 2) × 2^e2, except below a power of two, where
        // the lower neighbour is half as far.
        let e2 = max(biasedExponent, 1) - 152
        let includesBounds = m & 1 == 0
        let exponent = decimalExponent(ofPowerOfTwo: e2) - 1
        let lowerGap: UInt64 = fraction == 0 && biasedExponent > 1 ? 1 : 2
        var vr: UInt64, vp: UInt64, vm: UInt64
        var vrIsExact: Bool, vpIsExact: Bool, vmIsExact: Bool
        let shift = exponent - e2
        if exponent >= -15 && exponent < 0 && shift > 0 {
            // Values from about 5e-7 to 8e6 (nearly all telemetry): 4m × 5^-exponent stays under
            // 2^62, so one 64-bit product serves the value and both midpoints, and a shift divides.
            let power = powersOfFive[-exponent]
            let scaledValue = 4 * m * power
            let upper = scaledValue + 2 * power
            let lower = scaledValue - lowerGap * power
            let droppedBits = UInt64.max >> (64 - shift)
            vr = scaledValue >> shift
            vp = upper >> shift
            vm = lower >> shift
            vrIsExact = scaledValue & droppedBits == 0
            vpIsExact = upper & droppedBits == 0
            vmIsExact = lower & droppedBits == 0
        } else {
            (vr, vrIsExact, vp, vpIsExact, vm, vmIsExact) = scaledOutsideFastRange(m: m, lowerGap: lowerGap, e2: e2, q: exponent)
        }
        if vpIsExact && !includesBounds { vp -= 1 }

        var removed = 0
        var lastRemovedDigit: UInt64 = 0
        let lowerBoundIsCandidate: Bool
        // The digit count, when known without counting: a normal float's scaled value has 9 or
        // 10 digits (it is 10 to 100 times 4m, and 2^25 ≤ 4m < 2^26), less those dropped. Known
        // early, it spares the layout a count that would wait on the finished digits.
        var scaledDigitCount = 0  // 0: not known
        if !vrIsExact && !(includesBounds && vmIsExact) {
            // The common case: no exact value or usable lower bound to track, only the first
            // dropped digit (for rounding). The interval is at least 28 wide, so one digit always
            // goes; whether a second and a third go too is worked out side by side and picked
            // without branches (how many go varies value to value, so a loop mispredicts), and
            // only values with still fewer digits loop on.
            let (r1, p1, m1) = (vr / 10, vp / 10, vm / 10)
            let (r2, p2, m2) = (vr / 100, vp / 100, vm / 100)
            let (r3, p3, m3) = (vr / 1000, vp / 1000, vm / 1000)
            let second = p2 > m2
            let third = p3 > m3  // implies `second`: when the thousands differ so do the hundreds
            lastRemovedDigit = third ? r2 &- r3 &* 10 : second ? r1 &- r2 &* 10 : vr &- r1 &* 10
            vr = third ? r3 : second ? r2 : r1
            vp = third ? p3 : second ? p2 : p1
            vm = third ? m3 : second ? m2 : m1
            removed = third ? 3 : second ? 2 : 1
            if biasedExponent != 0 { scaledDigitCount = r1 >= 100_000_000 ? 10 : 9 }
            if third {
                while vp / 10 > vm / 10 {
                    lastRemovedDigit = vr % 10
                    vr /= 10
                    vp /= 10
                    vm /= 10
                    removed += 1
                }
            }
            lowerBoundIsCandidate = false
        } else {
            // Exact values (ties round to even) and an exact lower bound (itself a candidate with
            // fewer digits): a digit at a time, tracking whether everything dropped was zero.
            func dropDigit() {
                vrIsExact = vrIsExact && lastRemovedDigit == 0
                lastRemovedDigit = vr % 10
                vr /= 10
                vp /= 10
                vm /= 10
                removed += 1
            }
            while vp / 10 > vm / 10 {
                vmIsExact = vmIsExact && vm % 10 == 0
                dropDigit()
            }
            lowerBoundIsCandidate = includesBounds && vmIsExact
            if lowerBoundIsCandidate {
                while vm % 10 == 0 { dropDigit() }
            }
            if vrIsExact && lastRemovedDigit == 5 && vr % 2 == 0 { lastRemovedDigit = 4 }
        }
        let roundUp = (vr == vm && !lowerBoundIsCandidate) || lastRemovedDigit >= 5
        let significand = vr + (roundUp ? 1 : 0)
        var digitCount = scaledDigitCount - removed
        if scaledDigitCount == 0 {
            digitCount = JSONCursor.decimalDigitCount(significand)
        } else if _slowPath(significand == JSONCursor.powersOfTen[digitCount]) {
            digitCount += 1  // rounding up carried into a new digit (a branch, not a data dependency)
        }
        return (significand, exponent + removed, digitCount)
    }

    /// The value and its midpoints scaled as `scaled` does, for the rare values (tiny or huge) the
    /// 64-bit product does not cover; kept out of line so the common path stays small.
    @inline(never)
    private static func scaledOutsideFastRange(m: UInt64, lowerGap: UInt64, e2: Int, q: Int)
        -> (UInt64, Bool, UInt64, Bool, UInt64, Bool)
    {
        let power = powerOfFive(abs(q))
        let (vr, vrIsExact) = scaled(4 * m, e2: e2, q: q, powerOfFive: power)
        let (vp, vpIsExact) = scaled(4 * m + 2, e2: e2, q: q, powerOfFive: power)
        let (vm, vmIsExact) = scaled(4 * m - lowerGap, e2: e2, q: q, powerOfFive: power)
        return (vr, vrIsExact, vp, vpIsExact, vm, vmIsExact)
    }

    /// ⌊e2 × log10 2⌋ for -151 ≤ e2 ≤ 102 (a test checks the whole range).
    static func decimalExponent(ofPowerOfTwo e2: Int) -> Int { (e2 * 315_653) >> 20 }

    /// ⌊n × 2^e2 / 10^q⌋ for n < 2^27, and whether the division is exact; `powerOfFive` is
    /// 5^|q|. With q one below `decimalExponent(ofPowerOfTwo:)`, 2^e2 / 10^q is in [10, 100), so
    /// the result is below 2^34.
    @inline(__always)  // three calls with the same e2 and q: inlined, they share their branches
    private static func scaled(_ n: UInt64, e2: Int, q: Int, powerOfFive: UInt128) -> (UInt64, isExact: Bool) {
        if q >= 0 {
            // n × 2^(e2-q) / 5^q: the numerator stays under 2^27 × 2^73.
            let (quotient, remainder) = (UInt128(n) &<< (e2 - q)).quotientAndRemainder(dividingBy: powerOfFive)
            return (UInt64(truncatingIfNeeded: quotient), remainder == 0)
        }
        // n × 5^-q / 2^s
        let s = q - e2
        if s <= 0 { return ((n * UInt64(powerOfFive)) << -s, true) }  // 0 ≤ e2 ≤ 3, p = 1
        // The product (up to 2^137) in two 128-bit halves.
        let low = UInt128(n) &* (powerOfFive & UInt128(UInt64.max))
        let high = UInt128(n) &* (powerOfFive &>> 64)
        let quotient = s >= 64 ? (high &+ (low &>> 64)) &>> (s - 64) : (high &<< (64 - s)) &+ (low &>> s)
        return (UInt64(truncatingIfNeeded: quotient), n.trailingZeroBitCount >= s)
    }
}
