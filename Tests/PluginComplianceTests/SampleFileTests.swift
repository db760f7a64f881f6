import BrokerCore
import BuiltinPlugins
import Foundation
import Testing

/// Each plugin's sample config is the `sample.yaml` file in its folder, and the plugin's README
/// shows that file as it is: under a `## Sample config` heading, the first ```` ```yaml ```` block
/// must equal the file byte for byte. (`PluginComplianceTests` checks that each sample validates.)
@Suite struct SampleFileTests {
    static let pluginsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Plugins").standardized

    /// Every plugin folder (`Sources/Mock`, `Sinks/WebSocket`...); `Shared` holds no plugin.
    static let pluginFolders: [String] = ["Sources", "Processors", "Sinks"].flatMap { kind in
        let names = (try? FileManager.default.contentsOfDirectory(atPath: pluginsFolder.appendingPathComponent(kind).path)) ?? []
        return names.sorted().map { "\(kind)/\($0)" }
    }

    static func read(_ relative: String) throws -> String {
        try String(contentsOf: pluginsFolder.appendingPathComponent(relative), encoding: .utf8)
    }

    /// The first yaml block under `## Sample config`, with the newline that ends its last line; nil
    /// when there is no such heading or block.
    static func sampleBlock(inREADME text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let heading = lines.firstIndex(of: "## Sample config") else { return nil }
        var index = heading + 1
        while index < lines.count, !lines[index].hasPrefix("#"), lines[index] != "```yaml" { index += 1 }
        guard index < lines.count, lines[index] == "```yaml", let end = lines[(index + 1)...].firstIndex(of: "```") else { return nil }
        return lines[(index + 1)..<end].map { $0 + "\n" }.joined()
    }

    @Test func everyPluginFolderIsFound() {
        #expect(Self.pluginFolders.count >= 10, "\(Self.pluginsFolder.path): \(Self.pluginFolders)")
    }

    @Test(arguments: pluginFolders)
    func readmeShowsTheSampleFileAsItIs(folder: String) throws {
        let sample = try Self.read("\(folder)/sample.yaml")
        let readme = try Self.read("\(folder)/README.md")
        let block = try #require(
            Self.sampleBlock(inREADME: readme), "Plugins/\(folder)/README.md has no '## Sample config' heading with a ```yaml block under it")
        guard block != sample else { return }
        let shown = block.split(separator: "\n", omittingEmptySubsequences: false)
        let file = sample.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(shown.count, file.count)).first { shown[$0] != file[$0] } ?? min(shown.count, file.count)
        Issue.record(
            """
            Plugins/\(folder)/README.md's sample differs from sample.yaml at line \(line + 1) of the file:
              README: \(line < shown.count ? String(shown[line]) : "(ends)")
              file:   \(line < file.count ? String(file[line]) : "(ends)")
            """)
    }

    @Test func everyPluginsSampleConfigIsTheFileInItsFolder() throws {
        let catalog = BuiltinPlugins.catalog
        let samples =
            catalog.sources.map { ($0.typeName, $0.sampleConfig) } + catalog.processors.map { ($0.typeName, $0.sampleConfig) }
            + catalog.sinks.map { ($0.typeName, $0.sampleConfig) }
        let files = try Self.pluginFolders.map { try Self.read("\($0)/sample.yaml") }
        for (type, sample) in samples {
            #expect(files.contains(sample), "the sample config of '\(type)' is none of the sample.yaml files")
        }
        #expect(samples.count == files.count, "\(samples.count) plugins, \(files.count) plugin folders")
    }
}
