import BrokerCore
import BrokerTestSupport
import Foundation
import Synchronization
import Testing

@testable import WebSocketSink

/// A client that is not ours: Python's `websockets`, speaking the Python bridge's protocol the way
/// its clients do (interop/bridge_client.py).
@Suite("WebSocket interop with a Python client")
struct InteropTests {
    static let script = TestData.packageRoot.appendingPathComponent("Tests/WebSocketSinkTests/interop/bridge_client.py").path

    /// python3 with `websockets` installed; under CI (`CI=true`) the test always runs, so a missing
    /// interpreter or package fails instead of skipping.
    static var pythonAvailable: Bool {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        return (try? run(["python3", "-c", "import websockets"], timeout: 20).status) == 0
    }

    @Test(
        "a Python websockets client gets the bridge's shapes and 60 Hz",
        .enabled(if: pythonAvailable, "needs python3 with the websockets package (pip install websockets)"))
    func pythonClient() async throws {
        let harness = try await SinkHarness.start(rate: 60)
        let driver = FrameDriver(hub: harness.hub, variables: ProtocolTests.basicVariables)
        harness.hub.setSessionInfo(.object([("WeekendInfo", .object([("TrackName", "tsukuba")])), ("DriverInfo", .object([]))]))
        let publishing = driver.start(rate: 60)
        defer { publishing.cancel() }

        let url = harness.url()
        let result = try await Task.detached { try Self.run(["python3", Self.script, url, "3"], timeout: 30) }.value
        let report = try parseJSON(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(result.status == 0, "python client: \(result.output) \(result.errors)")
        #expect(report["ok"] == true, "\(report["failure"]?.stringValue ?? result.errors)")
        let rate = report["rate"]?.doubleValue ?? 0
        #expect(rate >= 55, "the Python client got \(rate) messages/s")
        try await harness.stop()
    }

    /// Runs a command, returning its exit status, standard output and standard error; kills it (by
    /// its own PID) after `timeout` seconds.
    static func run(_ arguments: [String], timeout: Double) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        // Read while waiting so a chatty process cannot block on a full pipe.
        let collected = [PipeReader(output), PipeReader(errors)]
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return (process.terminationStatus, collected[0].text(), collected[1].text())
    }
}

/// Reads a pipe to its end on a thread of its own, so a chatty process never blocks on a full pipe.
final class PipeReader: Sendable {
    private let data = Mutex<Data?>(nil)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread { [self] in
            let bytes = handle.readDataToEndOfFile()
            data.withLock { $0 = bytes }
        }.start()
    }

    /// Everything read, once the writer has closed the pipe.
    func text() -> String {
        while true {
            if let bytes = data.withLock({ $0 }) { return String(decoding: bytes, as: UTF8.self) }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}
