import BrokerTestSupport
import InSimTestSupport

/// The InSim source against the fake LFS host on loopback, streaming a 20-car race (MCI sets).
let insimFixture = PluginCompliance.SourceFixture(typeName: "insim") {
    let responses = LFSRaceScript.hostResponses
    let host = try await FakeLFSHost { _ in
        FakeLFSHost.Behaviour(responses: responses, periodic: .init(interval: 0.05) { LFSRaceScript.multiCarInfoSet(step: $0) })
    }
    return ("type: insim\nhost: 127.0.0.1\nport: \(host.port)\ninterval_ms: 50\nreconnect: {min_s: 0.1, max_s: 1}", { await host.stop() })
}
