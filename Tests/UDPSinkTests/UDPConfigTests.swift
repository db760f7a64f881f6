import BrokerCore
import MockSource
import Testing
import UDPSink
import UDPSupport

/// The `target` syntax and the config keys, as `broker validate` reports them.
@Suite struct UDPConfigTests {
    static let catalog = PluginCatalog(sources: [SourcePlugin(MockSource.self)], sinks: [SinkPlugin(UDPSink.self)])

    static func load(_ sinkLines: String) throws -> BrokerConfig {
        let text =
            "sources:\n  - type: mock\nsinks:\n  - type: udp\n" + sinkLines.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n"
        return try ConfigLoader(catalog: catalog, environment: [:]).load(text: text, file: "c.yaml")
    }

    static func errors(_ sinkLines: String) -> [String] {
        do {
            _ = try load(sinkLines)
            return []
        } catch let errors as ConfigErrors {
            return errors.errors.map { "\($0.mark.line):\($0.mark.column) \($0.message)" }
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test(arguments: [
        ("192.168.1.255:9999", "192.168.1.255", 9999),
        ("239.255.0.1:5000", "239.255.0.1", 5000),
        ("dash.local:1", "dash.local", 1),
        ("[::1]:65535", "::1", 65535),
        ("[ff02::1%eth0]:9999", "ff02::1%eth0", 9999),
    ])
    func validTargets(text: String, host: String, port: Int) throws {
        let target = try UDPTarget(parsing: text)
        #expect(target.host == host && target.port == port)
        #expect(target.description == text)
    }

    @Test(arguments: [
        ("192.168.1.255", "has no port"),
        ("host:0", "port must be a number between 1 and 65535, found '0'"),
        ("host:70000", "between 1 and 65535"),
        ("host:99a", "between 1 and 65535"),
        ("host:", "between 1 and 65535"),
        (":9999", "has no host"),
        ("::1:9999", "an IPv6 address needs brackets"),
        ("[::1]9999", "lacks ':port'"),
        ("[::1:9999", "without ']'"),
        ("[example.com]:9999", "is not an IPv6 address"),
        ("my host:9999", "is not a host name"),
    ])
    func malformedTargets(text: String, expected: String) {
        #expect {
            _ = try UDPTarget(parsing: text)
        } throws: { error in
            (error as? UDPTargetError)?.description.contains(expected) == true
        }
    }

    @Test func defaultsAndValues() throws {
        let minimal = try #require(try Self.load("target: 10.0.0.255:9999\nvariables: all").sinks.first?.config as? UDPConfig)
        #expect(minimal.maxDatagramBytes == 1400 && minimal.ttl == nil && minimal.variables == .all)
        let full = try #require(
            try Self.load("target: 239.1.1.1:9999\nvariables: [Speed, RPM]\nmax_datagram_bytes: 512\nttl: 4\nrate: 5").sinks.first)
        let config = try #require(full.config as? UDPConfig)
        #expect(config.maxDatagramBytes == 512 && config.ttl == 4 && config.variables == .names(["Speed", "RPM"]))
        #expect(full.rate == 5)
    }

    @Test func errorsCarryTheirPositions() {
        #expect(
            Self.errors("target: 192.168.1.255\nvariables: all") == [
                "5:13 target '192.168.1.255' has no port (expected host:port, e.g. 192.168.1.255:9999, or [ipv6]:port)"
            ])
        #expect(Self.errors("variables: all") == ["4:5 missing required key 'target'"])
        #expect(Self.errors("target: a:1") == ["4:5 missing required key 'variables'"])
        let several = Self.errors("target: \"::1:80\"\nvariables: [Sped]\nmax_datagram_bytes: 100\nttl: 0")
        #expect(several.count == 4, "\(several)")
        #expect(several.contains { $0.hasPrefix("5:13 target '::1:80': an IPv6 address needs brackets") })
        #expect(several.contains { $0.hasPrefix("6:16 unknown variable 'Sped' (did you mean 'Speed'?)") })
        #expect(several.contains { $0.hasPrefix("7:25 max_datagram_bytes must be between 256 and 65507, found 100") })
        #expect(several.contains { $0.hasPrefix("8:10 ttl must be between 1 and 255, found 0") })
    }
}
