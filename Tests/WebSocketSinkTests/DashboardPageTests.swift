import BrokerCore
import Foundation
import Testing

@testable import WebSocketSink

/// The dashboard page as served: self-contained, small, and configured for the sink it comes from.
/// (What it does in a browser is `DashboardBrowserTests`.)
@Suite("Dashboard page")
struct DashboardPageTests {
    @Test("the page is self-contained and well under 60 KB")
    func selfContained() throws {
        let page = DashboardPage.html(webSocketPath: "/", tokenRequired: false, maxMessageBytes: 4096)
        #expect(page.utf8.count < 60_000, "\(page.utf8.count) bytes")
        // Nothing loaded from elsewhere: no URLs, no external scripts, styles or fonts.
        for reference in ["http://", "https://", "src=", "<link", "@import", "url("] {
            #expect(!page.contains(reference), "the page refers to '\(reference)'")
        }
        #expect(page.hasPrefix("<!doctype html>"))
        #expect(page.contains("<style>") && page.contains("<script>") && page.hasSuffix("</html>\n"))
    }

    @Test("the page is Dashboard/index.html with dashboard.css and dashboard.js inline, as they are on disk")
    func builtFromTheDashboardFiles() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Plugins/Sinks/WebSocket/Dashboard")
        func file(_ name: String) throws -> String { try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) }
        let page = DashboardPage.html(webSocketPath: "/", tokenRequired: false, maxMessageBytes: 4096)
        #expect(page.contains("<style>\n" + (try file("dashboard.css")) + "</style>"))
        #expect(page.contains("<script>\n" + (try file("dashboard.js")) + "</script>"))
        #expect(page.hasPrefix(try file("index.html").components(separatedBy: "{{").first ?? "?"))
        // Every placeholder is filled (neither the script nor the style sheet has a "{{" of its own).
        #expect(!page.contains("{{") && !page.contains("}}"))
        // One pass: text put in is not searched for placeholders again.
        #expect(DashboardPage.fill("a{{x}}b{{y}}c{{none}}", with: ["x": "{{y}}", "y": "Y"]) == "a{{y}}bYc{{none}}")
    }

    @Test("the body carries the WebSocket path (escaped), whether a token is needed and the message limit; never the token")
    func connectionSettings() async throws {
        let odd = DashboardPage.html(webSocketPath: "/a\"<b>&c", tokenRequired: true, maxMessageBytes: 128)
        #expect(odd.contains(#"data-ws-path="/a&quot;&lt;b&gt;&amp;c" data-auth="token" data-max-message="128""#))

        try await withSinkHarness(SinkHarness.config(path: "/live", maxMessageBytes: 512, token: "s3cret")) { harness in
            let page = try AccessAndLimitsTests.get("/", port: harness.port)
            #expect(page.status == 200)
            #expect(page.body.contains(#"data-ws-path="/live" data-auth="token" data-max-message="512""#))
            #expect(!page.body.contains("s3cret"))
        }
    }
}
