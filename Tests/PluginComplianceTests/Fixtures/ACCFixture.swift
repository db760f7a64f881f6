import ACCTestSupport
import BrokerTestSupport

/// The ACC source against the fake ACC server on loopback: 22 cars at 10 Hz.
let accFixture = PluginCompliance.SourceFixture(typeName: "acc") {
    let server = try await FakeACCServer(password: "asd", cars: 22)
    return ("type: acc\nport: \(server.port)\npassword: asd\nreconnect: {min_s: 0.1, max_s: 1}", { await server.stop() })
}
