import BrokerTestSupport

/// One fixture per built-in plugin (each defined in `Fixtures/<Plugin>Fixture.swift`).
enum ComplianceFixtures {
    static let sources: [PluginCompliance.SourceFixture] = [
        mockFixture,
        iracingFixture,
        insimFixture,
        replayFixture,
        websocketSourceFixture,
        forzaFixture,
        accFixture,
        f1Fixture,
        outgaugeFixture,
        mqttSourceFixture,
    ]

    static let sinks: [PluginCompliance.SinkFixture] = [
        stdoutFixture,
        udpFixture,
        websocketFixture,
        mqttFixture,
    ]

    static let processors: [PluginCompliance.ProcessorFixture] = [
        raceFixture
    ]
}
