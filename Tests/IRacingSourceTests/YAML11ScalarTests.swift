import BrokerCore
import Testing

@testable import IRacingSource

/// Plain scalars get the types PyYAML (YAML 1.1) gives them, minus timestamps. The expected values
/// are what `yaml.safe_load` returns for `k: <text>` with the timestamp resolver removed.
@Suite("YAML 1.1 scalar typing")
struct YAML11ScalarTests {
    static let cases: [(String, JSONValue)] = [
        // null
        ("", .null), ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("nULL", .string("nULL")),
        // bool, YAML 1.1 spellings
        ("true", .bool(true)), ("True", .bool(true)), ("yes", .bool(true)), ("YES", .bool(true)), ("on", .bool(true)),
        ("false", .bool(false)), ("no", .bool(false)), ("Off", .bool(false)), ("off", .bool(false)),
        ("y", .string("y")), ("n", .string("n")), ("tRUE", .string("tRUE")),
        // int: decimal, signs, underscores, octal, hex, binary, base 60
        ("0", .int(0)), ("-0", .int(0)), ("42", .int(42)), ("+42", .int(42)), ("-17", .int(-17)), ("1_000", .int(1000)),
        ("010", .int(8)), ("0_7", .int(7)), ("08", .string("08")), ("0x1F", .int(31)), ("0xffffff", .int(16_777_215)),
        ("-0x10", .int(-16)), ("0b101", .int(5)), ("1:30", .int(90)), ("190:20:30", .int(685_230)), ("1:60", .string("1:60")),
        ("9223372036854775807", .int(Int64.max)), ("9223372036854775808", .double(9_223_372_036_854_775_808)),
        // float: needs a dot; exponent needs a sign; .inf/.nan; base 60
        ("1.5", .double(1.5)), ("-1.0000", .double(-1)), ("1.", .double(1)), (".5", .double(0.5)), ("-.5", .string("-.5")),
        ("6.5e+3", .double(6500)), ("6.5e3", .string("6.5e3")), ("1e5", .string("1e5")), ("1_000.25", .double(1000.25)),
        ("190:20:30.15", .double(685_230.15)), (".inf", .double(.infinity)), ("-.Inf", .double(-.infinity)),
        // strings: units, versions, dates (no timestamps), hex-ish words, times of day
        ("4.28 km", .string("4.28 km")), ("2024.11.26.01", .string("2024.11.26.01")), ("2024-04-01", .string("2024-04-01")),
        ("0xundefined", .string("0xundefined")), ("6:23 am", .string("6:23 am")), ("5.142:1", .string("5.142:1")),
        ("89C, 91C, 95C", .string("89C, 91C, 95C")), ("unlimited", .string("unlimited")), ("1.000 %", .string("1.000 %")),
    ]

    @Test("PyYAML's YAML 1.1 types for plain scalars, without timestamps")
    func resolution() {
        for (text, expected) in Self.cases {
            #expect(YAML11Scalars.resolve(text) == expected, "'\(text)'")
        }
        if case let .double(nan) = YAML11Scalars.resolve(".NaN") {
            #expect(nan.isNaN)
        } else {
            Issue.record(".NaN is a float")
        }
    }

    @Test("quoted scalars stay strings whatever they look like")
    func quotedStayStrings() throws {
        var parser = SessionInfoParser()
        let text = "X:\n A: \"12\"\n B: 'true'\n C: \"2024-04-01\"\n D: 12\n E: true\n"
        let tree = parser.parse(Array(text.utf8)).tree
        #expect(tree["X"]?["A"] == .string("12"))
        #expect(tree["X"]?["B"] == .string("true"))
        #expect(tree["X"]?["C"] == .string("2024-04-01"))
        #expect(tree["X"]?["D"] == .int(12))
        #expect(tree["X"]?["E"] == .bool(true))
    }

    @Test("a repeated key keeps its first place and its last value, as in PyYAML's dicts")
    func repeatedKeys() {
        var parser = SessionInfoParser()
        let tree = parser.parse(Array("X:\n A: 1\n B: 2\n A: 3\n".utf8)).tree
        #expect(tree["X"] == .object([("A", .int(3)), ("B", .int(2))]))
    }
}
