import Foundation
import Testing

/// What a test does when something it needs is not on this machine (a program such as Mosquitto,
/// Chromium or `ip`, root for a network namespace, `../shared/data`).
///
/// Under CI (`CI=true`) every fixture must be there, so its absence fails the test with a line
/// saying what to install. On a developer's machine the test is reported as skipped with that
/// reason (Swift Testing's `Test.cancel`, or an `.enabled(if:)` trait on the suite), never as passed.
public enum Fixture {
    /// True under CI, where a missing fixture is a failure.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Ends the current test because `reason` (what is missing, and how to install it): skipped
    /// outside CI, failed under CI.
    public static func unavailable(_ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        if isCI { throw FixtureMissing(description: "missing under CI: \(reason)") }
        try Test.cancel(Comment(rawValue: reason), sourceLocation: sourceLocation)
    }

    /// The path of `program` in PATH or the usual bin and sbin folders, or nil.
    public static func program(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"]
        return folders.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The path of `program`, or the end of the test (see `unavailable`) naming what to install.
    public static func require(_ program: String, install package: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard let path = Self.program(program) else {
            try unavailable("\(program) is not installed (apt-get install -y \(package))", sourceLocation: sourceLocation)
        }
        return path
    }
}

/// A fixture missing under CI, as one line.
public struct FixtureMissing: Error, CustomStringConvertible {
    public var description: String
}
