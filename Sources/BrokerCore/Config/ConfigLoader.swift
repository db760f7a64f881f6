import Foundation
import Logging

/// Loads a broker config file (README.md, "Config"): parses it with libyaml, substitutes `${ENV}` values, applies
/// command-line overrides, decodes every plugin entry with its own config type, and checks the
/// whole (ids, source references, ports). Every problem is collected; the caller gets them all.
public struct ConfigLoader: Sendable {
    public let catalog: PluginCatalog
    public var environment: [String: String]

    public init(catalog: PluginCatalog, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.catalog = catalog
        self.environment = environment
    }

    /// Loads `path`; throws `ConfigErrors` listing every problem, or a `PluginError` when the file
    /// cannot be read.
    public func load(file path: String, overrides: ConfigOverrides = ConfigOverrides()) throws -> BrokerConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw PluginError("\(path): config file \(reason)")
        }
        return try load(text: String(decoding: data, as: UTF8.self), file: path, overrides: overrides)
    }

    public func load(text: String, file: String, overrides: ConfigOverrides = ConfigOverrides()) throws -> BrokerConfig {
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(text) ?? YAMLNode(.mapping([]), mark: SourceMark(line: 1, column: 1))
        } catch let error as YAMLSyntaxError {
            throw ConfigErrors(errors: [ConfigError(file: file, mark: error.mark, message: error.message)])
        }
        var substitutionErrors: [ConfigError] = []
        let substituted = substituteEnvironment(in: root, file: file, errors: &substitutionErrors)
        let document = apply(overrides, to: substituted)
        let diagnostics = ConfigDiagnostics(file: file, root: document, knownVariableNames: catalog.knownVariableNames)
        for error in substitutionErrors { diagnostics.add(error.message, at: error.mark) }
        let config = ConfigDiagnostics.$current.withValue(diagnostics) {
            decodeDocument(document, file: file, diagnostics: diagnostics)
        }
        let errors = diagnostics.errors
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        return config
    }

    // MARK: - Document

    private static let topLevelKeys = ["broker", "sources", "processors", "sinks"]
    private static let brokerKeys = ["rate", "log_level"]
    private static let commonSourceKeys = ["type", "id", "enabled"]
    private static let commonSinkKeys = ["type", "id", "enabled", "sources", "rate"]
    private static let commonProcessorKeys = ["type", "id", "enabled", "sources", "budget_us"]

    private func decodeDocument(_ root: YAMLNode, file: String, diagnostics: ConfigDiagnostics) -> BrokerConfig {
        var config = BrokerConfig(file: file, rate: 60, logLevel: .info, sources: [], sinks: [])
        guard case let .mapping(pairs) = root.content else {
            diagnostics.add("the config must be a mapping with 'sources' and 'sinks', found \(root.kindName)", at: root.mark)
            return config
        }
        for pair in pairs {
            guard let key = pair.key.scalar, !Self.topLevelKeys.contains(key) else { continue }
            diagnostics.add(unknownKeyMessage(key, known: Self.topLevelKeys, context: "at the top level"), at: pair.key.mark)
        }
        if let broker = root["broker"] { decodeBrokerSection(broker, into: &config, diagnostics: diagnostics) }

        let sourceItems = items(of: root["sources"], section: "sources", diagnostics: diagnostics, mark: root.mark)
        var sourceIDs: [String: SourceMark] = [:]
        for (index, item) in sourceItems.enumerated() {
            let path: [any CodingKey] = [PathKey("sources"), PathKey(intValue: index)]
            guard let entry = decodeSource(item, path: path, diagnostics: diagnostics) else { continue }
            if let first = sourceIDs[entry.id] {
                var message = "duplicate source id '\(entry.id)' (first used at line \(first.line))"
                if item["id"] == nil && entry.id != entry.plugin.typeName {
                    message += "; this \(entry.plugin.typeName) has no 'id' and is named after what it plays: give it an id"
                }
                diagnostics.add(message, at: (item["id"] ?? item).mark)
            } else {
                sourceIDs[entry.id] = (item["id"] ?? item).mark
                config.sources.append(entry)
            }
        }
        if sourceItems.isEmpty && root["sources"] == nil {
            diagnostics.add("the config has no 'sources' section: add at least one source (e.g. '- type: mock')", at: root.mark)
        }

        let processorItems = items(of: root["processors"], section: "processors", diagnostics: diagnostics, mark: root.mark)
        var processorIDs: [String: SourceMark] = [:]
        for (index, item) in processorItems.enumerated() {
            let path: [any CodingKey] = [PathKey("processors"), PathKey(intValue: index)]
            guard let entry = decodeProcessor(item, path: path, knownSources: sourceIDs, diagnostics: diagnostics) else { continue }
            if let first = processorIDs[entry.id] {
                diagnostics.add("duplicate processor id '\(entry.id)' (first used at line \(first.line))", at: (item["id"] ?? item).mark)
            } else {
                processorIDs[entry.id] = (item["id"] ?? item).mark
                config.processors.append(entry)
            }
        }

        let sinkItems = items(of: root["sinks"], section: "sinks", diagnostics: diagnostics, mark: root.mark)
        var sinkIDs: [String: SourceMark] = [:]
        var ports: [ListeningPort: (String, SourceMark)] = [:]
        for (index, item) in sinkItems.enumerated() {
            let path: [any CodingKey] = [PathKey("sinks"), PathKey(intValue: index)]
            guard let entry = decodeSink(item, path: path, defaultRate: config.rate, knownSources: sourceIDs, diagnostics: diagnostics) else {
                continue
            }
            if let first = sinkIDs[entry.id] {
                diagnostics.add("duplicate sink id '\(entry.id)' (first used at line \(first.line))", at: (item["id"] ?? item).mark)
                continue
            }
            sinkIDs[entry.id] = (item["id"] ?? item).mark
            if entry.enabled {
                for port in entry.config.listeningPorts where port.port != 0 {
                    let mark = (item[port.key] ?? item).mark
                    var key = port
                    key.key = ""
                    if let (other, _) = ports[key] {
                        diagnostics.add("\(port.transport.rawValue) port \(port.port) is already used by sink '\(other)'", at: mark)
                    } else {
                        ports[key] = (entry.id, mark)
                    }
                }
            }
            config.sinks.append(entry)
        }
        if sinkItems.isEmpty && root["sinks"] == nil {
            diagnostics.add("the config has no 'sinks' section: add at least one sink (e.g. '- type: websocket')", at: root.mark)
        }
        return config
    }

    private func decodeBrokerSection(_ node: YAMLNode, into config: inout BrokerConfig, diagnostics: ConfigDiagnostics) {
        guard case let .mapping(pairs) = node.content else {
            if !node.isNull { diagnostics.add("'broker' must be a mapping, found \(node.kindName)", at: node.mark) }
            return
        }
        for pair in pairs {
            guard let key = pair.key.scalar else { continue }
            switch key {
            case "rate":
                if let rate = pair.value.scalar.flatMap(Double.init), rate > 0, rate <= 1000 {
                    config.rate = rate
                } else {
                    diagnostics.add("rate must be a number of messages per second above 0 and at most 1000", at: pair.value.mark)
                }
            case "log_level":
                if let text = pair.value.scalar, let level = Logger.Level(rawValue: text.lowercased()) {
                    config.logLevel = level
                } else {
                    let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                    diagnostics.add("log_level must be one of: \(levels)", at: pair.value.mark)
                }
            default:
                diagnostics.add(unknownKeyMessage(key, known: Self.brokerKeys, context: "in 'broker'"), at: pair.key.mark)
            }
        }
    }

    private func items(of node: YAMLNode?, section: String, diagnostics: ConfigDiagnostics, mark: SourceMark) -> [YAMLNode] {
        guard let node else { return [] }
        switch node.content {
        case let .sequence(items): return items
        case .scalar where node.isNull: return []
        default:
            diagnostics.add("'\(section)' must be a list of plugin entries ('- type: ...'), found \(node.kindName)", at: node.mark)
            return []
        }
    }

    /// The common keys of an entry: type (checked against `known`), id and enabled.
    private func commonKeys(
        _ item: YAMLNode, kind: String, known: [String], diagnostics: ConfigDiagnostics
    ) -> (type: String, id: String, enabled: Bool)? {
        guard case .mapping = item.content else {
            diagnostics.add("each \(kind) must be a mapping with at least 'type', found \(item.kindName)", at: item.mark)
            return nil
        }
        guard let typeNode = item["type"] else {
            diagnostics.add("this \(kind) has no 'type' (known types: \(known.joined(separator: ", ")))", at: item.mark)
            return nil
        }
        guard let type = typeNode.scalar, known.contains(type) else {
            let given = typeNode.scalar ?? typeNode.kindName
            var message = "unknown \(kind) type '\(given)'"
            if let hint = closestMatches(to: given, in: known).first { message += " (did you mean '\(hint)'?)" }
            diagnostics.add(message + "; known types: \(known.joined(separator: ", "))", at: typeNode.mark)
            return nil
        }
        var id = type
        if let idNode = item["id"] {
            if let text = idNode.scalar, Self.isValidID(text) {
                id = text
            } else {
                diagnostics.add("id must be letters, digits, '_', '-' or '.', found '\(idNode.scalar ?? idNode.kindName)'", at: idNode.mark)
            }
        }
        var enabled = true
        if let enabledNode = item["enabled"] {
            switch enabledNode.scalar?.lowercased() {
            case "true", "yes", "on": enabled = true
            case "false", "no", "off": enabled = false
            default: diagnostics.add("enabled must be true or false", at: enabledNode.mark)
            }
        }
        return (type, id, enabled)
    }

    /// The entry's `id`; without one, the plugin config's `defaultID` when it is a valid id, else the type.
    private func id(of item: YAMLNode, common: (type: String, id: String, enabled: Bool), config: any PluginConfig) -> String {
        guard item["id"] == nil, let preferred = config.defaultID, Self.isValidID(preferred) else { return common.id }
        return preferred
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64
            && id.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D || c == 0x2E
            }
    }

    private func decodeSource(_ item: YAMLNode, path: [any CodingKey], diagnostics: ConfigDiagnostics) -> BrokerConfig.SourceEntry? {
        guard let common = commonKeys(item, kind: "source", known: catalog.sources.map(\.typeName), diagnostics: diagnostics),
            let plugin = catalog.source(common.type)
        else { return nil }
        diagnostics.markKnown(Self.commonSourceKeys, at: path)
        let decoder = YAMLConfigDecoder(node: item, codingPath: path, diagnostics: diagnostics)
        do {
            let (config, instantiate) = try plugin.load(decoder)
            diagnostics.reportUnknownKeys(under: path, context: "for source type '\(common.type)'")
            return .init(
                id: id(of: item, common: common, config: config), plugin: plugin, enabled: common.enabled, config: config,
                instantiate: instantiate)
        } catch {
            diagnostics.record(error, fallbackPath: path)
            diagnostics.discardTrackers(under: path)
            return nil
        }
    }

    private func decodeSink(
        _ item: YAMLNode, path: [any CodingKey], defaultRate: Double, knownSources: [String: SourceMark], diagnostics: ConfigDiagnostics
    ) -> BrokerConfig.SinkEntry? {
        guard let common = commonKeys(item, kind: "sink", known: catalog.sinks.map(\.typeName), diagnostics: diagnostics),
            let plugin = catalog.sink(common.type)
        else { return nil }
        diagnostics.markKnown(Self.commonSinkKeys, at: path)
        let sourceIDs = sourceList(item["sources"], knownSources: knownSources, diagnostics: diagnostics)
        var rate = plugin.defaultRate ?? defaultRate
        if let node = item["rate"] {
            if let value = node.scalar.flatMap(Double.init), value > 0, value <= 1000 {
                rate = value
            } else {
                diagnostics.add("rate must be a number of messages per second above 0 and at most 1000", at: node.mark)
            }
        }
        let decoder = YAMLConfigDecoder(node: item, codingPath: path, diagnostics: diagnostics)
        do {
            let (config, instantiate) = try plugin.load(decoder)
            diagnostics.reportUnknownKeys(under: path, context: "for sink type '\(common.type)'")
            return .init(
                id: id(of: item, common: common, config: config), plugin: plugin, enabled: common.enabled, sourceIDs: sourceIDs,
                rate: rate, config: config, instantiate: instantiate)
        } catch {
            diagnostics.record(error, fallbackPath: path)
            diagnostics.discardTrackers(under: path)
            return nil
        }
    }

    /// A `sources:` list of an entry (nil when absent: every source), each id checked.
    private func sourceList(_ node: YAMLNode?, knownSources: [String: SourceMark], diagnostics: ConfigDiagnostics) -> [String]? {
        guard let node else { return nil }
        guard case let .sequence(list) = node.content else {
            if !node.isNull { diagnostics.add("sources must be a list of source ids, e.g. [mock]", at: node.mark) }
            return nil
        }
        var sourceIDs: [String] = []
        for idNode in list {
            guard let id = idNode.scalar, knownSources[id] != nil else {
                let given = idNode.scalar ?? idNode.kindName
                var message = "unknown source id '\(given)'"
                if let hint = closestMatches(to: given, in: knownSources.keys.sorted()).first { message += " (did you mean '\(hint)'?)" }
                diagnostics.add(message + "; defined sources: \(knownSources.keys.sorted().joined(separator: ", "))", at: idNode.mark)
                continue
            }
            sourceIDs.append(id)
        }
        return sourceIDs
    }

    private func decodeProcessor(
        _ item: YAMLNode, path: [any CodingKey], knownSources: [String: SourceMark], diagnostics: ConfigDiagnostics
    ) -> BrokerConfig.ProcessorEntry? {
        guard let common = commonKeys(item, kind: "processor", known: catalog.processors.map(\.typeName), diagnostics: diagnostics),
            let plugin = catalog.processor(common.type)
        else { return nil }
        diagnostics.markKnown(Self.commonProcessorKeys, at: path)
        let sourceIDs = sourceList(item["sources"], knownSources: knownSources, diagnostics: diagnostics)
        var budget = Duration.microseconds(500)
        if let node = item["budget_us"] {
            if let value = node.scalar.flatMap(Int.init), value >= 1, value <= 1_000_000 {
                budget = .microseconds(value)
            } else {
                diagnostics.add("budget_us must be a whole number of microseconds per frame from 1 to 1000000", at: node.mark)
            }
        }
        let decoder = YAMLConfigDecoder(node: item, codingPath: path, diagnostics: diagnostics)
        do {
            let (config, instantiate) = try plugin.load(decoder)
            diagnostics.reportUnknownKeys(under: path, context: "for processor type '\(common.type)'")
            return .init(
                id: id(of: item, common: common, config: config), plugin: plugin, enabled: common.enabled, sourceIDs: sourceIDs,
                budget: budget, config: config, instantiate: instantiate)
        } catch {
            diagnostics.record(error, fallbackPath: path)
            diagnostics.discardTrackers(under: path)
            return nil
        }
    }

    private func unknownKeyMessage(_ key: String, known: [String], context: String) -> String {
        var message = "unknown key '\(key)' \(context)"
        if let hint = closestMatches(to: key, in: known).first {
            message += " (did you mean '\(hint)'?)"
        } else {
            message += " (known keys: \(known.joined(separator: ", ")))"
        }
        return message
    }

    // MARK: - Environment and overrides

    /// Replaces `${NAME}` in every scalar with the environment variable; an unset one is an error.
    private func substituteEnvironment(in node: YAMLNode, file: String, errors: inout [ConfigError]) -> YAMLNode {
        switch node.content {
        case let .scalar(text, plain):
            guard text.contains("${") else { return node }
            var result = ""
            var rest = Substring(text)
            while let start = rest.range(of: "${") {
                result += rest[..<start.lowerBound]
                guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                    result += rest[start.lowerBound...]
                    rest = ""
                    break
                }
                let name = String(rest[start.upperBound..<end])
                if let value = environment[name] {
                    result += value
                } else {
                    errors.append(ConfigError(file: file, mark: node.mark, message: "environment variable '\(name)' is not set"))
                }
                rest = rest[rest.index(after: end)...]
            }
            result += rest
            return YAMLNode(.scalar(result, plain: plain), mark: node.mark)
        case let .sequence(items):
            return YAMLNode(.sequence(items.map { substituteEnvironment(in: $0, file: file, errors: &errors) }), mark: node.mark)
        case let .mapping(pairs):
            return YAMLNode(
                .mapping(pairs.map { ($0.key, substituteEnvironment(in: $0.value, file: file, errors: &errors)) }), mark: node.mark)
        }
    }

    private func apply(_ overrides: ConfigOverrides, to root: YAMLNode) -> YAMLNode {
        guard case var .mapping(pairs) = root.content else { return root }
        func setting(_ key: String, _ value: YAMLNode, in node: YAMLNode) -> YAMLNode {
            guard case var .mapping(entries) = node.content else { return node }
            let keyNode = YAMLNode(.scalar(key, plain: true), mark: node.mark)
            if let index = entries.firstIndex(where: { $0.key.scalar == key }) {
                entries[index].value = YAMLNode(value.content, mark: entries[index].value.mark)
            } else {
                entries.append((keyNode, YAMLNode(value.content, mark: node.mark)))
            }
            return YAMLNode(.mapping(entries), mark: node.mark)
        }
        func scalar(_ text: String) -> YAMLNode { YAMLNode(.scalar(text, plain: true), mark: root.mark) }
        func index(of key: String) -> Int? { pairs.firstIndex { $0.key.scalar == key } }

        if overrides.testMode {
            let mock = YAMLNode(.mapping([(scalar("type"), scalar("mock"))]), mark: root.mark)
            if let i = index(of: "sources") {
                pairs[i].value = YAMLNode(.sequence([mock]), mark: pairs[i].value.mark)
            } else {
                pairs.append((scalar("sources"), YAMLNode(.sequence([mock]), mark: root.mark)))
            }
            for section in ["sinks", "processors"] {
                guard let i = index(of: section), case let .sequence(entries) = pairs[i].value.content else { continue }
                pairs[i].value = YAMLNode(
                    .sequence(
                        entries.map { entry in
                            guard case let .mapping(keys) = entry.content else { return entry }
                            return YAMLNode(.mapping(keys.filter { $0.key.scalar != "sources" }), mark: entry.mark)
                        }), mark: pairs[i].value.mark)
            }
        }
        if let i = index(of: "sinks"), case var .sequence(sinks) = pairs[i].value.content {
            if let rate = overrides.rate {
                sinks = sinks.map { setting("rate", scalar(String(rate)), in: $0) }
            }
            if let port = overrides.port, let first = sinks.firstIndex(where: { $0["type"]?.scalar == "websocket" }) {
                sinks[first] = setting("port", scalar(String(port)), in: sinks[first])
            }
            pairs[i].value = YAMLNode(.sequence(sinks), mark: pairs[i].value.mark)
        }
        if let rate = overrides.rate {
            let broker = index(of: "broker").map { pairs[$0].value } ?? YAMLNode(.mapping([]), mark: root.mark)
            let updated = setting("rate", scalar(String(rate)), in: broker.isNull ? YAMLNode(.mapping([]), mark: root.mark) : broker)
            if let i = index(of: "broker") { pairs[i].value = updated } else { pairs.append((scalar("broker"), updated)) }
        }
        return YAMLNode(.mapping(pairs), mark: root.mark)
    }
}
