import BrokerCore
import BrokerTestSupport
import BuiltinPlugins
import Testing

/// Every built-in plugin passes the shared compliance checks. A plugin without a fixture fails here,
/// so a new plugin cannot land untested.
@Suite struct PluginComplianceTests {
    static let catalog = BuiltinPlugins.catalog

    @Test(arguments: catalog.sources.map(\.typeName))
    func sourceSampleConfigIsValid(type: String) throws {
        let plugin = try #require(Self.catalog.source(type))
        try PluginCompliance.checkSampleConfig(plugin.sampleConfig, typeName: type, catalog: Self.catalog)
    }

    @Test(arguments: catalog.sinks.map(\.typeName))
    func sinkSampleConfigIsValid(type: String) throws {
        let plugin = try #require(Self.catalog.sink(type))
        try PluginCompliance.checkSampleConfig(plugin.sampleConfig, typeName: type, catalog: Self.catalog)
    }

    @Test(arguments: catalog.processors.map(\.typeName))
    func processorSampleConfigIsValid(type: String) throws {
        let plugin = try #require(Self.catalog.processor(type))
        try PluginCompliance.checkSampleConfig(plugin.sampleConfig, typeName: type, catalog: Self.catalog)
    }

    @Test(arguments: catalog.processors.map(\.typeName))
    func processorAddsItsVariablesToASourcesFrames(type: String) async throws {
        let fixture = try #require(ComplianceFixtures.processors.first { $0.typeName == type }, "processor '\(type)' has no compliance fixture")
        try await PluginCompliance.checkProcessor(fixture, catalog: Self.catalog)
    }

    @Test(arguments: catalog.sources.map(\.typeName))
    func sourceStartsEmitsAndStops(type: String) async throws {
        let fixture = try #require(ComplianceFixtures.sources.first { $0.typeName == type }, "source '\(type)' has no compliance fixture")
        try await PluginCompliance.checkSource(fixture, catalog: Self.catalog)
    }

    @Test(arguments: catalog.sinks.map(\.typeName))
    func sinkStartsEmitsAndStops(type: String) async throws {
        let fixture = try #require(ComplianceFixtures.sinks.first { $0.typeName == type }, "sink '\(type)' has no compliance fixture")
        try await PluginCompliance.checkSink(fixture, catalog: Self.catalog)
    }
}
