import BrokerCore
import BrokerTestSupport
import Foundation
import Testing

/// The dashboard page in a real browser (headless Chromium over DevTools) against a real `broker`
/// process running the mock source: the page connects, shows live values, standings and session
/// info, remembers picks, honours the token, and reconnects when the broker comes back.
///
/// Skipped with a message when no Chromium is installed, except under CI (`CI=true`), where it
/// runs and a missing browser fails it. `DASHBOARD_SCREENSHOT=path.png` keeps the first test's
/// screenshot (that is how `docs/dashboard.png` is made).
@Suite(
    "Dashboard page in headless Chromium", .serialized,
    .enabled(if: HeadlessChromium.isAvailable, "needs Chromium: install the Debian package 'chromium' (or set CHROMIUM)"))
struct DashboardBrowserTests {
    @Test("first visit: the default tiles go live, standings list every car by name, the screenshot is not blank")
    func liveTilesStandingsAndScreenshot() async throws {
        try await withDashboardBroker { broker in
            let screenshot = try await HeadlessChromium.withPage { page in
                try await page.call(
                    "Emulation.setDeviceMetricsOverride", ["width": 1024, "height": 768, "deviceScaleFactor": 1, "mobile": false])
                try await page.navigate("http://127.0.0.1:\(broker.port)/")
                let first = try await page.waitFor("the page to go live with standings", expression: DashboardProbe.state) { state in
                    state["conn"] == "live" && DashboardProbe.updates(state, "Speed") >= 2 && state["rows"]?.arrayValue?.count == 20
                }
                let tiles = first["tiles"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                #expect(Array(tiles.prefix(4)) == ["Speed", "Gear", "RPM", "Throttle"], "default tiles: \(tiles)")
                #expect(DashboardProbe.tile(first, "Speed")?["unit"] == "km/h")
                #expect(DashboardProbe.tile(first, "RPM")?["unit"] == "rpm")
                #expect(first["track"] == "Mock Ring")
                #expect(first["sources"] == .array([.object([("on", true), ("text", "mock")])]))

                // Values keep coming: Speed's tile changes again and again, RPM's text moves on.
                let later = try await page.waitFor("Speed and RPM to keep changing", timeout: 15, expression: DashboardProbe.state) { state in
                    DashboardProbe.updates(state, "Speed") >= DashboardProbe.updates(first, "Speed") + 5
                        && DashboardProbe.text(state, "RPM") != DashboardProbe.text(first, "RPM")
                }
                let speed = Double(DashboardProbe.text(later, "Speed")) ?? -1
                #expect((0...400).contains(speed), "Speed shows \(DashboardProbe.text(later, "Speed"))")
                let rpm = Double(DashboardProbe.text(later, "RPM")) ?? -1
                #expect((500...15000).contains(rpm), "RPM shows \(DashboardProbe.text(later, "RPM"))")
                // The RPM bar runs up to the session info's DriverCarRedLine (the mock's engine: 7,800).
                let rpmBar = DashboardProbe.barFraction(DashboardProbe.tile(later, "RPM"))
                #expect(abs((rpmBar ?? -1) - min(rpm / 7800, 1)) < 0.01, "RPM \(rpm) with bar \(String(describing: rpmBar))")
                #expect(["R", "N", "1", "2", "3", "4", "5", "6", "7", "8", "9"].contains(DashboardProbe.text(later, "Gear")))
                let throttle = try #require(DashboardProbe.tile(later, "Throttle"))
                #expect((0...100).contains(Double(throttle["text"]?.stringValue ?? "") ?? -1))
                #expect(throttle["bar"]?.stringValue?.hasPrefix("scaleX(") == true)

                // Standings: positions 1...20 in order, driver names from the session info, the player marked.
                let rows = later["rows"]?.arrayValue ?? []
                #expect(rows.compactMap { $0["pos"]?.stringValue } == (1...20).map(String.init))
                #expect(
                    rows.allSatisfy { ($0["name"]?.stringValue ?? "").range(of: #"^[A-Z][a-z]+ [A-Z][a-z]+$"#, options: .regularExpression) != nil })
                #expect(rows.allSatisfy { $0["number"]?.stringValue?.hasPrefix("#") == true })
                #expect(rows.filter { $0["me"] == true }.count == 1)
                // Without the race processor: no relative panel, no fuel tile, no gap columns.
                #expect(later["relative"] == .null && later["fuel"] == .null && later["gaps"] == false, "\(later.jsonString)")
                #expect(page.scriptErrors.isEmpty, "\(page.scriptErrors)")

                // For the documentation, let the sparklines fill their 24 s first.
                if DashboardProbe.keepScreenshot != nil { try await Task.sleep(for: .seconds(25)) }
                let shot = try await page.call("Page.captureScreenshot", ["format": "png"])
                let png = try #require(Data(base64Encoded: shot["data"]?.stringValue ?? ""))
                let stats = try await page.evaluate(DashboardProbe.imageStatistics(pngBase64: png.base64EncodedString()))
                return (png, stats)
            }
            let (png, stats) = screenshot
            #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "not a PNG")
            let size = DashboardProbe.pngSize(png)
            #expect(size?.width == 1024 && size?.height == 768, "PNG size \(String(describing: size))")
            // Not blank: many colours, no single colour covering nearly everything, bright text present.
            #expect((stats["colours"]?.intValue ?? 0) >= 24, "\(stats.jsonString)")
            #expect((stats["dominantShare"]?.doubleValue ?? 1) < 0.85, "\(stats.jsonString)")
            #expect((stats["brightShare"]?.doubleValue ?? 0) > 0.01, "\(stats.jsonString)")
            if let keep = DashboardProbe.keepScreenshot { try png.write(to: URL(fileURLWithPath: keep)) }
        }
    }

    @Test("with the race processor: the relative panel, the gap columns and the fuel tile show its values")
    func raceProcessorPanels() async throws {
        try await withDashboardBroker(race: true) { broker in
            try await HeadlessChromium.withPage { page in
                try await page.call(
                    "Emulation.setDeviceMetricsOverride", ["width": 1024, "height": 768, "deviceScaleFactor": 1, "mobile": false])
                try await page.navigate("http://127.0.0.1:\(broker.port)/?vars=Speed,Gear")
                let state = try await page.waitFor("the relative panel and the fuel tile", expression: DashboardProbe.state) { state in
                    state["conn"] == "live" && (state["relative"]?.arrayValue?.count ?? 0) >= 4 && state["fuel"] != .null
                        && state["gaps"] == true && state["rows"]?.arrayValue?.count == 20
                }
                // Relative: up to three cars ahead (gaps positive, nearest last), the player (no gap), up to three behind
                // (negative, nearest first); of the mock's 19 rivals at least three are on one side (at the start all are behind).
                let relative = state["relative"]?.arrayValue ?? []
                let me = try #require(relative.firstIndex { $0["me"] == true }, "\(state.jsonString)")
                #expect(relative.filter { $0["me"] == true }.count == 1 && me <= 3 && relative.count - me - 1 <= 3, "\(state.jsonString)")
                #expect(relative[me]["gap"] == "")
                let gaps = relative.map { Double($0["gap"]?.stringValue ?? "") }
                let others = gaps.enumerated().filter { $0.offset != me }.map { $0.element ?? .nan }
                #expect(others.prefix(me).allSatisfy { $0 >= 0 } && others.dropFirst(me).allSatisfy { $0 < 0 }, "\(gaps)")
                #expect(others == others.sorted(by: >), "relative gaps run from furthest ahead to furthest behind: \(gaps)")
                // Within half of a mock lap (about 100 s for 4 km) either way.
                #expect(others.allSatisfy { abs($0) < 60 }, "\(gaps)")
                for row in relative {
                    #expect(row["number"]?.stringValue?.hasPrefix("#") == true)
                    #expect(["", "PIT"].contains(row["pit"]?.stringValue ?? "?"))
                    // The same car (name and number: the mock repeats names) in the standings has the same (live) position.
                    let standing = state["rows"]?.arrayValue?.first { $0["name"] == row["name"] && $0["number"] == row["number"] }
                    #expect(standing != nil && standing?["pos"] == row["pos"], "\(row.jsonString) vs \(standing?.jsonString ?? "none")")
                }
                // Standings by live position with the gap to the leader: 0 for the leader, then growing (or whole laps down).
                let rows = state["rows"]?.arrayValue ?? []
                #expect(rows.compactMap { $0["pos"]?.stringValue } == (1...20).map(String.init))
                #expect(rows.first?["gap"] == "0.0" && rows.first?["ahead"] == "–", "\(rows.first?.jsonString ?? "")")
                let leaderGaps = rows.compactMap { Double($0["gap"]?.stringValue ?? "") }
                #expect(leaderGaps.count >= 2 && leaderGaps == leaderGaps.sorted(), "\(leaderGaps)")
                #expect(
                    rows.allSatisfy { row in
                        let gap = row["gap"]?.stringValue ?? ""
                        return Double(gap) != nil || gap.range(of: #"^\+\d+L$"#, options: .regularExpression) != nil
                    }, "\(rows)")
                // Fuel: laps left and to add are null until the mock's first green lap (~100 s), numbers after.
                let fuel = try #require(state["fuel"])
                let laps = fuel["laps"]?.stringValue ?? "?"
                #expect(laps == "–" || (Double(laps) ?? -1) > 0, "\(fuel.jsonString)")
                #expect(fuel["add"]?.stringValue?.hasPrefix("Add ") == true, "\(fuel.jsonString)")
                #expect(page.scriptErrors.isEmpty, "\(page.scriptErrors)")
            }
        }
    }

    @Test("?vars= picks tiles; a token-protected sink on another path needs ?token=; picks and units are remembered")
    func picksTokenAndMemory() async throws {
        try await withDashboardBroker(token: "s3cret", path: "/live") { broker in
            try await HeadlessChromium.withPage { page in
                let base = "http://127.0.0.1:\(broker.port)/"

                // Without the token the page says so and does not connect.
                try await page.navigate(base + "?vars=Speed,Gear")
                let refused = try await page.waitFor("the token prompt", expression: DashboardProbe.state) { state in
                    state["connText"] == "Token needed" && state["notice"]?.stringValue?.contains("needs a token") == true
                }
                #expect(refused["conn"] == "off")
                try await Task.sleep(for: .milliseconds(500))
                #expect(DashboardProbe.updates(try await page.evaluate(DashboardProbe.state), "Speed") == 0)

                // With it, the picked tiles (and only those) go live.
                try await page.navigate(base + "?token=s3cret&vars=Speed,Gear")
                let live = try await page.waitFor("live tiles with the token", expression: DashboardProbe.state) { state in
                    state["conn"] == "live" && DashboardProbe.updates(state, "Speed") >= 2
                }
                #expect(DashboardProbe.names(live) == ["Speed", "Gear"])

                // The picker: search narrows the list, a tap adds a tile, the speed unit switches.
                let found = try await page.evaluate(
                    """
                    (() => {
                      document.getElementById('edit').click();
                      const search = document.getElementById('search');
                      search.value = 'fuel level';
                      search.dispatchEvent(new Event('input'));
                      return [...document.querySelectorAll('#list .opt')].map((o) => o.dataset.name);
                    })()
                    """)
                let options = found.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(options.contains("FuelLevel"))
                #expect(!options.isEmpty && options.allSatisfy { $0.lowercased().contains("fuel") }, "\(options)")
                try await page.evaluate(
                    """
                    (() => {
                      document.querySelector('#list .opt[data-name="FuelLevel"]').click();
                      document.querySelector('#speed button[data-unit="mph"]').click();
                      document.getElementById('done').click();
                    })()
                    """)
                let picked = try await page.waitFor("the new tile to show a value", expression: DashboardProbe.state) { state in
                    DashboardProbe.names(state) == ["Speed", "Gear", "FuelLevel"] && DashboardProbe.updates(state, "FuelLevel") >= 1
                        && DashboardProbe.tile(state, "Speed")?["unit"] == "mph"
                }
                #expect(Double(DashboardProbe.text(picked, "FuelLevel")) != nil)

                // Reloaded without ?vars: the picks and the unit come back from local storage.
                try await page.navigate(base + "?token=s3cret")
                let remembered = try await page.waitFor("remembered picks", expression: DashboardProbe.state) { state in
                    state["conn"] == "live" && DashboardProbe.updates(state, "Speed") >= 1
                }
                #expect(DashboardProbe.names(remembered) == ["Speed", "Gear", "FuelLevel"])
                #expect(DashboardProbe.tile(remembered, "Speed")?["unit"] == "mph")
                #expect(page.scriptErrors.isEmpty, "\(page.scriptErrors)")
            }
        }
    }

    @Test("the page reconnects by itself when the broker goes away and comes back")
    func reconnects() async throws {
        try await withDashboardBroker { broker in
            let port = broker.port
            try await HeadlessChromium.withPage { page in
                try await page.navigate("http://127.0.0.1:\(port)/?vars=Speed,RPM")
                _ = try await page.waitFor("live values", expression: DashboardProbe.state) { state in
                    state["conn"] == "live" && DashboardProbe.updates(state, "Speed") >= 2
                }
                await broker.stop()
                let offline = try await page.waitFor("the page to notice", timeout: 10, expression: DashboardProbe.state) { state in
                    state["conn"] == "off"
                }
                #expect(offline["connText"]?.stringValue?.hasPrefix("Offline · retry in") == true)
                let frozen = DashboardProbe.updates(offline, "Speed")

                try await withDashboardBroker(port: port) { _ in
                    _ = try await page.waitFor("the page to reconnect and update", timeout: 30, expression: DashboardProbe.state) { state in
                        state["conn"] == "live" && DashboardProbe.updates(state, "Speed") >= frozen + 3
                    }
                    #expect(page.scriptErrors.isEmpty, "\(page.scriptErrors)")
                }
            }
        }
    }
}

/// What the tests read from the page, and how they read it.
enum DashboardProbe {
    /// Where to keep the first test's screenshot (`DASHBOARD_SCREENSHOT`), if anywhere.
    static var keepScreenshot: String? {
        ProcessInfo.processInfo.environment["DASHBOARD_SCREENSHOT"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The page's visible state as JSON: connection pill, sources, tiles, standings, notice.
    static let state = """
        (() => {
          const text = (e, s) => { const x = e.querySelector(s); return x ? x.textContent : null; };
          const conn = document.getElementById('conn');
          const notice = document.getElementById('notice');
          return {
            conn: conn.dataset.state,
            connText: conn.textContent,
            notice: notice.hidden ? '' : notice.textContent,
            track: document.getElementById('track').textContent,
            sources: [...document.querySelectorAll('#sources .src')].map((s) => ({text: s.textContent, on: s.classList.contains('on')})),
            tiles: [...document.querySelectorAll('#tiles .tile')].map((t) => {
              const bar = t.querySelector('.bar i');
              return {name: t.dataset.var, updates: Number(t.dataset.updates), text: text(t, '.val'), unit: text(t, '.unit'),
                bar: bar ? bar.style.transform : null};
            }),
            rows: [...document.querySelectorAll('#rows .row')].map((r) => ({pos: text(r, '.pos'), number: text(r, '.num'),
              name: text(r, '.name'), me: r.classList.contains('me'), gap: text(r, '.gap'), ahead: text(r, '.gap.ahead')})),
            gaps: document.getElementById('standings').classList.contains('gaps'),
            relative: document.getElementById('relative').hidden ? null : [...document.querySelectorAll('#rel-rows .row')].map((r) => ({
              pos: text(r, '.pos'), number: text(r, '.num'), name: text(r, '.name'), pit: text(r, '.pit'), gap: text(r, '.gap'),
              me: r.classList.contains('me'), lapping: r.classList.contains('lapping'), lapped: r.classList.contains('lapped')})),
            fuel: document.getElementById('fuel').hidden ? null : {laps: text(document.getElementById('fuel'), '.val'),
              add: text(document.getElementById('fuel'), '.add')},
          };
        })()
        """

    static func tile(_ state: JSONValue, _ name: String) -> JSONValue? {
        state["tiles"]?.arrayValue?.first { $0["name"]?.stringValue == name }
    }

    static func names(_ state: JSONValue) -> [String] {
        state["tiles"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
    }

    static func updates(_ state: JSONValue, _ name: String) -> Int64 {
        tile(state, name)?["updates"]?.intValue ?? 0
    }

    /// The fill of a tile's bar, from its `scaleX(...)` transform.
    static func barFraction(_ tile: JSONValue?) -> Double? {
        guard let transform = tile?["bar"]?.stringValue, transform.hasPrefix("scaleX("), transform.hasSuffix(")") else { return nil }
        return Double(transform.dropFirst(7).dropLast())
    }

    static func text(_ state: JSONValue, _ name: String) -> String {
        tile(state, name)?["text"]?.stringValue ?? ""
    }

    /// A script that decodes a PNG in the page and measures it: size, distinct colours (4 bits per
    /// channel), the share of the most common colour, and the share of bright (text) pixels.
    static func imageStatistics(pngBase64: String) -> String {
        """
        (async (data) => {
          const image = new Image();
          image.src = 'data:image/png;base64,' + data;
          await image.decode();
          const canvas = document.createElement('canvas');
          canvas.width = image.naturalWidth;
          canvas.height = image.naturalHeight;
          const context = canvas.getContext('2d');
          context.drawImage(image, 0, 0);
          const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
          const counts = new Map();
          let bright = 0;
          for (let i = 0; i < pixels.length; i += 4) {
            const key = ((pixels[i] >> 4) << 8) | ((pixels[i + 1] >> 4) << 4) | (pixels[i + 2] >> 4);
            counts.set(key, (counts.get(key) || 0) + 1);
            if (0.2126 * pixels[i] + 0.7152 * pixels[i + 1] + 0.0722 * pixels[i + 2] > 160) bright++;
          }
          const total = pixels.length / 4;
          let top = 0;
          for (const n of counts.values()) top = Math.max(top, n);
          return {width: canvas.width, height: canvas.height, colours: counts.size, dominantShare: top / total, brightShare: bright / total};
        })(\(JSONValue.string(pngBase64).jsonString))
        """
    }

    /// Width and height from a PNG's IHDR chunk.
    static func pngSize(_ png: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](png.prefix(24))
        guard bytes.count == 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
        let number = { (at: Int) in bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (number(16), number(20))
    }
}

/// A `broker` process (the built executable) with the mock source and a WebSocket sink on a
/// loopback port, mDNS off.
struct DashboardBroker: Sendable {
    let process: BrokerProcess
    let port: Int

    /// Stops the broker before the end of its scope (SIGTERM, its graceful shutdown).
    func stop() async {
        process.signal(SIGTERM)
        await process.wait(timeout: 5)
    }
}

/// Runs a dashboard broker for `body` once `GET /healthz` answers, and stops it on every way out
/// of `body`. `race` attaches the race processor to the mock source.
func withDashboardBroker<Value>(
    port: Int? = nil, token: String? = nil, path: String = "/", race: Bool = false, _ body: (DashboardBroker) async throws -> Value
) async throws -> Value {
    let port = try port ?? freeLoopbackPort()
    let config = try TemporaryConfig(
        """
        sources:
          - type: mock
            seed: 11
        \(race ? "processors:\n  - type: race\n" : "")sinks:
          - type: websocket
            host: 127.0.0.1
            port: \(port)
            path: \(path)
            mdns:
              enabled: false
        \(token.map { "    token: \($0)" } ?? "")
        """, prefix: "dashboard")
    defer { config.remove() }
    return try await withBroker(["--config", config.path, "--log-level", "warning"]) { process in
        let answered = await waitUntil(timeout: 20) {
            !process.isRunning || (try? AccessAndLimitsTests.get("/healthz", port: port).status) == 200
        }
        guard answered, process.isRunning else {
            throw TestSetupError("broker did not answer /healthz on port \(port) within 20 s: \(process.stderr)")
        }
        return try await body(DashboardBroker(process: process, port: port))
    }
}
