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
        position.initialize(from: base, count: source.count)
        position += source.count
    }

    mutating func copy(_ text: StaticString) { text.withUTF8Buffer { copy($0) } }

    mutating func null() { copy("null") }

    mutating func bool(_ value: Bool) { value ? copy("true") : copy("false") }

    mutating func int(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        int(value.magnitude)
    }

    mutating func int(_ value: UInt64) { digits(value, count: Self.decimalDigitCount(value)) }

    /// Writes the `count` digits of `value`, two at a time from the last: each step divides by
    /// 100, halving the chain of dependent divisions a digit at a time would make.
    private mutating func digits(_ value: UInt64, count: Int) {
        var rest = value
        var end = position + count
        position = end
        while rest >= 100 {
            let pair = rest % 100
            rest /= 100
            end -= 2
            end[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: pair / 10)
            end[1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: pair % 10)
        }
        if rest >= 10 {
            end[-2] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / 10)
            end[-1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
        } else {
            end[-1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
        }
    }

    /// 10^0 ... 10^19, as a literal the compiler lays out statically.
    private static let powersOfTen: [UInt64] = [
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
        let (significand, exponent) = ShortestFloat.digits(of: value.magnitude)
        decimal(significand, exponent: exponent, exponential: value.magnitude > 16_777_216)
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
        copy(".0")
    }

    /// `significand × 10^exponent` laid out as `description` lays out a float: `d.ddde±XX` when
    /// asked to (values past the float's exact integers) or below 0.0001, else plain `ddd.ddd`,
    /// `0.000ddd` or `ddd00.0`.
    private mutating func decimal(_ significand: UInt64, exponent: Int, exponential: Bool) {
        var digits = significand
        var exponent = exponent
        while digits % 10 == 0 {
            digits /= 10
            exponent += 1
        }
        let count = Self.decimalDigitCount(digits)
        let integerDigits = count + exponent  // the value is 0.ddd × 10^integerDigits
        let start = position
        if exponential || integerDigits < -3 {
            int(digits)
            if count > 1 { insertPoint(at: start + 1) }
            byte(UInt8(ascii: "e"))
            byte(integerDigits > 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
            let power = (integerDigits - 1).magnitude
            if power < 10 { byte(UInt8(ascii: "0")) }
            int(UInt64(power))
        } else if integerDigits <= 0 {
            copy("0.")
            for _ in 0 ..< -integerDigits { byte(UInt8(ascii: "0")) }
            int(digits)
        } else if integerDigits < count {
            int(digits)
            insertPoint(at: start + integerDigits)
        } else {
            int(digits)
            for _ in 0..<(integerDigits - count) { byte(UInt8(ascii: "0")) }
            copy(".0")
        }
    }

    /// Moves the digits from `point` on one place right and puts `.` at `point`.
    private mutating func insertPoint(at point: UnsafeMutablePointer<UInt8>) {
        var digit = position
        while digit > point {
            digit.pointee = (digit - 1).pointee
            digit -= 1
        }
        point.pointee = UInt8(ascii: ".")
        position += 1
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
