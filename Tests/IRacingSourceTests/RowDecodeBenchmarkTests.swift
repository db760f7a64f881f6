import BrokerTestSupport
import Testing

@testable import IRacingSource

/// The benchmark entry point does the real work: every row copied, checked and read.
@Suite("Row decode benchmark API", .enabled(if: TestData.isAvailable, "needs ../shared/data"))
struct RowDecodeBenchmarkTests {
    @Test("decoding N rows of the live dump reads the newest row's 20 variables N times")
    func decodesRows() throws {
        let bytes = try TestData.bytes("iracing/w13_monza_livemem.bin")
        let raw = RawIRSDK(bytes: bytes)
        let benchmark = try IRSDKRowDecodeBenchmark(memory: InMemoryRegion(bytes))
        #expect(IRSDKRowDecodeBenchmark.typicalVariables.count == 20)
        var expectedPerRow = 0.0
        for name in IRSDKRowDecodeBenchmark.typicalVariables {
            let variable = try #require(raw.variable(named: name), "\(name)")
            for element in 0..<variable.count { expectedPerRow += raw.value(name, rowOffset: 1_138_800, element: element) ?? 0 }
        }
        let result = benchmark.decode(rows: 1000)
        #expect(result.decoded == 1000)
        #expect(abs(result.checksum - 1000 * expectedPerRow) <= abs(expectedPerRow) * 1e-9 * 1000)
        #expect(benchmark.decode(rows: 0).decoded == 0)
    }

    @Test("a map lacking one of the variables is refused by name")
    func missingVariable() throws {
        let bytes = try TestData.bytes("iracing/w13_monza_livemem.bin")
        #expect {
            _ = try IRSDKRowDecodeBenchmark(memory: InMemoryRegion(bytes), variableNames: ["Speed", "NoSuchVariable"])
        } throws: { "\($0)".contains("'NoSuchVariable'") }
    }
}
