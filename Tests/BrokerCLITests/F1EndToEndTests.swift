import BrokerTestSupport
import Foundation
import Testing

/// `broker --config` with an f1 source fed the real F1 24 recording over loopback at its recorded
/// pace (gaps between its four sessions shortened to 0.2 s), into the stdout sink: status, session
/// info, frames and events come out as NDJSON.
@Suite(.enabled(if: TestData.isAvailable)) struct F1EndToEndTests {
    @Test func recordingIntoStdoutProducesStatusSessionInfoFramesAndEvents() async throws {
        let recording = try F1Recording.datagrams()
        let port = try freeLoopbackPort(udp: true)
        let temporary = try TemporaryConfig(
            """
            sources:
              - type: f1
                id: f1
                listen: 127.0.0.1:\(port)
            sinks:
              - type: stdout
                variables: [PlayerCarIdx, CarIdxPosition, SessionTime, FrameIdentifier]
            """, prefix: "f1-e2e")
        defer { temporary.remove() }
        let config = temporary.path

        try await withBroker(["--config", config]) { broker in
            await waitUntil(timeout: 15) { broker.stderr.contains("listening") }
            let sender = try LoopbackUDPSender(port: port)
            var previous = recording.first?.time ?? 0
            for datagram in recording {
                try await Task.sleep(for: .seconds(min(max(datagram.time - previous, 0), 0.2)))
                previous = datagram.time
                sender.send(datagram.bytes)
            }
            await waitUntil(timeout: 10) { broker.stdout.contains("\"name\":\"penalty\"") }
            try await Task.sleep(for: .milliseconds(300))
            broker.signal(SIGTERM)
            let status = await broker.wait(timeout: 5)
            #expect(status == 0, "\(broker.stderr)")

            let stdout = try StdoutLines(broker.stdout)
            let objects = stdout.objects
            let sources = stdout.statuses(of: "f1")
            let connected = try #require(sources.first { $0["connected"] as? Bool == true }, "never connected: \(broker.stdout.prefix(2000))")
            #expect(connected["game"] as? String == "F1 24")
            #expect(connected["packet_format"] as? Int == 2024)

            let infos = objects.filter { $0["type"] as? String == "sessionInfo" }.compactMap { $0["data"] as? [String: Any] }
            let tracks = Set(infos.compactMap { ($0["WeekendInfo"] as? [String: Any])?["TrackName"] as? String })
            #expect(tracks.contains("Brazil"), "tracks: \(tracks)")
            let drivers = infos.compactMap { ($0["DriverInfo"] as? [String: Any])?["Drivers"] as? [[String: Any]] }.max { $0.count < $1.count } ?? []
            #expect(drivers.count >= 20)
            #expect(drivers.allSatisfy { $0["CarIdx"] is Int && $0["UserName"] is String })

            let frames = objects.filter { $0["type"] as? String == "telemetry" }
            #expect(frames.count >= 5)
            let positions = frames.compactMap { ($0["data"] as? [String: Any])?["CarIdxPosition"] as? [Int] }
            #expect(positions.contains { $0.count == 64 && $0.prefix(20).contains { $0 > 0 } })

            let events = objects.filter { $0["type"] as? String == "event" }.compactMap { $0["name"] as? String }
            for name in ["fastest_lap", "buttons", "speed_trap", "collision", "overtake", "session_ended", "safety_car", "drs_enabled", "penalty"] {
                #expect(events.contains(name), "no \(name) event in \(events)")
            }
            let collision = try #require(objects.first { $0["name"] as? String == "collision" }?["data"] as? [String: Any])
            #expect(collision["vehicle1Idx"] as? Int == 11)
            #expect(collision["vehicle2Idx"] as? Int == 5)
            #expect(collision["CarIdx"] as? Int == 11)
        }
    }
}
