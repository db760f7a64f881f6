import BrokerCore
import BrokerTestSupport
import InSimSource
import Testing

/// A sink that does nothing, registered as `stdout` so the sample config can be validated here.
private struct DiscardSink: Sink {
    struct Config: PluginConfig {
        init(from decoder: any Decoder) throws {}
    }

    static let typeName = "stdout"
    static let summary = "discards everything (test)"
    static let sampleConfig = ""

    init(id: String, config: Config, context: PluginContext) throws {}

    func run(input: SinkInput) async throws {}
}

/// The `insim` keys of the plugin's README through the real config loader: defaults, values, and errors with positions.
struct InSimConfigTests {
    private let loader = ConfigLoader(
        catalog: PluginCatalog(sources: [SourcePlugin(InSimSource.self)], sinks: [SinkPlugin(DiscardSink.self)]), environment: [:])

    private func load(_ sourceKeys: String) throws -> InSimSourceConfig {
        let config = try loader.load(text: "sources:\n  - type: insim\n\(sourceKeys)sinks:\n  - type: stdout\n", file: "test.yaml")
        return try #require(config.sources.first?.config as? InSimSourceConfig)
    }

    private func errors(_ sourceKeys: String) -> [String] {
        return configErrors { try loader.load(text: "sources:\n  - type: insim\n\(sourceKeys)sinks:\n  - type: stdout\n", file: "test.yaml") }
    }

    @Test func defaults() throws {
        let config = try load("")
        #expect(config == InSimSourceConfig())
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 29999)
        #expect(config.admin == "")
        #expect(config.name == "broker")
        #expect(config.insimVersion == 10)
        #expect(config.intervalMs == 100)
        #expect(config.flags == [.mci, .nlp])
        #expect(config.udpPort == 0)
        #expect(config.outgaugePort == 0)
        #expect(config.reconnect == InSimSourceConfig.Reconnect(minS: 1, maxS: 30))
        #expect(config.listeningPorts.isEmpty)
        #expect(config.flagBits == 0x30)
    }

    @Test func everyKeyIsRead() throws {
        let config = try load(
            """
                host: 192.168.1.20
                port: 30000
                admin: secret
                name: dash
                insim_version: 9
                interval_ms: 50
                flags: [mci, mso_cols]
                udp_port: 30001
                outgauge_port: 30002
                reconnect: {min_s: 0.5, max_s: 10}

            """)
        #expect(
            config
                == InSimSourceConfig(
                    host: "192.168.1.20", port: 30000, admin: "secret", name: "dash", insimVersion: 9, intervalMs: 50, flags: [.mci, .msoCols],
                    udpPort: 30001, outgaugePort: 30002, reconnect: .init(minS: 0.5, maxS: 10)))
        #expect(config.listeningPorts == [ListeningPort(.udp, 30001, key: "udp_port"), ListeningPort(.udp, 30002, key: "outgauge_port")])
        #expect(config.insimUDPPort == 30001)
        #expect(config.udpBindAddress == "0.0.0.0")
        #expect(config.flagBits == 0x28)
    }

    @Test func outGaugeAloneNamesTheInSimUDPPortAndBindsLoopbackForALocalLFS() throws {
        let config = try load("    outgauge_port: 30002\n")
        #expect(config.insimUDPPort == 30002)
        #expect(config.udpBindAddress == "127.0.0.1")
    }

    @Test func aNameLongerThanFifteenBytesIsAnError() {
        #expect(
            errors("    name: sixteen-chars-xx\n") == ["test.yaml:3:11: name 'sixteen-chars-xx' is longer than 15 bytes (LFS's IName field holds 15)"]
        )
        #expect(errors("    name: fifteen-chars-x\n").isEmpty)
    }

    @Test func forwardTakesHostPortTargetsForTheUDPPorts() throws {
        let config = try load("    outgauge_port: 30000\n    forward: [127.0.0.1:30001, \"[::1]:30002\", dash.local:4444]\n")
        #expect(config.forward.map(\.description) == ["127.0.0.1:30001", "[::1]:30002", "dash.local:4444"])
        #expect(try load("").forward.isEmpty)
        #expect(errors("    outgauge_port: 30000\n    forward: [127.0.0.1]\n").first?.hasPrefix("test.yaml:4:") == true)
        #expect(errors("    forward: [127.0.0.1:30001]\n").first?.contains("forward needs a UDP port to forward from") == true)
    }

    @Test func anAdminPasswordLongerThanFifteenBytesIsAnError() {
        #expect(errors("    admin: a-very-long-password\n").first?.contains("admin is longer than 15 bytes") == true)
    }

    @Test func outOfRangeValuesAreErrorsWithTheirPositions() {
        #expect(errors("    insim_version: 8\n") == ["test.yaml:3:20: insim_version must be between 9 and 10, found 8"])
        #expect(errors("    interval_ms: 5\n") == ["test.yaml:3:18: interval_ms must be 0 (none) or at least 10, found 5"])
        #expect(errors("    port: 70000\n") == ["test.yaml:3:11: port must be between 1 and 65535, found 70000"])
        #expect(errors("    reconnect: {min_s: 5, max_s: 2}\n").first?.contains("max_s (2.0) must not be less than min_s (5.0)") == true)
    }

    @Test func anUnknownFlagListsTheAllowedOnes() {
        let messages = errors("    flags: [mci, nlpp]\n")
        #expect(messages.count == 1)
        #expect(messages.first?.contains("unknown value 'nlpp' (expected one of: mci, nlp, mso_cols; did you mean 'nlp'?)") == true)
    }

    @Test func aMisspelledKeyIsReported() {
        #expect(errors("    intervall_ms: 100\n").first?.contains("did you mean 'interval_ms'?") == true)
    }

    @Test func theSampleConfigIsValidAndComplete() throws {
        let config = try loader.load(text: InSimSource.sampleConfig, file: "sample.yaml")
        let sample = try #require(config.sources.first?.config as? InSimSourceConfig)
        #expect(sample == InSimSourceConfig())
        for key in ["host", "port", "admin", "name", "insim_version", "interval_ms", "flags", "udp_port", "outgauge_port", "reconnect"] {
            #expect(InSimSource.sampleConfig.contains("\n    \(key): "), "sample lacks \(key)")
        }
    }

    @Test func everyCanonicalNameTheSourceUsesIsInTheCatalogue() {
        guard case let .variables(infos) = InSimSource.providedVariables else {
            Issue.record("the source should list its variables")
            return
        }
        let names = infos.map(\.name)
        let catalogue = Set(VariableCatalogue.all.map(\.name))
        let canonical = [
            "CarIdxLap", "CarIdxLapCompleted", "CarIdxPosition", "CarIdxLapDistPct", "CarIdxLastLapTime", "CarIdxBestLapTime", "CarIdxBestLapNum",
            "CarIdxOnPitRoad", "CarIdxTrackSurface", "CarIdxRPM", "CarIdxGear", "PlayerCarIdx", "CamCarIdx", "IsReplayPlaying", "SessionLapsTotal",
            "SessionTimeTotal", "Lap", "LapCompleted", "LapDistPct", "PlayerCarPosition", "LapLastLapTime", "LapBestLapTime", "OnPitRoad", "Speed",
            "RPM", "Gear", "Throttle", "Brake", "Clutch", "FuelLevelPct", "WaterTemp", "OilTemp", "OilPress", "EngineWarnings", "DisplayUnits",
            "ShiftIndicatorPct",
        ]
        for name in canonical {
            #expect(catalogue.contains(name), "\(name) is not in the catalogue")
            #expect(names.contains(name), "\(name) is not listed as provided")
        }
        #expect(Set(names).count == names.count)
    }
}
