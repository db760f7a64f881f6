/// The page served at `GET /` while `dashboard: true`.
///
/// For now a placeholder that says the dashboard is coming and points at the catalogue; the live
/// dashboard replaces this file's contents without touching the rest of the sink.
enum DashboardPage {
    static func html(sinkID: String, webSocketPath: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Telemetry broker</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; padding: 0 1rem; line-height: 1.5; }
        code { background: #eee; padding: 0 .25em; border-radius: 3px; }
        </style>
        </head>
        <body>
        <h1>Telemetry broker</h1>
        <p>The live dashboard is coming. Until then:</p>
        <ul>
        <li><a href="vars">/vars</a>: every variable a client can subscribe to, as JSON;</li>
        <li><a href="metrics">/metrics</a>: this sink's figures for Prometheus;</li>
        <li>WebSocket clients connect to <code>\(escape(webSocketPath))</code> and send commands such as
        <code>sub Speed,RPM,Gear</code>.</li>
        </ul>
        <p>Sink <code>\(escape(sinkID))</code>.</p>
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
