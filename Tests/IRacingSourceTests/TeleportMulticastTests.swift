import BrokerTestSupport
import Foundation
import Testing

/// The `teleport:` mode's multicast join, end to end: the built `broker` joins iracing-teleport's
/// default group and a Python sender multicasts the real live snapshot to it, both inside a network
/// namespace this test creates (joining a group sends membership reports on an interface, so never
/// on the host's). The unicast path is covered over loopback by `TeleportTests`.
///
/// Needs root (namespaces). Skipped without root on a developer machine; under CI=true it always
/// runs, and a missing `ip` or `python3` fails it with a message saying what to install.
@Suite(
    "iracing teleport multicast",
    .enabled(if: TestData.isAvailable, "needs ../shared/data"),
    .enabled(
        if: Fixture.isCI || geteuid() == 0,
        "needs root to create a network namespace (always runs under CI=true)"))
struct TeleportMulticastTests {
    static let group = "239.255.0.1"
    static let port = 5000
    /// Snapshots sent: snapshot k carries `Speed` = k (see `LiveSnapshotPlayer`).
    static let snapshotCount = 90

    /// Sends the payload files `1.bin`...`N.bin` (each iracing-teleport's compressed snapshot) to
    /// the group from 127.0.0.1 at 60 Hz, cut into 8,980-byte fragments behind the 20-byte header,
    /// then prints `sent N`.
    static let senderScript = """
        import os, socket, struct, sys, time
        group, port, folder, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        slice = 8980
        start = time.monotonic()
        for sequence in range(1, count + 1):
            with open(os.path.join(folder, "%d.bin" % sequence), "rb") as f:
                payload = f.read()
            fragments = (len(payload) + slice - 1) // slice
            source_time_us = int(time.time() * 1e6)
            for index in range(fragments):
                header = struct.pack("<IHHIQ", sequence, index, fragments, len(payload), source_time_us)
                sender.sendto(header + payload[index * slice:(index + 1) * slice], (group, port))
                time.sleep(0.0002)
            time.sleep(max(0.0, start + sequence / 60.0 - time.monotonic()))
        print("sent %d" % count, flush=True)
        """

    static func config(variables: [String]) -> String {
        """
        sources:
          - type: iracing
            id: iracing
            teleport:
              listen: 0.0.0.0:\(port)
              group: "\(group)"
        sinks:
          - type: stdout
            variables: [\(variables.joined(separator: ", "))]
            rate: 30
        """
    }

    @Test("the broker joins the group in a namespace and publishes the multicast snapshots")
    func multicastSnapshotsReachTheBroker() async throws {
        let python = try Fixture.require("python3", install: "python3")
        let player = try TeleportTests.player()
        let raw = RawIRSDK(bytes: player.base)
        let checked = ["RPM", "Gear", "LapDistPct", "Throttle"]
        let expected = checked.reduce(into: [String: Double]()) { $0[$1] = raw.value($1, rowOffset: player.rowOffset) }
        try #require(expected.count == checked.count, "the snapshot declares \(checked)")

        try await withNetworkNamespace { namespace in
            try await namespace.run(["link", "set", "lo", "multicast", "on"])
            try await namespace.run(["route", "add", "224.0.0.0/4", "dev", "lo"])

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("teleport-netns-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            for k in 1...Self.snapshotCount {
                let payload = TeleportTestSender.payload(of: player.map(k))
                try Data(payload).write(to: folder.appendingPathComponent("\(k).bin"))
            }
            let script = folder.appendingPathComponent("sender.py")
            try Self.senderScript.write(to: script, atomically: true, encoding: .utf8)
            let configFile = folder.appendingPathComponent("config.yaml")
            try Self.config(variables: ["Speed"] + checked).write(to: configFile, atomically: true, encoding: .utf8)

            let brokerOut = folder.appendingPathComponent("broker.out")
            let brokerErr = folder.appendingPathComponent("broker.err")
            let broker = namespace.start(
                [BrokerProcess.executable.path, "--config", configFile.path, "--log-level", "info"], stdout: brokerOut, stderr: brokerErr)
            let joined = "receiving iracing-teleport snapshots on UDP 0.0.0.0:\(Self.port) in multicast group \(Self.group)"
            await waitUntil(timeout: 15) { !broker.isRunning || Self.text(brokerErr).contains(joined) }
            try #require(Self.text(brokerErr).contains(joined), "the broker did not join the group:\n\(Self.text(brokerErr))")

            let senderOut = folder.appendingPathComponent("sender.out")
            let senderErr = folder.appendingPathComponent("sender.err")
            let sender = namespace.start(
                [python, script.path, Self.group, "\(Self.port)", folder.path, "\(Self.snapshotCount)"], stdout: senderOut, stderr: senderErr)
            await sender.wait(timeout: 20)
            #expect(Self.text(senderOut).hasPrefix("sent \(Self.snapshotCount)"), "the sender did not finish: \(Self.text(senderErr))")
            // Let the sink write the last snapshot, then stop the broker as a user would.
            try await Task.sleep(for: .milliseconds(300))
            #expect(broker.isRunning, "the broker stopped early: \(Self.text(brokerErr))")
            broker.signal(SIGTERM)
            #expect(await broker.wait(timeout: 5) == 0, "the broker did not exit cleanly: \(Self.text(brokerErr))")

            let log = Self.text(brokerErr)
            let objects = Self.text(brokerOut).split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
            // Every telemetry line is one of the sent snapshots: Speed = its k, the rest the snapshot's own values.
            let telemetry = objects.filter { $0["type"] as? String == "telemetry" && $0["source"] as? String == "iracing" }
            #expect(telemetry.count >= 20, "telemetry lines: \(telemetry.count); broker log:\n\(log)")
            let speeds = telemetry.compactMap { ($0["data"] as? [String: Any])?["Speed"] as? Double }
            #expect(speeds.count == telemetry.count, "a telemetry line without Speed")
            #expect(speeds.allSatisfy { $0 == $0.rounded() && (1...Double(Self.snapshotCount)).contains($0) }, "speeds: \(speeds)")
            #expect(speeds == speeds.sorted(), "snapshots published out of order: \(speeds)")
            #expect(speeds.last == Double(Self.snapshotCount), "the last snapshot was not published: \(speeds.last.map { "\($0)" } ?? "none")")
            for line in telemetry {
                let data = line["data"] as? [String: Any] ?? [:]
                for (name, value) in expected {
                    let published = (data[name] as? Double) ?? (data[name] as? Int).map(Double.init)
                    #expect(published.map { abs($0 - value) <= 1e-6 * max(1, abs(value)) } == true, "\(name): \(data[name] ?? "missing") vs \(value)")
                }
            }

            // The source reported connected, in teleport mode with the group it joined.
            let statuses = objects.filter { $0["type"] as? String == "status" }.compactMap {
                ($0["sources"] as? [String: Any])?["iracing"] as? [String: Any]
            }
            let connected = statuses.filter { $0["connected"] as? Bool == true }
            #expect(!connected.isEmpty, "no status line with the source connected: \(statuses)")
            #expect(connected.allSatisfy { $0["mode"] as? String == "teleport" && $0["group"] as? String == Self.group }, "\(connected)")
            #expect(!log.contains("Fatal error"), "\(log)")
            #expect(!log.contains("dropped input"), "a snapshot was dropped:\n\(log)")
        }
    }

    static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
}
