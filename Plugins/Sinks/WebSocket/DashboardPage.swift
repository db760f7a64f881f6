/// The live dashboard served at `GET /` while `dashboard: true`: one self-contained HTML page (its
/// style and script inline, no fonts or files from elsewhere) that connects back to this sink.
///
/// The page learns how to connect from attributes on `<body>`: the WebSocket path, whether a token
/// is required (never the token itself; the page takes it from its own URL's `?token=`), and the
/// longest message the sink accepts (so long `sub` lists are split below it).
enum DashboardPage {
    static func html(webSocketPath: String, tokenRequired: Bool, maxMessageBytes: Int) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">
        <meta name="theme-color" content="#06080b">
        <meta name="apple-mobile-web-app-capable" content="yes">
        <meta name="mobile-web-app-capable" content="yes">
        <title>Telemetry</title>
        <style>
        \(DashboardStyle.source)</style>
        </head>
        <body data-ws-path="\(escape(webSocketPath))" data-auth="\(tokenRequired ? "token" : "none")" data-max-message="\(maxMessageBytes)" class="solo">
        <header>
        <span class="brand">Telemetry</span>
        <span id="conn" class="pill" data-state="wait"><i></i><span>Connecting…</span></span>
        <span id="sources"></span>
        <span id="track"></span>
        <button id="edit" type="button">Variables</button>
        </header>
        <div id="notice" role="status" hidden></div>
        <main>
        <section id="tiles" aria-label="Telemetry"></section>
        <section id="standings" aria-label="Standings" hidden><div id="relative" hidden><h2>Relative</h2><div id="rel-rows"></div></div><h2 id="standings-title">Standings</h2><div id="rows"></div></section>
        </main>
        <div id="picker" hidden>
        <div class="sheet" role="dialog" aria-label="Variables">
        <div class="tools">
        <input id="search" type="search" placeholder="Search variables" autocomplete="off" autocapitalize="off" spellcheck="false">
        <label><input id="provided" type="checkbox" checked>provided only</label>
        <span id="speed"><button type="button" data-unit="kmh">km/h</button><button type="button" data-unit="mph">mph</button><button type="button" data-unit="ms">m/s</button></span>
        <button id="defaults" type="button">Defaults</button>
        <button id="done" type="button">Done</button>
        </div>
        <div id="count"></div>
        <div id="list"></div>
        </div>
        </div>
        <noscript><p class="muted">The dashboard needs JavaScript. The catalogue is at <a href="vars">/vars</a>.</p></noscript>
        <script>
        \(DashboardScript.source)</script>
        </body>
        </html>

        """
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
