import ACCTestSupport
import BrokerTestSupport
import Foundation
import Testing

/// `broker --config` with an acc source against the fake ACC server, into the stdout sink: the
/// NDJSON output carries the status, the iRacing-shaped session info, the field's telemetry and
/// a broadcasting event. The password comes from the environment (`${ACC_PASSWORD}`).
@Suite struct ACCEndToEndTests {
    @Test func accIntoStdoutCarriesStatusSessionInfoTelemetryAndEvents() async throws {
        try await withFakeACCServer(password: "s3cret", cars: 24) { server in
            let temporary = try TemporaryConfig(
                """
                sources:
                  - type: acc
                    id: acc
                    port: \(server.port)
                    password: ${ACC_PASSWORD}
                    interval_ms: 100
                sinks:
                  - type: stdout
                    rate: 20
                    variables: [CarIdxPosition, CarIdxGear, Speed, Gear, PlayerCarIdx, SessionTimeRemain]
                """, prefix: "acc-e2e")
            defer { temporary.remove() }
            let config = temporary.path

            try await withBroker(["--config", config], environment: ["ACC_PASSWORD": "s3cret"]) { broker in
                let deadline = Date().addingTimeInterval(15)
                var eventSent = false
                while Date() < deadline,
                    !(broker.stdout.contains("\"lap_completed\"") && broker.stdout.components(separatedBy: "\"telemetry\"").count > 5)
                {
                    if !eventSent, broker.stdout.contains("\"telemetry\"") {
                        server.sendEvent(type: 5, message: "01:33.695", timeMs: 904_977, car: Int32(FakeACCServer.carIndex(3)))
                        eventSent = true
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                broker.signal(SIGTERM)
                let status = await broker.wait(timeout: 5)
                await server.stop()
                #expect(status == 0, "\(broker.stderr)")

                let stdout = try StdoutLines(broker.stdout)
                let objects = stdout.objects
                let entries = stdout.statuses(of: "acc")
                let connected = try #require(entries.last { $0["connected"] as? Bool == true }, "never connected: \(entries)")
                #expect(connected["type"] as? String == "acc")

                let sessionInfo = try #require(objects.last { $0["type"] as? String == "sessionInfo" }, "no sessionInfo line")
                let data = try #require(sessionInfo["data"] as? [String: Any])
                let drivers = try #require((data["DriverInfo"] as? [String: Any])?["Drivers"] as? [[String: Any]])
                #expect(drivers.count == 24)
                #expect((data["WeekendInfo"] as? [String: Any])?["TrackName"] as? String == "Red Bull Ring")

                let telemetry = objects.filter { $0["type"] as? String == "telemetry" && $0["source"] as? String == "acc" }
                let latest = try #require(telemetry.last?["data"] as? [String: Any])
                let positions = try #require(latest["CarIdxPosition"] as? [Int])
                #expect(Array(positions[..<24]) == Array(1...24))
                #expect(positions[24...].allSatisfy { $0 == 0 })
                let gears = try #require(latest["CarIdxGear"] as? [Int])
                #expect((0..<24).allSatisfy { gears[$0] == 1 + Int(FakeACCServer.carIndex($0)) % 4 })
                #expect(latest["PlayerCarIdx"] as? Int == 0)
                #expect(abs((latest["Speed"] as? Double ?? 0) - 100 / 3.6) < 1e-4)

                let events = objects.filter { $0["type"] as? String == "event" && $0["source"] as? String == "acc" }
                let lap = try #require(events.first { $0["name"] as? String == "lap_completed" }?["data"] as? [String: Any])
                #expect(lap["CarIdx"] as? Int == 3)
                #expect(lap["Message"] as? String == "01:33.695")
            }
        }
    }

    @Test func brokerVarsListsTheSourcesVariables() async throws {
        let result = try await BrokerProcess.run(["vars", "--json"])
        #expect(result.status == 0)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        func sources(_ name: String) -> [String] { entries.first { $0["name"] as? String == name }?["sources"] as? [String] ?? [] }
        #expect(sources("Speed").contains("acc") && sources("Gear").contains("acc"))
        #expect(sources("CarIdxACCIndex") == ["acc"])
    }
}
