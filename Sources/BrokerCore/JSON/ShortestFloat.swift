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

    /// `significand × 10^exponent` is the shortest, closest decimal for a positive finite `value`.
    /// `significand` may end in zeros.
    static func digits(of value: Float) -> (significand: UInt64, exponent: Int) {
        let bits = value.bitPattern
        let fraction = UInt64(bits & 0x7F_FFFF)
        let biasedExponent = Int(bits >> 23 & 0xFF)
        let m = biasedExponent == 0 ? fraction : fraction | 0x80_0000
        // value = 4m × 2^e2; the midpoints are (4m ± 2) × 2^e2, except below a power of two, where
        // the lower neighbour is half as far.
        let e2 = max(biasedExponent, 1) - 152
        let includesBounds = m & 1 == 0
        let exponent = decimalExponent(ofPowerOfTwo: e2) - 1
        let power = powerOfFive(abs(exponent))
        var (vr, vrIsExact) = scaled(4 * m, e2: e2, q: exponent, powerOfFive: power)
        var (vp, vpIsExact) = scaled(4 * m + 2, e2: e2, q: exponent, powerOfFive: power)
        var (vm, vmIsExact) = scaled(fraction == 0 && biasedExponent > 1 ? 4 * m - 1 : 4 * m - 2, e2: e2, q: exponent, powerOfFive: power)
        if vpIsExact && !includesBounds { vp -= 1 }

        var removed = 0
        var lastRemovedDigit: UInt64 = 0
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
        // The lower midpoint itself, when it is allowed and has fewer digits still.
        let lowerBoundIsCandidate = includesBounds && vmIsExact
        if lowerBoundIsCandidate {
            while vm % 10 == 0 { dropDigit() }
        }
        if vrIsExact && lastRemovedDigit == 5 && vr % 2 == 0 { lastRemovedDigit = 4 }
        let roundUp = (vr == vm && !lowerBoundIsCandidate) || lastRemovedDigit >= 5
        return (vr + (roundUp ? 1 : 0), exponent + removed)
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
