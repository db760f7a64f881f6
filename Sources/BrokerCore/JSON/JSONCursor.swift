/// Writes JSON text at a pointer into room that `JSONWriter.withCursor(reserving:_:)` made, without
/// capacity checks. The `max…Length` bounds say how much room each value can take.
///
/// Numbers print as Swift's `description` prints them (`3.0`, `0.1`, `1e-05`, `-0.0`), which is
/// valid JSON; NaN and infinities print as `null`.
struct JSONCursor {
    /// `-9223372036854775808`, or `18446744073709551615`.
    static let maxIntegerLength = 20
    /// `-1.17549435e-38`: a sign, nine digits, a point and an exponent.
    static let maxFloatLength = 15
    /// `-2.2250738585072014e-308`.
    static let maxDoubleLength = 24

    /// Every byte may become `\u00XX`.
    static func maxStringLength(utf8Count: Int) -> Int { 6 * utf8Count + 2 }

    var position: UnsafeMutablePointer<UInt8>

    mutating func byte(_ b: UInt8) {
        position.pointee = b
        position += 1
    }

    mutating func copy(_ source: UnsafeBufferPointer<UInt8>) {
        guard let base = source.baseAddress else { return }
        let count = source.count
        if count >= 8 && count <= 64 {
            // Keys (`,"Name":`, mostly 10 to 30 bytes): eight-byte moves inline, the last one
            // ending at the end (overlapping the one before), instead of a call to memmove.
            let from = UnsafeRawPointer(base)
            let to = UnsafeMutableRawPointer(position)
            var offset = 0
            while offset < count - 8 {
                to.storeBytes(of: from.loadUnaligned(fromByteOffset: offset, as: UInt64.self), toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self), toByteOffset: count - 8, as: UInt64.self)
        } else {
            position.initialize(from: base, count: count)
        }
        position += count
    }

    mutating func copy(_ text: StaticString) { text.withUTF8Buffer { copy($0) } }

    /// Four bytes in one store (`null`, `true`, `fals`): cheaper than a copy from a StaticString.
    private mutating func word(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        let word = UInt32(b0) | UInt32(b1) << 8 | UInt32(b2) << 16 | UInt32(b3) << 24
        UnsafeMutableRawPointer(position).storeBytes(of: word.littleEndian, as: UInt32.self)
        position += 4
    }

    mutating func null() { word(UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")) }

    mutating func bool(_ value: Bool) {
        if value { return word(UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "u"), UInt8(ascii: "e")) }
        word(UInt8(ascii: "f"), UInt8(ascii: "a"), UInt8(ascii: "l"), UInt8(ascii: "s"))
        byte(UInt8(ascii: "e"))
    }

    mutating func int(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        int(value.magnitude)
    }

    mutating func int(_ value: UInt64) {
        let count = Self.decimalDigitCount(value)
        Self.writeDigits(value, endingAt: position + count)
        position += count
    }

    /// "00", "01", ... "99": a digit pair is one two-byte load and store, not a division by ten.
    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    /// The digits of `pair` (< 100) at `destination`.
    @inline(__always)
    private static func writePair<T: BinaryInteger>(_ pair: T, at destination: UnsafeMutablePointer<UInt8>) {
        let text = UnsafeRawPointer(digitPairs.utf8Start).loadUnaligned(fromByteOffset: 2 * Int(pair), as: UInt16.self)
        UnsafeMutableRawPointer(destination).storeBytes(of: text, as: UInt16.self)
    }

    /// Writes the digits of `value` so that the last lands just before `end`, two at a time from
    /// the last: each step divides by 100, halving the chain of dependent divisions. Values that
    /// fit 32 bits (nearly all: every float's digits, most integers) divide in 32 bits.
    @inline(__always)
    private static func writeDigits(_ value: UInt64, endingAt end: UnsafeMutablePointer<UInt8>) {
        if value <= UInt32.max { return writeDigits(UInt32(truncatingIfNeeded: value), endingAt: end) }
        var rest = value
        var end = end
        while rest >= 100 {
            end -= 2
            writePair(rest % 100, at: end)
            rest /= 100
        }
        lastDigits(UInt32(truncatingIfNeeded: rest), endingAt: end)
    }

    @inline(__always)
    private static func writeDigits(_ value: UInt32, endingAt end: UnsafeMutablePointer<UInt8>) {
        var rest = value
        var end = end
        // Four digits per step: the two pairs of a step do not wait for each other.
        while rest >= 10_000 {
            let four = rest % 10_000
            rest /= 10_000
            end -= 4
            writePair(four / 100, at: end)
            writePair(four % 100, at: end + 2)
        }
        if rest >= 100 {
            end -= 2
            writePair(rest % 100, at: end)
            rest /= 100
        }
        lastDigits(rest, endingAt: end)
    }

    /// The leading one or two digits (`rest` < 100).
    @inline(__always)
    private static func lastDigits(_ rest: UInt32, endingAt end: UnsafeMutablePointer<UInt8>) {
        if rest >= 10 {
            writePair(rest, at: end - 2)
        } else {
            end[-1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
        }
    }

    /// 10^0 ... 10^19, as a literal the compiler lays out statically.
    static let powersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ]

    /// From the bit length: a number of b bits has ⌊b × log10 2⌋ or one more digits.
    static func decimalDigitCount(_ value: UInt64) -> Int {
        if value < 10 { return 1 }
        let estimate = ((64 - value.leadingZeroBitCount) * 1233) >> 12  // 1233 / 4096 ≈ log10 2
        return estimate + (value >= powersOfTen[estimate] ? 1 : 0)
    }

    mutating func float(_ value: Float) {
        guard value.isFinite else { return null() }
        // Whole numbers up to 2^24 (car slot arrays are mostly these) skip the digit search.
        if value.magnitude <= 16_777_216, value == Float(Int32(value)) {
            return wholeNumber(UInt64(Int32(value).magnitude), negative: value.sign == .minus)
        }
        if value.sign == .minus { byte(UInt8(ascii: "-")) }
        let (significand, exponent, count) = ShortestFloat.digits(of: value.magnitude)
        decimal(significand, exponent: exponent, count: count, exponential: value.magnitude > 16_777_216)
    }

    /// Doubles with a fraction go through `description`: telemetry has few of them (session times).
    mutating func double(_ value: Double) {
        guard value.isFinite else { return null() }
        if value.magnitude <= 9_007_199_254_740_992, value == Double(Int64(value)) {
            return wholeNumber(Int64(value).magnitude, negative: value.sign == .minus)
        }
        var text = value.description
        text.withUTF8 { copy($0) }
    }

    /// `N.0` (and `-0.0`), as `description` prints a whole float below its exponent threshold.
    private mutating func wholeNumber(_ magnitude: UInt64, negative: Bool) {
        if negative { byte(UInt8(ascii: "-")) }
        int(magnitude)
        pointZero()
    }

    private mutating func pointZero() {
        position[0] = UInt8(ascii: ".")
        position[1] = UInt8(ascii: "0")
        position += 2
    }

    /// `significand × 10^exponent` laid out as `description` lays out a float: `d.ddde±XX` when
    /// asked to (values past the float's exact integers) or below 0.0001, else plain `ddd.ddd`,
    /// `0.000ddd` or `ddd00.0`. The digits are written once, one place right of where they start
    /// when a point goes among them; then the (short) part before the point moves one place left.
    private mutating func decimal(_ significand: UInt64, exponent: Int, count: Int, exponential: Bool) {
        // A float has at most nine significant digits: 32-bit arithmetic from here.
        var digits = UInt32(truncatingIfNeeded: significand)
        var exponent = exponent
        var count = count
        while digits % 10 == 0 {
            digits /= 10
            exponent += 1
            count -= 1
        }
        let integerDigits = count + exponent  // the value is 0.ddd × 10^integerDigits
        if exponential || integerDigits < -3 {
            if count > 1 {
                Self.writeDigits(digits, endingAt: position + count + 1)
                position[0] = position[1]
                position[1] = UInt8(ascii: ".")
                position += count + 1
            } else {
                position[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: digits)
                position += 1
            }
            // Float exponents are -45 ... 38: always two digits.
            position[0] = UInt8(ascii: "e")
            position[1] = integerDigits > 0 ? UInt8(ascii: "+") : UInt8(ascii: "-")
            Self.writePair((integerDigits - 1).magnitude, at: position + 2)
            position += 4
        } else if integerDigits <= 0 {
            // `0.`, then up to three zeros: all of "0.000" is written, the digits go over the rest.
            word(UInt8(ascii: "0"), UInt8(ascii: "."), UInt8(ascii: "0"), UInt8(ascii: "0"))
            position[0] = UInt8(ascii: "0")
            position += -integerDigits - 2
            Self.writeDigits(digits, endingAt: position + count)
            position += count
        } else if integerDigits < count {
            let point = position + integerDigits
            Self.writeDigits(digits, endingAt: position + count + 1)
            var digit = position
            while digit < point {
                digit[0] = digit[1]
                digit += 1
            }
            point.pointee = UInt8(ascii: ".")
            position += count + 1
        } else {
            Self.writeDigits(digits, endingAt: position + count)
            position += count
            for _ in 0..<(integerDigits - count) { byte(UInt8(ascii: "0")) }
            pointZero()
        }
    }

    /// A JSON string: `"`, `\` and control characters escaped, everything else as it is.
    mutating func string(_ utf8: UnsafeBufferPointer<UInt8>) {
        byte(UInt8(ascii: "\""))
        var runStart = 0
        for (i, c) in utf8.enumerated() where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
            copy(UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
            escape(c)
            runStart = i + 1
        }
        copy(UnsafeBufferPointer(rebasing: utf8[runStart...]))
        byte(UInt8(ascii: "\""))
    }

    private mutating func escape(_ c: UInt8) {
        switch c {
        case UInt8(ascii: "\""): copy("\\\"")
        case UInt8(ascii: "\\"): copy("\\\\")
        case 0x0A: copy("\\n")
        case 0x0D: copy("\\r")
        case 0x09: copy("\\t")
        default:
            let hex: StaticString = "0123456789abcdef"
            copy("\\u00")
            byte(hex.utf8Start[Int(c >> 4)])
            byte(hex.utf8Start[Int(c & 0xF)])
        }
    }
}
