import BrokerCore
import BrokerTestSupport
import Foundation
import Testing

@testable import WebSocketSink

/// A client that is not ours: Python's `websockets`, speaking the Python bridge's protocol the way
/// its clients do (interop/bridge_client.py).
@Suite("WebSocket interop with a Python client")
struct InteropTests {
    static let script = TestData.packageRoot.appendingPathComponent("Tests/WebSocketSinkTests/interop/bridge_client.py").path

    /// python3 with `websockets` installed; under CI (`CI=true`) the test always runs, so a missing
    /// interpreter or package fails instead of skipping.
    static func pythonAvailable() async -> Bool {
        if Fixture.isCI { return true }
        return (try? await ChildProcess.run(["python3", "-c", "import websockets"], timeout: 20).status) == 0
    }

    @Test(
        "a Python websockets client gets the bridge's shapes and 60 Hz",
        .enabled("needs python3 with the websockets package (pip install websockets)") { await pythonAvailable() })
    func pythonClient() async throws {
        try await withSinkHarness(rate: 60) { harness in
            let driver = FrameDriver(hub: harness.hub, variables: ProtocolTests.basicVariables)
            harness.hub.setSessionInfo(.object([("WeekendInfo", .object([("TrackName", "tsukuba")])), ("DriverInfo", .object([]))]))
            let publishing = driver.start(rate: 60)
            defer { publishing.cancel() }

            let url = harness.url()
            let result = try await ChildProcess.run(["python3", Self.script, url, "3"], timeout: 30)
            let report = try parseJSON(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(result.status == 0, "python client (status \(String(describing: result.status))): \(result.output) \(result.errors)")
            #expect(report["ok"] == true, "\(report["failure"]?.stringValue ?? result.errors)")
            let rate = report["rate"]?.doubleValue ?? 0
            #expect(rate >= 55, "the Python client got \(rate) messages/s")
        }
    }
}
