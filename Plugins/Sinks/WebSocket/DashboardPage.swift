/// The live dashboard served at `GET /` while `dashboard: true`: one self-contained HTML page (its
/// style and script inline, no fonts or files from elsewhere) that connects back to this sink.
///
/// The page, its script and its style sheet are the files in `Dashboard/`, embedded in the binary
/// when it is built (SwiftPM resources with `.embedInCode`). `index.html` holds `{{name}}`
/// placeholders: `style` and `script` take the other two files, and three attributes on `<body>`
/// tell the page how to connect: the WebSocket path (`ws_path`), whether a token is required
/// (`auth`; never the token itself, which the page takes from its own URL's `?token=`), and the
/// longest message the sink accepts (`max_message`, so long `sub` lists are split below it).
enum DashboardPage {
    static let template = String(decoding: PackageResources.index_html, as: UTF8.self)
    static let script = String(decoding: PackageResources.dashboard_js, as: UTF8.self)
    static let style = String(decoding: PackageResources.dashboard_css, as: UTF8.self)

    static func html(webSocketPath: String, tokenRequired: Bool, maxMessageBytes: Int) -> String {
        fill(
            template,
            with: [
                "style": style, "script": script, "ws_path": escape(webSocketPath), "auth": tokenRequired ? "token" : "none",
                "max_message": String(maxMessageBytes),
            ])
    }

    /// `template` with each `{{name}}` replaced by `values[name]`, in one pass: inserted text is not
    /// searched again, so a `{{` in the script or a path stays as it is. A name without a value is
    /// left in place (`DashboardPageTests` checks that none is).
    static func fill(_ template: String, with values: [String: String]) -> String {
        var result = ""
        result.reserveCapacity(template.utf8.count + values.values.reduce(0) { $0 + $1.utf8.count })
        var rest = template[...]
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            let name = String(rest[open.upperBound..<close.lowerBound])
            result += rest[..<open.lowerBound]
            result += values[name] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        result += rest
        return result
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
