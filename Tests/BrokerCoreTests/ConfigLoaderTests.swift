import BrokerCore
import BrokerTestSupport
import Testing

/// A tiny plugin set for config tests, independent of the real plugins.
struct ProbeSource: Source {
    struct Config: PluginConfig {
        var interval_ms: Int
        var mode: Mode
        var nested: Nested
        enum Mode: String, ConfigEnum { case fast, slow }
        struct Nested: Decodable, Sendable {
            var min_s: Double
            var max_s: Double
            enum CodingKeys: String, CodingKey { case min_s, max_s }
            init(min_s: Double = 1, max_s: Double = 30) {
                self.min_s = min_s
                self.max_s = max_s
            }
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                min_s = try c.value(.min_s, default: 1, in: 0...60)
                max_s = try c.value(.max_s, default: 30, in: 0...600)
            }
        }
        enum CodingKeys: String, CodingKey { case interval_ms, mode, nested }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            interval_ms = try c.value(.interval_ms, default: 100, in: 10...8000)
            mode = try c.value(.mode, default: .fast)
            nested = try c.value(.nested, default: Nested())
        }
    }
    static let typeName = "probe"
    static let summary = "test"
    static let sampleConfig = ""
    static let providedVariables = ProvidedVariables.catalogue
    init(id: String, config: Config, context: PluginContext) {}
    func run(output: SourceHub) async throws {}
}

struct ProbeSink: Sink {
    struct Config: PluginConfig {
        var port: Int
        var target: String
        var listeningPorts: [ListeningPort] { [ListeningPort(.tcp, port)] }
        enum CodingKeys: String, CodingKey { case port, target }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            port = try c.value(.port, default: 8765, in: 1...65535)
            target = try c.decode(String.self, forKey: .target)
        }
    }
    static let typeName = "websocket"
    static let summary = "test"
    static let sampleConfig = ""
    init(id: String, config: Config, context: PluginContext) {}
    func run(input: SinkInput) async throws {}
}

let probeCatalog = PluginCatalog(sources: [SourcePlugin(ProbeSource.self)], sinks: [SinkPlugin(ProbeSink.self)])

func loadErrors(_ text: String, environment: [String: String] = [:]) -> [ConfigError] {
    do {
        _ = try ConfigLoader(catalog: probeCatalog, environment: environment).load(text: text, file: "c.yaml")
        return []
    } catch let errors as ConfigErrors {
        return errors.errors
    } catch {
        Issue.record("unexpected error \(error)")
        return []
    }
}

@Suite struct ConfigLoaderTests {
    @Test func validFileLoadsWithDefaultsAndValues() throws {
        let text = """
            broker:
              rate: 30
              log_level: debug
            sources:
              - type: probe
                id: a
                interval_ms: 50
                mode: slow
                nested: {min_s: 2}
              - type: probe
                id: b
                enabled: false
            sinks:
              - type: websocket
                target: "x"
                sources: [a]
              - type: websocket
                id: second
                port: 9000
                rate: 5
                target: y
            """
        let config = try ConfigLoader(catalog: probeCatalog).load(text: text, file: "c.yaml")
        #expect(config.rate == 30)
        #expect(config.logLevel == .debug)
        #expect(config.sources.map(\.id) == ["a", "b"])
        #expect(config.sources.map(\.enabled) == [true, false])
        let a = try #require(config.sources[0].config as? ProbeSource.Config)
        #expect(a.interval_ms == 50 && a.mode == .slow && a.nested.min_s == 2 && a.nested.max_s == 30)
        let b = try #require(config.sources[1].config as? ProbeSource.Config)
        #expect(b.interval_ms == 100 && b.mode == .fast)
        #expect(config.sinks.map(\.id) == ["websocket", "second"])
        #expect(config.sinks[0].sourceIDs == ["a"] && config.sinks[0].rate == 30)
        #expect(config.sinks[1].sourceIDs == nil && config.sinks[1].rate == 5)
    }

    @Test func eachKindOfErrorHasItsLineAndColumnAndAllAreReportedTogether() {
        let text = """
            broker:
              rate: fast
            sources:
              - type: prob
              - type: probe
                interval_ms: 5
                mode: medium
                intervall: 3
                nested: {min_s: -1, max_s: "x"}
              - type: probe
                id: probe
            sinks:
              - type: websocket
                sources: [probe, ghost]
              - type: websocket
                id: other
                target: t
                port: 8000
                rate: 0
              - type: websocket
                id: third
                target: t
                port: 8000
            """
        let errors = loadErrors(text)
        let found = errors.map { "\($0.mark.line):\($0.mark.column) \($0.message)" }
        let expected = [
            "2:9 rate must be a number",
            "4:11 unknown source type 'prob' (did you mean 'probe'?)",
            "6:18 interval_ms must be between 10 and 8000, found 5",
            "7:11 unknown value 'medium' (expected one of: fast, slow",
            "8:5 unknown key 'intervall' for source type 'probe' (did you mean 'interval_ms'?)",
            "9:21 min_s must be between 0.0 and 60.0, found -1.0",
            "9:32 expected a number, found 'x'",
            "11:9 duplicate source id 'probe' (first used at line 5)",
            "13:5 missing required key 'target'",
            "14:22 unknown source id 'ghost'",
            "19:11 rate must be a number",
            "23:11 tcp port 8000 is already used by sink 'other'",
        ]
        #expect(errors.count == expected.count, "\(found.joined(separator: "\n"))")
        for prefix in expected {
            #expect(found.contains { $0.hasPrefix(prefix) }, "missing \(prefix) in:\n\(found.joined(separator: "\n"))")
        }
        #expect(errors.allSatisfy { $0.description.hasPrefix("c.yaml:\($0.mark.line):\($0.mark.column): ") })
    }

    @Test func yamlSyntaxErrorsArePositioned() {
        let errors = loadErrors("sources:\n  - type: probe\n    mode: [fast\nsinks: []\n")
        #expect(errors.count == 1)
        #expect(errors.first?.message.hasPrefix("YAML syntax error") == true)
        #expect(errors.first?.mark.line == 4)
    }

    @Test func topLevelProblems() {
        #expect(loadErrors("- 1\n- 2\n").first?.message.contains("must be a mapping") == true)
        let missing = loadErrors("broker: {rate: 10}\n").map(\.message)
        #expect(missing.contains { $0.contains("no 'sources'") } && missing.contains { $0.contains("no 'sinks'") })
        let unknown = loadErrors("sources: []\nsinks: []\nsink: []\n").map(\.message)
        #expect(unknown == ["unknown key 'sink' at the top level (did you mean 'sinks'?)"])
    }

    @Test func environmentVariablesAreSubstituted() throws {
        let text = "sources:\n  - type: probe\n    interval_ms: ${INTERVAL}\nsinks:\n  - type: websocket\n    target: \"${HOST}:1883\"\n"
        let config = try ConfigLoader(catalog: probeCatalog, environment: ["INTERVAL": "250", "HOST": "mq.local"]).load(text: text, file: "c.yaml")
        #expect((config.sources[0].config as? ProbeSource.Config)?.interval_ms == 250)
        #expect((config.sinks[0].config as? ProbeSink.Config)?.target == "mq.local:1883")
        let errors = loadErrors(text, environment: ["INTERVAL": "250"])
        #expect(errors.map(\.message) == ["environment variable 'HOST' is not set"])
        #expect(errors.first?.mark.line == 6)
    }

    @Test func overridesReplaceSourcesRateAndPort() throws {
        let catalog = PluginCatalog(sources: [SourcePlugin(ProbeSource.self)], sinks: [SinkPlugin(ProbeSink.self)])
        let text = "sources:\n  - type: probe\n    id: sim\nsinks:\n  - type: websocket\n    target: t\n    sources: [sim]\n"
        // --test swaps in the mock; this catalog has no mock, so the swap is visible as an error.
        #expect(throws: ConfigErrors.self) {
            try ConfigLoader(catalog: catalog).load(text: text, file: "c.yaml", overrides: ConfigOverrides(testMode: true))
        }
        let config = try ConfigLoader(catalog: catalog).load(text: text, file: "c.yaml", overrides: ConfigOverrides(rate: 12, port: 9100))
        #expect(config.rate == 12 && config.sinks[0].rate == 12)
        #expect((config.sinks[0].config as? ProbeSink.Config)?.port == 9100)
    }

    @Test func unreadableFileIsOneClearError() {
        #expect(throws: PluginError.self) { try ConfigLoader(catalog: probeCatalog).load(file: "/nonexistent/config.yaml") }
    }
}
