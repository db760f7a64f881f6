import BrokerCore
import BrokerTestSupport
import Foundation
import Synchronization
import Testing

/// A headless Chromium for the dashboard tests, driven over the Chrome DevTools Protocol.
///
/// Started with its own temporary profile and `--remote-debugging-port=0` on loopback; the port
/// it picked is read from the profile's `DevToolsActivePort` file. Used through `withPage`, which
/// stops it on every way out (SIGTERM, which it handles by shutting down with its helper
/// processes) and removes the profile.
final class HeadlessChromium: Sendable {
    /// The browser executable: `$CHROMIUM`, else the first of the usual names in PATH.
    static let executable: String? = {
        if let configured = ProcessInfo.processInfo.environment["CHROMIUM"], !configured.isEmpty { return configured }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for directory in path.split(separator: ":") {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    /// True when a browser is installed, and always under CI (`CI=true`), where a missing browser
    /// must fail the tests rather than skip them.
    static var isAvailable: Bool {
        Fixture.isCI || executable != nil
    }

    let process: ChildProcess
    let profile: URL
    var errors: String { ChildProcess.read(profile.path + ".err") }
    /// The browser-level DevTools WebSocket URL.
    let devToolsURL: String

    /// `extraArguments` go on the browser's command line (e.g. a certificate to trust).
    private init(width: Int, height: Int, extraArguments: [String]) async throws {
        guard let executable = Self.executable else {
            throw TestSetupError("no Chromium found (install the Debian package 'chromium', or set CHROMIUM to the browser's path)")
        }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        process = ChildProcess(
            [
                executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--mute-audio", "--hide-scrollbars",
                // hummingbird-websocket's client sends `Origin: ws://<host>`; DevTools refuses unlisted origins.
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--remote-allow-origins=ws://127.0.0.1",
                "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)",
            ] + extraArguments + ["about:blank"], errors: profile.path + ".err")
        let portFile = profile.appendingPathComponent("DevToolsActivePort")
        var url: String?
        let ready = await waitUntil(timeout: 30) { [process] in
            if let text = try? String(contentsOf: portFile, encoding: .utf8) {
                let lines = text.split(separator: "\n")
                if lines.count >= 2, let port = Int(lines[0]) { url = "ws://127.0.0.1:\(port)\(lines[1])" }
            }
            return url != nil || !process.isRunning
        }
        guard let url else {
            let status = process.exitStatus
            let errors = ChildProcess.read(profile.path + ".err")
            await process.stop(grace: 2)
            try? FileManager.default.removeItem(at: profile)
            unlink(profile.path + ".err")
            if ready, let status {
                throw TestSetupError("Chromium exited with status \(status) before DevTools was ready: \(errors.suffix(2000))")
            }
            throw TestSetupError("Chromium's DevTools port did not appear within 30 s")
        }
        devToolsURL = url
    }

    /// Starts a browser (`extraArguments` go on its command line, e.g. a certificate to trust),
    /// opens a tab and runs `body` with a DevTools session attached to it; stops the browser
    /// afterwards, whatever `body` did. After `timeout` seconds the browser is stopped and the test
    /// fails with a timeout, even if the DevTools connection itself hangs.
    static func withPage<T: Sendable>(
        width: Int = 1024, height: Int = 768, extraArguments: [String] = [], timeout: Double = 120,
        _ body: @escaping @Sendable (DevToolsPage) async throws -> T
    ) async throws -> T {
        let browser = try await HeadlessChromium(width: width, height: height, extraArguments: extraArguments)
        do {
            let value = try await browser.run(timeout: timeout, body)
            await browser.stop()
            return value
        } catch {
            await browser.stop()
            throw error
        }
    }

    private func run<T: Sendable>(timeout: Double, _ body: @escaping @Sendable (DevToolsPage) async throws -> T) async throws -> T {
        let url = devToolsURL
        let work = Task {
            try await TestClient.connect(url) { client in
                let browser = DevToolsPage(client: client, sessionID: nil)
                let target = try await browser.call("Target.createTarget", ["url": "about:blank"])
                let targetID = try #require(target["targetId"]?.stringValue)
                let attached = try await browser.call("Target.attachToTarget", ["targetId": .string(targetID), "flatten": true])
                let page = DevToolsPage(client: client, sessionID: try #require(attached["sessionId"]?.stringValue))
                _ = try await page.call("Page.enable")
                _ = try await page.call("Runtime.enable")
                return try await body(page)
            }.value
        }
        return try await withCheckedThrowingContinuation { continuation in
            let outcome = FirstCaller()
            let watchdog = Task { [process] in
                try await Task.sleep(for: .seconds(timeout))
                guard outcome.claim() else { return }
                work.cancel()
                await process.stop(grace: 2)
                continuation.resume(throwing: TestSetupError("the browser session did not finish within \(timeout) s"))
            }
            Task {
                let result = await work.result
                watchdog.cancel()
                if outcome.claim() { continuation.resume(with: result) }
            }
        }
    }

    /// Ends the browser (SIGTERM to its PID, SIGKILL if it lingers) and removes its profile.
    private func stop() async {
        await process.stop(grace: 5)
        try? FileManager.default.removeItem(at: profile)
        unlink(profile.path + ".err")
    }
}

/// Lets exactly one of several racing tasks go on (the one that resumes a continuation).
private final class FirstCaller: Sendable {
    private let claimed = Mutex(false)

    /// True for the first caller only.
    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }
}

/// One DevTools session (a tab, or the browser itself when `sessionID` is nil) over a WebSocket:
/// commands by id, and the events that arrive meanwhile kept for inspection.
final class DevToolsPage: Sendable {
    let client: TestClient
    let sessionID: String?
    private let state = Mutex<(nextID: Int, events: [JSONValue])>((1, []))

    init(client: TestClient, sessionID: String?) {
        self.client = client
        self.sessionID = sessionID
    }

    /// Events received so far (`method`, `params`), in order.
    var events: [JSONValue] { state.withLock { $0.events } }

    /// Sends `method` and returns its `result`; throws on a protocol error or timeout.
    @discardableResult
    func call(_ method: String, _ params: [String: JSONValue] = [:], timeout: Double = 20) async throws -> JSONValue {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        var message: [(String, JSONValue)] = [("id", .int(Int64(id))), ("method", .string(method))]
        message.append(("params", .object(params.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })))
        if let sessionID { message.append(("sessionId", .string(sessionID))) }
        try await client.send(JSONValue.object(message).jsonString)
        let reply = try await client.next(timeout: timeout) { [self] value in
            if value["id"]?.intValue == Int64(id) { return true }
            if value["id"] == nil { state.withLock { $0.events.append(value) } }
            return false
        }
        if let error = reply["error"] {
            throw TestSetupError("DevTools \(method) failed: \(error.jsonString)")
        }
        return reply["result"] ?? .object([])
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON.
    func evaluate(_ expression: String) async throws -> JSONValue {
        let result = try await call(
            "Runtime.evaluate", ["expression": .string(expression), "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] {
            throw TestSetupError("page script failed: \(exception.jsonString.prefix(1000))")
        }
        return result["result"]?["value"] ?? .null
    }

    /// Navigates and waits for the page's `load` event.
    func navigate(_ url: String) async throws {
        let before = state.withLock { $0.events.count }
        try await call("Page.navigate", ["url": .string(url)])
        let deadline = ContinuousClock.now + .seconds(20)
        while !events.dropFirst(before).contains(where: { $0["method"] == "Page.loadEventFired" }) {
            if ContinuousClock.now > deadline { throw TestSetupError("\(url) did not load within 20 s") }
            try await call("Runtime.evaluate", ["expression": "0"])
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Evaluates `expression` every 100 ms until `condition` holds for its value; returns that value.
    func waitFor(
        _ what: String, timeout: Double = 20, expression: String, until condition: (JSONValue) -> Bool
    ) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        var last: JSONValue = .null
        while ContinuousClock.now < deadline {
            last = try await evaluate(expression)
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("timed out after \(timeout) s waiting for \(what); last seen: \(last.jsonString.prefix(1500))")
    }

    /// Script errors the page reported: uncaught exceptions and `console.error` calls.
    var scriptErrors: [String] {
        events.compactMap { event in
            switch event["method"]?.stringValue {
            case "Runtime.exceptionThrown":
                return event["params"]?["exceptionDetails"]?.jsonString
            case "Runtime.consoleAPICalled" where event["params"]?["type"] == "error":
                return event["params"]?["args"]?.jsonString
            default:
                return nil
            }
        }
    }
}
