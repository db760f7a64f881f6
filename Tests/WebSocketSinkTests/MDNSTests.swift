import BrokerCore
import BrokerTestSupport
import Foundation
import Testing

@testable import WebSocketSink

/// mDNS: the real advertisement through avahi, in a network namespace the test creates (never on
/// the host's interfaces), and the broker serving on when no daemon is reachable.
@Suite("WebSocket mDNS")
struct MDNSTests {
    static let script = TestData.packageRoot.appendingPathComponent("scripts/mdns-test.sh").path

    /// Root and the tools the namespace test needs; under CI (`CI=true`) it always runs, so a
    /// missing tool fails instead of skipping.
    static var namespaceTestPossible: Bool {
        if Fixture.isCI { return true }
        return getuid() == 0 && ["ip", "dbus-daemon", "avahi-daemon", "avahi-browse"].allSatisfy { Fixture.program($0) != nil }
    }

    /// Runs scripts/mdns-test.sh (with a TLS sink when `tls`), checks what every run must show (the
    /// service on `lo` with the sink's port, one advertising line, withdrawn on shutdown) and
    /// returns the TXT record avahi-browse printed.
    static func advertisedTXT(tls: Bool) async throws -> String {
        let broker = BrokerProcess.executable.path
        let result = try await ChildProcess.run([Self.script, broker] + (tls ? ["tls"] : []), timeout: 90)
        #expect(result.status == 0, "mdns-test.sh exited with \(String(describing: result.status)): \(result.output) \(result.errors)")
        let found = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("FOUND ") }, "\(result.output) \(result.errors)")
        // avahi-browse -p: =;iface;proto;name;type;domain;host;address;port;txt
        let fields = found.dropFirst("FOUND ".count).split(separator: ";", omittingEmptySubsequences: false)
        try #require(fields.count >= 10, "\(found)")
        #expect(fields[1] == "lo")
        #expect(fields[4] == "_iracingws._tcp")
        #expect(fields[8] == "8765")
        #expect(result.output.contains("BROKER-LOG 1 advertising line(s), 0 failure line(s)"))
        #expect(result.output.contains("\nGONE"))
        return fields[9...].joined(separator: ";")
    }

    @Test(
        "the sink is advertised through avahi with its port and TXT, and withdrawn on shutdown",
        .enabled(if: namespaceTestPossible, "needs root and iproute2, dbus, avahi-daemon, avahi-utils"))
    func advertisedAndWithdrawn() async throws {
        let txt = try await Self.advertisedTXT(tls: false)
        #expect(txt.contains("\"path=/telemetry\""))
        #expect(txt.contains("\"version=1\""))
        #expect(txt.contains("\"sources=mock\""))
        #expect(!txt.contains("tls="), "a plain sink must not claim TLS: \(txt)")
    }

    @Test(
        "a sink serving TLS says tls=1 in its TXT record",
        .enabled(if: namespaceTestPossible && TestCertificates.opensslAvailable, "needs root, avahi (as above) and openssl"))
    func advertisedWithTLS() async throws {
        let txt = try await Self.advertisedTXT(tls: true)
        #expect(txt.contains("\"tls=1\""), "\(txt)")
        #expect(txt.contains("\"path=/telemetry\""))
        #expect(txt.contains("\"sources=mock\""))
    }

    @Test("without an mDNS daemon the broker logs one warning and serves on")
    func noDaemon() async throws {
        let port = try freeLoopbackPort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mdns-nodaemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.yaml")
        try """
        sources:
          - type: mock
        sinks:
          - type: websocket
            host: 127.0.0.1
            port: \(port)
        """.write(to: config, atomically: true, encoding: .utf8)
        // A bus address that leads nowhere: no daemon can be reached, and a daemon the machine may
        // run is never asked to announce anything on the host's network.
        try await withBroker(
            ["--config", config.path], environment: ["DBUS_SYSTEM_BUS_ADDRESS": "unix:path=\(directory.path)/no-bus"]
        ) { broker in
            let serving = await waitUntil(timeout: 10) { (try? AccessAndLimitsTests.get("/healthz", port: port).status) == 200 }
            #expect(serving, "the sink should serve without mDNS: \(broker.stderr)")
            broker.signal(SIGTERM)
            #expect(await broker.wait(timeout: 5) == 0)
            let mdnsLines = broker.stderr.split(separator: "\n").filter { $0.contains("mDNS") }
            #expect(mdnsLines.count == 1, "\(mdnsLines)")
            #expect(mdnsLines.first?.contains("warning") == true)
            #expect(mdnsLines.first?.contains("no mDNS daemon is reachable") == true)
            #expect(!broker.stderr.contains("AVAHI"), "avahi's compatibility banner should be silenced")
        }
    }

    @Test("the TXT record is length-prefixed key=value strings")
    func txtRecord() {
        let service = MDNSAdvertiser.Service(
            name: "pit", type: "_iracingws._tcp", port: 8765, txt: [("path", "/"), ("version", "1"), ("sources", "sim,lfs")])
        #expect(service.txtRecord == [6] + Array("path=/".utf8) + [9] + Array("version=1".utf8) + [15] + Array("sources=sim,lfs".utf8))
        let long = MDNSAdvertiser.Service(name: "x", type: "_x._tcp", port: 1, txt: [("sources", String(repeating: "a", count: 400))])
        #expect(long.txtRecord.count == 256)
        #expect(long.txtRecord.first == 255)
    }

    @Test("the default instance name is the host name without its domain")
    func hostName() {
        let name = MDNSAdvertiser.hostName()
        #expect(!name.isEmpty)
        #expect(!name.contains("."))
    }
}
