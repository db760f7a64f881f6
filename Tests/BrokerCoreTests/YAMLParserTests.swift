import BrokerCore
import Testing

@Suite struct YAMLParserTests {
    @Test func nodesKeepPositionsAndScalarStyles() throws {
        let root = try #require(try YAMLParser.parse("a: 1\nb:\n  - \"2\"\n  - {c: x}\n"))
        #expect(root["a"]?.scalar == "1")
        #expect(root["a"]?.mark == SourceMark(line: 1, column: 4))
        guard case let .sequence(items)? = root["b"]?.content else {
            Issue.record("b is not a list")
            return
        }
        guard case let .scalar(text, plain) = items[0].content else {
            Issue.record("not a scalar")
            return
        }
        #expect(text == "2" && !plain)
        #expect(items[1]["c"]?.mark == SourceMark(line: 4, column: 9))
    }

    @Test func emptyInputIsNoDocument() throws {
        #expect(try YAMLParser.parse("") == nil)
    }

    @Test func deepNestingIsRejectedNotACrash() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(throws: YAMLSyntaxError.self) { try YAMLParser.parse(deep) }
    }

    @Test func aliasExpansionIsBounded() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<12 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        #expect(throws: YAMLSyntaxError.self) { try YAMLParser.parse(text) }
    }
}
