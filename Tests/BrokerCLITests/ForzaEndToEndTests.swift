import BrokerTestSupport
import Foundation
import Testing

/// `broker --config` with a forza source fed the real Forza Motorsport (2023) recording over
/// loopback, into the stdout sink: the NDJSON output carries the status and the decoded values.
@Suite(.enabled(if: TestData.isAvailable)) struct ForzaEndToEndTests {
    @Test func forzaIntoStdoutCarriesStatusAndTheRecordingsValues() async throws {
        let recording = try TestData.bytes("forza/fm2023-fmdatasport-sample-packets-0000-1499.bin")
        let packets = stride(from: 0, to: recording.count, by: 331).map { Array(recording[$0..<($0 + 331)]) }
        let port = try freeLoopbackPort(udp: true)
        let temporary = try TemporaryConfig(
            """
            sources:
              - type: forza
                id: fm
                listen: 127.0.0.1:\(port)
            sinks:
              - type: stdout
                rate: 100
                variables: [Speed, Gear, RPM, TrackOrdinal, TireWear]
            """, prefix: "forza-e2e")
        defer { temporary.remove() }
        let config = temporary.path

        try await withBroker(["--config", config]) { broker in
            let sender = try LoopbackUDPSender(port: port)
            // Send the recording at the game's 60 Hz until telemetry has come out (bounded).
            var sent = 0
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, sent < packets.count, broker.stdout.components(separatedBy: "\"telemetry\"").count < 30 {
                sender.send(packets[sent])
                sent += 1
                try await Task.sleep(for: .milliseconds(16))
            }
            try await Task.sleep(for: .milliseconds(300))
            broker.signal(SIGTERM)
            let status = await broker.wait(timeout: 5)
            #expect(status == 0, "\(broker.stderr)")

            let stdout = try StdoutLines(broker.stdout)
            let objects = stdout.objects
            let entries = stdout.statuses(of: "fm")
            let connected = try #require(entries.first { $0["connected"] as? Bool == true }, "never connected: \(entries)")
            #expect(connected["type"] as? String == "forza")
            #expect(connected["format"] as? String == "fm2023_dash")
            #expect(connected["on_track"] as? Bool == true)

            // Every telemetry value is one the recording holds, in the catalogue's units.
            let speeds = Set(
                packets[..<sent].map { bytes in bytes.withUnsafeBytes { Double($0.loadUnaligned(fromByteOffset: 244, as: Float.self)) } })
            let telemetry = objects.filter { $0["type"] as? String == "telemetry" && $0["source"] as? String == "fm" }
            #expect(telemetry.count >= 20)
            for message in telemetry {
                let data = try #require(message["data"] as? [String: Any])
                let speed = try #require(data["Speed"] as? Double)
                #expect(speeds.contains { abs($0 - speed) < 1e-4 }, "Speed \(speed) is not in the recording")
                #expect([3, 4, 0].contains(data["Gear"] as? Int ?? -9))
                #expect(data["TrackOrdinal"] as? Int == 1640)
                #expect((data["TireWear"] as? [Double])?.count == 4)
            }
        }
    }

    @Test func brokerVarsListsTheSourcesVariables() async throws {
        let result = try await BrokerProcess.run(["vars", "--json"])
        #expect(result.status == 0)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        func sources(_ name: String) -> [String] { entries.first { $0["name"] as? String == name }?["sources"] as? [String] ?? [] }
        #expect(sources("Speed").contains("forza") && sources("Gear").contains("forza"))
        #expect(sources("TireWear") == ["forza"])
    }
}
