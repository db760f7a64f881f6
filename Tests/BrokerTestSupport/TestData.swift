import Foundation
import Testing

/// Locates the real-world test data in `../shared/data` beside the checkout.
///
/// The data is not ours, so it is never committed: tests open it by path. In a user's clone without
/// it, tests that need it are skipped (`.enabled(if: TestData.isAvailable)`); under CI (`CI=true`)
/// they always run, so a missing folder fails loudly instead of passing silently.
public enum TestData {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `../shared/data` relative to the package root.
    public static let directory: URL = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    /// True when the data folder exists, or when running under CI (where its absence must fail).
    public static var isAvailable: Bool {
        Fixture.isCI || FileManager.default.fileExists(atPath: directory.path)
    }

    /// The path of a data file, e.g. `TestData.path("iracing/formulavee_tsukuba.ibt")`.
    public static func path(_ relative: String) -> String {
        directory.appendingPathComponent(relative).path
    }

    /// The bytes of a data file; records a test issue naming the file when it cannot be read.
    public static func bytes(_ relative: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        let path = path(relative)
        guard let data = FileManager.default.contents(atPath: path) else {
            Issue.record("test data \(path) is missing (expected ../shared/data beside the checkout)", sourceLocation: sourceLocation)
            throw CocoaError(.fileNoSuchFile)
        }
        return [UInt8](data)
    }
}
