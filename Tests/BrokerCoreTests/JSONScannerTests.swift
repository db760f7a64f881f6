import Testing

@testable import BrokerCore

/// The recording format's JSON reader: numbers come back bit for bit, text with every escape, and bad
/// input is refused without reading past the end.
@Suite struct JSONScannerTests {
    func withScanner<T>(_ text: String, _ body: (inout JSONScanner) throws -> T) rethrows -> T {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { raw in
            var scanner = JSONScanner(raw)
            return try body(&scanner)
        }
    }

    func float(_ text: String) throws -> Float {
        try withScanner(text) { scanner in
            let token = try scanner.scanNumber()
            try scanner.expectEnd()
            return scanner.float(token)
        }
    }

    func double(_ text: String) throws -> Double {
        try withScanner(text) { scanner in
            let token = try scanner.scanNumber()
            try scanner.expectEnd()
            return scanner.double(token)
        }
    }

    // The loops below yield now and then: they share a two-thread pool with suites that run live
    // sources on real time.

    @Test func everyFloatComesBackBitForBitFromItsShortestText() async throws {
        var random = SystemRandomNumberGenerator()
        var checked = 0
        while checked < 100_000 {
            if checked % 1000 == 0 { await Task.yield() }
            let value = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &random))
            guard value.isFinite else { continue }
            var writer = JSONWriter()
            writer.float(value)
            let parsed = try float(writer.string)
            if parsed.bitPattern != value.bitPattern {
                Issue.record("\(writer.string) came back as \(parsed) (bits \(parsed.bitPattern) vs \(value.bitPattern))")
                return
            }
            checked += 1
        }
    }

    @Test func everyDoubleComesBackBitForBitFromItsShortestText() async throws {
        var random = SystemRandomNumberGenerator()
        for round in 0..<50_000 {
            if round % 1000 == 0 { await Task.yield() }
            let value = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &random))
            guard value.isFinite else { continue }
            var writer = JSONWriter()
            writer.double(value)
            let parsed = try double(writer.string)
            guard parsed.bitPattern == value.bitPattern else {
                Issue.record("\(writer.string) came back as \(parsed)")
                return
            }
        }
    }

    /// Decimal text that is not any float's shortest form (more digits, halfway cases) rounds the
    /// way Swift's own conversion does.
    @Test func arbitraryDecimalsRoundAsTheStandardLibraryRoundsThem() async throws {
        var random = SystemRandomNumberGenerator()
        var cases = [
            "16777217", "16777219", "0.1", "3.4028235e38", "3.4028236e38", "1e-45", "1.17549435e-38", "-0.0", "0", "9007199254740993",
            "2.5e-8", "123456789012345678", "0.30000000000000004", "1e22", "1e23", "4.9406564584124654e-324",
        ]
        // Halfway points between neighbouring floats, written out exactly, and a hair either side.
        for _ in 0..<2000 {
            let low = Float(bitPattern: UInt32.random(in: 0x0080_0000...0x7F00_0000, using: &random))
            let midpoint = (Double(low) + Double(low.nextUp)) / 2
            cases.append("\(midpoint)")
        }
        for _ in 0..<20_000 {
            let digits = (0..<Int.random(in: 1...17, using: &random)).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined()
            let point = Int.random(in: 0...digits.count, using: &random)
            var whole = String(digits.prefix(point))
            while whole.count > 1 && whole.hasPrefix("0") { whole.removeFirst() }  // JSON has no leading zeros
            var text = whole + "." + String(digits.dropFirst(point))
            if text.hasPrefix(".") { text = "0" + text }
            if text.hasSuffix(".") { text += "0" }
            if Bool.random(using: &random) { text += "e\(Int.random(in: -40...40, using: &random))" }
            cases.append(text)
        }
        for (index, text) in cases.enumerated() {
            if index % 1000 == 0 { await Task.yield() }
            let expectedFloat = try #require(Float(text)), expectedDouble = try #require(Double(text))
            let parsedFloat = try float(text), parsedDouble = try double(text)
            if parsedFloat.bitPattern != expectedFloat.bitPattern || parsedDouble.bitPattern != expectedDouble.bitPattern {
                Issue.record("\(text): float \(parsedFloat) vs \(expectedFloat), double \(parsedDouble) vs \(expectedDouble)")
            }
        }
    }

    @Test func valuesKeepTheirKeyOrderAndEscapes() throws {
        let text = #"{"b":1,"a":[true,false,null,-2.5e3,"x\"y\\z\/\n\t\u00e9\ud83c\udfce"],"c":{"":{}},"d":12345678901234567890}"#
        let value = try withScanner(text) { try $0.parseValue() }
        #expect(
            value
                == .object([
                    ("b", 1), ("a", .array([true, false, nil, -2500.0, "x\"y\\z/\n\té🏎"])), ("c", .object([("", .object([]))])),
                    ("d", 12345678901234567890.0),
                ]))
    }

    @Test(arguments: [
        "", "{", "{\"a\"", "{\"a\":}", "[1,]", "[1 2]", "01", "-", "1.", "1e", "\"abc", "\"\u{01}\"", "\"\\x\"", "\"\\u12\"", "tru", "nul",
        "{\"a\":1,}", "{a:1}", String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
    ])
    func malformedTextIsRefused(_ text: String) {
        #expect(throws: JSONParseError.self) {
            try withScanner(text) { scanner in
                _ = try scanner.parseValue()
                try scanner.expectEnd()
            }
        }
        #expect(throws: JSONParseError.self) {
            try withScanner(text) { scanner in
                try scanner.skip()
                try scanner.expectEnd()
            }
        }
    }
}
