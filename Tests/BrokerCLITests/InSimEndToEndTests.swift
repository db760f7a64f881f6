import BrokerTestSupport
import Foundation
import InSimTestSupport
import Testing

/// `broker --config` with an insim source against the fake LFS host and the stdout sink: the NDJSON
/// output carries the status, the session info, the race's telemetry and its events.
@Suite struct InSimEndToEndTests {
    @Test func insimIntoStdoutProducesStatusSessionInfoTelemetryAndEvents() async throws {
        let responses = LFSRaceScript.hostResponses
        let liveEvents =
            LFSPacket.lap(plid: 11, lapTimeMs: 83456, totalMs: 170_000, lapsDone: 2)
            + LFSPacket.messageOut(ucid: 2, plid: 12, userType: 1, textStart: 16, message: Array("^4Driver 12 ^7: ^3gg".utf8))
        let host = try await FakeLFSHost { _ in
            FakeLFSHost.Behaviour(
                afterHandshake: liveEvents, responses: responses,
                periodic: .init(interval: 0.05) { LFSRaceScript.multiCarInfoSet(step: $0) })
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("insim-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.yaml").path
        try Data(
            """
            sources:
              - type: insim
                id: lfs
                port: \(host.port)
                interval_ms: 50
                flags: [mci]
            sinks:
              - type: stdout
                rate: 20
                variables: [CarIdxPosition, CarIdxLap, CarIdxX, CarIdxSpeed, PlayerCarIdx]
            """.utf8
        ).write(to: URL(fileURLWithPath: config))

        try await withBroker(["--config", config]) { broker in
            await waitUntil(timeout: 15) {
                broker.stdout.contains("\"name\":\"chat\"") && broker.stdout.components(separatedBy: "\"telemetry\"").count > 5
            }
            broker.signal(SIGTERM)
            let status = await broker.wait(timeout: 5)
            await host.stop()
            #expect(status == 0, "\(broker.stderr)")

            let stdout = try StdoutLines(broker.stdout)
            let objects = stdout.objects
            let connected = stdout.statuses(of: "lfs").filter { $0["connected"] as? Bool == true }
            #expect(connected.first?["type"] as? String == "insim")
            #expect(connected.first?["lfs_version"] as? String == "0.7F")

            let sessionInfo = try #require(objects.last { $0["type"] as? String == "sessionInfo" }, "no sessionInfo line")
            let data = try #require(sessionInfo["data"] as? [String: Any])
            let drivers = try #require((data["DriverInfo"] as? [String: Any])?["Drivers"] as? [[String: Any]])
            #expect(drivers.count == 20)
            #expect(Set(drivers.compactMap { $0["CarIdx"] as? Int }) == Set(0..<20))
            #expect((data["WeekendInfo"] as? [String: Any])?["TrackName"] as? String == "BL1")

            let telemetry = objects.filter { $0["type"] as? String == "telemetry" && $0["source"] as? String == "lfs" }
            let latest = try #require(telemetry.last?["data"] as? [String: Any])
            #expect(Set(latest.keys) == ["CarIdxPosition", "CarIdxLap", "CarIdxX", "CarIdxSpeed", "PlayerCarIdx"])
            let positions = try #require(latest["CarIdxPosition"] as? [Int])
            #expect(positions.count == 64)
            // Every driver's slot holds its scripted position (PLID 11 leads from the back: 20 - index).
            for driver in drivers {
                let slot = try #require(driver["CarIdx"] as? Int)
                let playerID = try #require(driver["PLID"] as? Int)
                #expect(positions[slot] == 20 - (playerID - 11))
            }
            #expect(positions[20...].allSatisfy { $0 == 0 })
            let xs = try #require(latest["CarIdxX"] as? [Any])
            #expect(xs[..<20].allSatisfy { $0 is Double })
            #expect(xs[20...].allSatisfy { $0 is NSNull })

            let events = objects.filter { $0["type"] as? String == "event" && $0["source"] as? String == "lfs" }
            let lap = try #require(events.first { $0["name"] as? String == "lap" }?["data"] as? [String: Any])
            #expect(lap["LapTime"] as? Double == 83.456)
            #expect(lap["UserName"] as? String == "Driver 11")
            let chat = try #require(events.first { $0["name"] as? String == "chat" }?["data"] as? [String: Any])
            #expect(chat["Message"] as? String == "Driver 12 : gg")
            #expect(chat["Text"] as? String == "gg")
        }
    }
}
