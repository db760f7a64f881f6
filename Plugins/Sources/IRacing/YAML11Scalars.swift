import BrokerCore

/// Gives plain YAML scalars the types PyYAML's YAML 1.1 resolver gives them (null, bool, int,
/// float), because clients written against the Python bridge (pyirsdk) expect those types.
///
/// One deliberate difference, as pyirsdk does it: no timestamps, so `Date: 2024-04-01` stays a
/// string. Everything else that matches none of the rules (`4.28 km`, `0xundefined`,
/// `2024.11.26.01`) stays a string, and so does every quoted scalar (the caller decides that).
/// The rules follow PyYAML's resolver patterns exactly, e.g. `off` is false, `0x1F` is 31,
/// `1:30` is 90 (base 60), `010` is 8 (octal), `1e5` is a string (YAML 1.1 floats need a dot).
package enum YAML11Scalars {
    public static func resolve(_ text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return .bool(true)
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return .bool(false)
        default: break
        }
        let bytes = Array(text.utf8)
        if isInteger(bytes), let value = integerValue(bytes) { return value }
        if isFloat(bytes), let value = floatValue(bytes) { return .double(value) }
        return .string(text)
    }

    // MARK: - Integers

    /// `[-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ |
    /// [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`
    static func isInteger(_ s: [UInt8]) -> Bool {
        var i = 0
        if i < s.count, s[i] == plus || s[i] == minus { i += 1 }
        let body = s[i...]
        guard let first = body.first else { return false }
        if first == zero {
            let rest = body.dropFirst()
            if rest.isEmpty { return true }
            if rest.first == UInt8(ascii: "b") {
                return rest.count > 1 && rest.dropFirst().allSatisfy { $0 == zero || $0 == one || $0 == underscore }
            }
            if rest.first == UInt8(ascii: "x") { return rest.count > 1 && rest.dropFirst().allSatisfy { isHexDigit($0) || $0 == underscore } }
            return rest.allSatisfy { ($0 >= zero && $0 <= seven) || $0 == underscore }
        }
        guard first >= one && first <= nine else { return false }
        var j = body.startIndex + 1
        while j < body.endIndex, isDigit(body[j]) || body[j] == underscore { j += 1 }
        if j == body.endIndex { return true }
        return isSexagesimalTail(body[j...], requireAll: true) != nil
    }

    /// Matches `(:[0-5]?[0-9])+` at the start of `s`; returns where the match ends. With
    /// `requireAll`, the match must reach the end.
    static func isSexagesimalTail(_ s: ArraySlice<UInt8>, requireAll: Bool) -> Int? {
        var i = s.startIndex
        var groups = 0
        while i < s.endIndex, s[i] == colon {
            let digitsStart = i + 1
            var j = digitsStart
            while j < s.endIndex, isDigit(s[j]), j - digitsStart < 2 { j += 1 }
            let digits = j - digitsStart
            if digits == 0 { break }
            if digits == 2 && s[digitsStart] > five { break }
            groups += 1
            i = j
        }
        guard groups > 0 else { return nil }
        if requireAll && i != s.endIndex { return nil }
        return i
    }

    /// PyYAML's `construct_yaml_int`: underscores dropped, then binary, hex, octal, base 60 or decimal.
    /// Values beyond 64 bits (Python keeps them exact) become doubles.
    static func integerValue(_ s: [UInt8]) -> JSONValue? {
        var digits = s.filter { $0 != underscore }
        var negative = false
        if let first = digits.first, first == plus || first == minus {
            negative = first == minus
            digits.removeFirst()
        }
        if digits == [zero] { return .int(0) }
        let magnitude: Double
        var exact: Int64?
        if digits.starts(with: [zero, UInt8(ascii: "b")]) {
            (exact, magnitude) = accumulate(digits.dropFirst(2), base: 2)
        } else if digits.starts(with: [zero, UInt8(ascii: "x")]) {
            (exact, magnitude) = accumulate(digits.dropFirst(2), base: 16)
        } else if digits.first == zero {
            (exact, magnitude) = accumulate(digits[...], base: 8)
        } else if digits.contains(colon) {
            var total: Int64? = 0
            var approximate = 0.0
            for part in digits.split(separator: colon, omittingEmptySubsequences: false) {
                let (value, approx) = accumulate(part, base: 10)
                approximate = approximate * 60 + approx
                if let t = total, let v = value {
                    let (m, o1) = t.multipliedReportingOverflow(by: 60)
                    let (sum, o2) = m.addingReportingOverflow(v)
                    total = o1 || o2 ? nil : sum
                } else {
                    total = nil
                }
            }
            (exact, magnitude) = (total, approximate)
        } else {
            exact = accumulate(digits[...], base: 10).0
            // Parsed as a whole, so a value beyond 64 bits is the nearest double.
            magnitude = Double(String(decoding: digits, as: UTF8.self)) ?? .nan
        }
        if magnitude.isNaN { return nil }
        if let exact { return .int(negative ? -exact : exact) }
        return .double(negative ? -magnitude : magnitude)
    }

    /// The value of `digits` in `base`, exactly when it fits in Int64, and approximately; NaN when
    /// there are no digits or one is not a digit of the base.
    private static func accumulate(_ digits: ArraySlice<UInt8>, base: Int64) -> (Int64?, Double) {
        guard !digits.isEmpty else { return (nil, .nan) }
        var exact: Int64? = 0
        var approximate = 0.0
        for c in digits {
            guard let d = digitValue(c), d < base else { return (nil, .nan) }
            approximate = approximate * Double(base) + Double(d)
            if let e = exact {
                let (m, o1) = e.multipliedReportingOverflow(by: base)
                let (sum, o2) = m.addingReportingOverflow(d)
                exact = o1 || o2 ? nil : sum
            }
        }
        return (exact, approximate)
    }

    // MARK: - Floats

    /// `[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)? | \.[0-9][0-9_]*([eE][-+][0-9]+)? |
    /// [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    static func isFloat(_ s: [UInt8]) -> Bool {
        let text = String(decoding: s, as: UTF8.self)
        if [".nan", ".NaN", ".NAN"].contains(text) { return true }
        var i = 0
        let signed = i < s.count && (s[i] == plus || s[i] == minus)
        if signed { i += 1 }
        let body = s[i...]
        if [".inf", ".Inf", ".INF"].contains(String(decoding: body, as: UTF8.self)) { return true }
        guard let first = body.first else { return false }
        if first == dot {
            // `\.[0-9][0-9_]*` and an optional exponent, without a sign.
            guard !signed, body.count > 1, isDigit(body[body.startIndex + 1]) else { return false }
            var j = body.startIndex + 2
            while j < body.endIndex, isDigit(body[j]) || body[j] == underscore { j += 1 }
            return isExponent(body[j...])
        }
        guard isDigit(first) else { return false }
        var j = body.startIndex + 1
        while j < body.endIndex, isDigit(body[j]) || body[j] == underscore { j += 1 }
        if j < body.endIndex, body[j] == colon {
            // Base 60: groups, then a dot and a fraction with no exponent.
            guard let end = isSexagesimalTail(body[j...], requireAll: false), end < body.endIndex, body[end] == dot else { return false }
            return body[(end + 1)...].allSatisfy { isDigit($0) || $0 == underscore }
        }
        guard j < body.endIndex, body[j] == dot else { return false }
        j += 1
        while j < body.endIndex, isDigit(body[j]) || body[j] == underscore { j += 1 }
        return isExponent(body[j...])
    }

    /// Empty, or `[eE][-+][0-9]+`.
    private static func isExponent(_ s: ArraySlice<UInt8>) -> Bool {
        if s.isEmpty { return true }
        guard s.count >= 3, s.first == UInt8(ascii: "e") || s.first == UInt8(ascii: "E") else { return false }
        let sign = s[s.startIndex + 1]
        guard sign == plus || sign == minus else { return false }
        return s.dropFirst(2).allSatisfy(isDigit)
    }

    /// PyYAML's `construct_yaml_float`: underscores dropped, lowercased, `.inf`/`.nan`, base 60, else
    /// the decimal value.
    static func floatValue(_ s: [UInt8]) -> Double? {
        var text = String(decoding: s.filter { $0 != underscore }, as: UTF8.self).lowercased()
        var sign = 1.0
        if text.hasPrefix("-") { sign = -1 }
        if text.hasPrefix("-") || text.hasPrefix("+") { text.removeFirst() }
        if text == ".inf" { return sign * .infinity }
        if text == ".nan" { return .nan }
        if text.contains(":") {
            var total = 0.0
            for part in text.split(separator: ":", omittingEmptySubsequences: false) {
                guard let value = Double(part) else { return nil }
                total = total * 60 + value
            }
            return sign * total
        }
        return Double(text).map { sign * $0 }
    }

    // MARK: - Characters

    private static let plus = UInt8(ascii: "+"), minus = UInt8(ascii: "-"), dot = UInt8(ascii: ".")
    private static let colon = UInt8(ascii: ":"), underscore = UInt8(ascii: "_")
    private static let zero = UInt8(ascii: "0"), one = UInt8(ascii: "1"), five = UInt8(ascii: "5")
    private static let seven = UInt8(ascii: "7"), nine = UInt8(ascii: "9")

    private static func isDigit(_ c: UInt8) -> Bool { c >= zero && c <= nine }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }

    private static func digitValue(_ c: UInt8) -> Int64? {
        if isDigit(c) { return Int64(c - zero) }
        if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f") { return Int64(c - UInt8(ascii: "a") + 10) }
        if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F") { return Int64(c - UInt8(ascii: "A") + 10) }
        return nil
    }
}
