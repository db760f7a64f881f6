import BrokerTestSupport
import Foundation
import Testing

/// The `broker` executable with UDP sinks to a broadcast address, a multicast group and an
/// unreachable network, all inside a network namespace this test creates (never on the host's
/// interfaces), with a Python receiver beside it in the namespace.
///
/// Needs root (namespaces). Skipped without root on a developer machine; under CI=true it always
/// runs, and a missing `ip` or `python3` fails it with a message saying what to install.
@Suite struct NamespaceTests {
    static let mayCreateNamespaces = Fixture.isCI || geteuid() == 0

    /// Listens on a broadcast port and a multicast group (recording each datagram's TTL), prints
    /// `ready`, then one JSON line per datagram until it has `want` of each or the time is up.
    static let receiverScript = """
        import json, select, socket, struct, sys, time
        broadcast_port, multicast_port, group = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
        want, timeout = int(sys.argv[4]), float(sys.argv[5])
        broadcast = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        broadcast.bind(("", broadcast_port))
        multicast = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        multicast.bind(("", multicast_port))
        membership = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("127.0.0.1"))
        multicast.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        IP_RECVTTL, IP_TTL = 12, 2
        multicast.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
        print("ready", flush=True)
        counts = {"broadcast": 0, "multicast": 0}
        end = time.monotonic() + timeout
        while time.monotonic() < end and min(counts.values()) < want:
            readable, _, _ = select.select([broadcast, multicast], [], [], 0.1)
            for sock in readable:
                payload, ancillary, _, _ = sock.recvmsg(65536, 64)
                ttl = next((struct.unpack("i", data[:4])[0] for level, kind, data in ancillary if kind == IP_TTL), None)
                name = "broadcast" if sock is broadcast else "multicast"
                counts[name] += 1
                print(json.dumps({"socket": name, "ttl": ttl, "size": len(payload), "payload": payload.decode()}), flush=True)
        """

    static let config = """
        sources:
          - type: mock
            rate: 60
            seed: 5
            cars: 4
        sinks:
          - type: udp
            id: lan-broadcast
            target: 127.255.255.255:40001
            variables: [Speed, RPM, Gear]
            rate: 10
          - type: udp
            id: lan-multicast
            target: 239.255.42.99:40002
            variables: all
            max_datagram_bytes: 1400
            ttl: 3
            rate: 5
          - type: udp
            id: nowhere
            target: 10.254.0.1:9
            variables: [Speed]
            rate: 20
        """

    struct Received: Decodable {
        var socket: String
        var ttl: Int?
        var size: Int
        var payload: String
        var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any] }
    }

    @Test(.enabled(if: mayCreateNamespaces, "needs root to create a network namespace (always runs under CI=true)"))
    func broadcastMulticastAndAnUnreachableTargetInsideANamespace() async throws {
        let python = try Fixture.require("python3", install: "python3")
        try await withNetworkNamespace { namespace in
            try await namespace.run(["link", "set", "lo", "multicast", "on"])
            try await namespace.run(["route", "add", "224.0.0.0/4", "dev", "lo"])

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("udp-netns-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let script = folder.appendingPathComponent("receiver.py")
            try Self.receiverScript.write(to: script, atomically: true, encoding: .utf8)
            let configFile = folder.appendingPathComponent("config.yaml")
            try Self.config.write(to: configFile, atomically: true, encoding: .utf8)

            let receiverOut = folder.appendingPathComponent("receiver.out")
            let receiver = namespace.start(
                [python, script.path, "40001", "40002", "239.255.42.99", "8", "20"],
                stdout: receiverOut, stderr: folder.appendingPathComponent("receiver.err"))
            await waitUntil(timeout: 10) { !receiver.isRunning || Self.text(receiverOut).hasPrefix("ready") }
            try #require(
                Self.text(receiverOut).hasPrefix("ready"), "receiver did not start: \(Self.text(folder.appendingPathComponent("receiver.err")))")

            let brokerErr = folder.appendingPathComponent("broker.err")
            let broker = namespace.start(
                [BrokerProcess.executable.path, "--config", configFile.path, "--log-level", "info"],
                stdout: folder.appendingPathComponent("broker.out"), stderr: brokerErr)

            await receiver.wait(timeout: 25)
            // Keep the broker up past the unreachable sink's socket reopening, then stop it as a user would.
            try await Task.sleep(for: .milliseconds(1500))
            #expect(broker.isRunning, "the broker stopped early: \(Self.text(brokerErr))")
            broker.signal(SIGTERM)
            #expect(await broker.wait(timeout: 5) == 0, "the broker did not exit cleanly: \(Self.text(brokerErr))")

            let lines = Self.text(receiverOut).split(separator: "\n").dropFirst()
            let received = try lines.map { try JSONDecoder().decode(Received.self, from: Data($0.utf8)) }
            let log = Self.text(brokerErr)

            // Broadcast: the socket may send to 127.255.255.255 (the kernel refuses without SO_BROADCAST).
            let broadcast = received.filter { $0.socket == "broadcast" }
            #expect(broadcast.count >= 8, "broadcast datagrams: \(broadcast.count); broker log:\n\(log)")
            let broadcastObjects = broadcast.compactMap(\.object)
            #expect(broadcastObjects.count == broadcast.count, "a broadcast datagram is not JSON")
            #expect(broadcastObjects.contains { $0["type"] as? String == "status" }, "no status datagram")
            let telemetry = broadcastObjects.filter { $0["type"] as? String == "telemetry" }
            #expect(!telemetry.isEmpty)
            for object in telemetry {
                #expect(object["source"] as? String == "mock")
                #expect(Set((object["data"] as? [String: Any] ?? [:]).keys) == ["Speed", "RPM", "Gear"])
            }

            // Multicast: TTL 3 as configured, every part within the limit and a telemetry object.
            let multicast = received.filter { $0.socket == "multicast" }
            #expect(multicast.count >= 8, "multicast datagrams: \(multicast.count); broker log:\n\(log)")
            #expect(multicast.allSatisfy { $0.ttl == 3 }, "TTLs: \(Set(multicast.map(\.ttl)))")
            #expect(multicast.allSatisfy { $0.size <= 1400 })
            let parts = multicast.compactMap(\.object).filter { $0["type"] as? String == "telemetry" }
            #expect(parts.contains { ($0["parts"] as? Int ?? 0) > 1 }, "a read-all frame at 1400 bytes goes out in parts")
            #expect(parts.allSatisfy { $0["seq"] is Int && $0["data"] is [String: Any] })

            // The unreachable target: one clear error line, counted failures, the rest unaffected.
            let errors = log.split(separator: "\n").filter { $0.contains("udp sink 'nowhere': cannot send to 10.254.0.1:9") }
            #expect(errors.count == 1, "expected one error line for the unreachable target:\n\(log)")
            let summary = log.split(separator: "\n").first { $0.contains("udp sink 'nowhere' stopped:") }
            let failures = summary.flatMap { line in
                line.firstRange(of: /(\d+) send errors/).flatMap { Int(line[$0].split(separator: " ")[0]) }
            }
            #expect((failures ?? 0) > 5, "send errors not counted: \(summary ?? "no summary line")")
            #expect(!log.contains("Fatal error"), "\(log)")
        }
    }

    static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
}
