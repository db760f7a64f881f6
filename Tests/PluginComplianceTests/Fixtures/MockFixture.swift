import BrokerTestSupport

/// The mock needs nothing running.
let mockFixture = PluginCompliance.SourceFixture(typeName: "mock", entry: "type: mock\nrate: 60\nseed: 1\ncars: 5")
