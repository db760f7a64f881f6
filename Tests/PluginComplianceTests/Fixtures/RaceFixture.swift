import BrokerTestSupport

/// The race processor on the mock, which provides every per-car array and the fuel.
let raceFixture = PluginCompliance.ProcessorFixture(typeName: "race", entry: "type: race\nfuel_laps: 3")
