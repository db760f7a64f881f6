import BrokerTestSupport
import Foundation
import Testing

/// Under systemd, standard error is the journal (which stamps each line itself): the broker then
/// writes no timestamps and marks each line's level as a syslog priority.
@Suite struct JournalLoggingTests {
    static let config = "sources:\n  - type: mock\n    rate: 20\nsinks:\n  - type: stdout\n    status: false\n"

    func runBriefly(stderrAsJournal: Bool) async throws -> String {
        let config = try TemporaryConfig(Self.config, prefix: "journal")
        defer { config.remove() }
        return try await withBroker(["--config", config.path], stderrAsJournal: stderrAsJournal) { broker in
            // Running (signal handlers installed) once telemetry flows, not merely once it logged its start.
            #expect(await waitUntil(timeout: 20) { broker.stdout.contains("\"telemetry\"") })
            broker.signal()
            #expect(await broker.wait(timeout: 5) == 0)
            return broker.stderr
        }
    }

    @Test func journalLinesHavePrioritiesAndNoTimestamps() async throws {
        let lines = try await runBriefly(stderrAsJournal: true).split(separator: "\n")
        let starting = try #require(lines.first { $0.contains("starting from") })
        #expect(starting.hasPrefix("<6>info broker: broker "), "\(starting)")
        #expect(lines.allSatisfy { $0.hasPrefix("<") }, "\(lines)")
        #expect(!lines.contains { $0.contains("T") && $0.range(of: #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"#, options: .regularExpression) != nil })
    }

    @Test func aTerminalOrFileKeepsTimestamps() async throws {
        let lines = try await runBriefly(stderrAsJournal: false).split(separator: "\n")
        let starting = try #require(lines.first { $0.contains("starting from") })
        #expect(starting.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"#, options: .regularExpression) != nil, "\(starting)")
        #expect(!starting.hasPrefix("<"))
    }
}
