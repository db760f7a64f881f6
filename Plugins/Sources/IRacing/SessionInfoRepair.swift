import BrokerCore

/// Turns the sim's session-info bytes into YAML that libyaml accepts, fixing the defects real
/// readers have met (`irsdk-yaml-quirks.md`), and cuts it into its top-level sections.
///
/// The steps: cut at the first NUL; decode as UTF-8 when valid, else Windows-1252; drop control
/// characters YAML rejects; fold lines that are not `key:` lines (a name with a newline in it) back
/// into the value they belong to; double-quote the values of free-text keys and any value that YAML
/// would misread (a leading indicator such as `*`, `-␠`, `?␠`, `,`, a `␠#` comment, a `:␠` inside).
package enum SessionInfoRepair {
    /// Keys whose values are user-entered text: always quoted, so they stay strings whatever they hold.
    /// pyirsdk quotes the first five; IRSDKSharper adds CarDesignStr; camera names are user-made too.
    public static let freeTextKeys: Set<String> = [
        "UserName", "TeamName", "AbbrevName", "Initials", "DriverSetupName",
        "CarDesignStr", "HelmetDesignStr", "SuitDesignStr", "CarNumberDesignStr", "CameraName", "GroupName",
    ]

    /// One top-level section (`WeekendInfo`, `DriverInfo`...) as repaired YAML text.
    public struct Section: Sendable, Equatable {
        public var name: String
        public var text: String
        /// Line of the section's first line in the repaired text (1-based), for error messages.
        public var firstLine: Int
    }

    /// Decodes `bytes` (stopping at the first NUL) as UTF-8 if valid, else as Windows-1252.
    public static func decode(_ bytes: [UInt8]) -> String {
        let text = bytes.prefix { $0 != 0 }
        return TextDecoding.utf8OrWindows1252(text)
    }

    /// The repaired text split into its top-level sections, in the order the sim wrote them.
    public static func sections(of bytes: [UInt8]) -> [Section] {
        sections(ofRepaired: repair(decode(bytes)))
    }

    /// Removes what YAML rejects, folds continuation lines and quotes risky values.
    public static func repair(_ text: String) -> String {
        var lines: [Line] = []
        for raw in removingUnacceptableCharacters(text).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if line == "---" || line == "..." || trimmed.isEmpty {
                lines.append(.verbatim(line))
            } else if let entry = KeyLine(line) {
                lines.append(.key(entry))
            } else if let last = lines.lastIndex(where: \.isKey), case var .key(entry) = lines[last] {
                entry.continuation.append(line)
                lines[last] = .key(entry)
            }
            // A stray line before any key has nothing to belong to and is dropped.
        }
        return lines.map(\.rendered).joined(separator: "\n")
    }

    /// Splits repaired text at its top-level keys (lines starting in column 0 with `Name:`).
    public static func sections(ofRepaired text: String) -> [Section] {
        var sections: [Section] = []
        var current: (name: String, lines: [Substring], first: Int)?
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line == "---" || line == "..." { continue }
            if let first = line.first, first != " ", first != "\t", first != "-", let colon = line.firstIndex(of: ":") {
                if let done = current { sections.append(Section(name: done.name, text: done.lines.joined(separator: "\n"), firstLine: done.first)) }
                current = (String(line[..<colon]), [line], number + 1)
            } else if current != nil {
                current?.lines.append(line)
            }
        }
        if let done = current { sections.append(Section(name: done.name, text: done.lines.joined(separator: "\n"), firstLine: done.first)) }
        return sections
    }

    // MARK: - Characters

    /// Drops C0 controls other than tab and newline, DEL, C1 controls, and the byte-order mark and
    /// non-characters libyaml refuses (U+FEFF, U+FFFE, U+FFFF).
    static func removingUnacceptableCharacters(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A: scalars.append(scalar)
            case 0x00...0x1F, 0x7F...0x9F, 0xFEFF, 0xFFFE, 0xFFFF: continue
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    // MARK: - Lines

    private enum Line {
        case verbatim(String)
        case key(KeyLine)

        var isKey: Bool {
            if case .key = self { return true }
            return false
        }

        var rendered: String {
            switch self {
            case let .verbatim(text): return text
            case let .key(entry): return entry.rendered
            }
        }
    }

    /// `indent [- ]key: value`, plus any continuation lines that belong to the value.
    struct KeyLine {
        var prefix: Substring
        var key: Substring
        var value: Substring
        var hasValue: Bool
        var continuation: [String] = []

        /// Recognises a key line: optional spaces, optional `- `, a key that does not start with a YAML
        /// indicator and holds no `: `, then `:` at the end or followed by a space.
        init?(_ line: String) {
            let text = Substring(line)
            var index = text.startIndex
            while index < text.endIndex, text[index] == " " { index = text.index(after: index) }
            if text[index...].hasPrefix("- ") { index = text.index(index, offsetBy: 2) }
            let keyStart = index
            guard keyStart < text.endIndex, !SessionInfoRepair.indicators.contains(text[keyStart]), text[keyStart] != " " else { return nil }
            var colon: Substring.Index?
            var scan = keyStart
            while scan < text.endIndex {
                if text[scan] == ":" {
                    let next = text.index(after: scan)
                    if next == text.endIndex || text[next] == " " {
                        colon = scan
                        break
                    }
                }
                if text[scan] == "#", scan > keyStart, text[text.index(before: scan)] == " " { return nil }
                scan = text.index(after: scan)
            }
            guard let colon, colon > keyStart else { return nil }
            prefix = text[..<keyStart]
            key = text[keyStart..<colon]
            let afterColon = text.index(after: colon)
            hasValue = afterColon < text.endIndex
            value = hasValue ? text[text.index(after: afterColon)...] : ""
        }

        var rendered: String {
            let head = "\(prefix)\(key):"
            let body: String
            if continuation.isEmpty {
                body = String(value)
            } else {
                // A value that ran onto further lines: keep its line breaks inside one quoted string.
                body = ([String(value)] + continuation).joined(separator: "\n")
            }
            let freeText = SessionInfoRepair.freeTextKeys.contains(String(key))
            if body.isEmpty && !freeText { return hasValue ? head + " " : head }
            if continuation.isEmpty && SessionInfoRepair.isWellFormedQuoted(body) { return "\(head) \(body)" }
            if freeText || !continuation.isEmpty || SessionInfoRepair.needsQuotes(body) {
                return "\(head) \(SessionInfoRepair.doubleQuoted(body))"
            }
            return "\(head) \(body)"
        }
    }

    /// Characters that cannot start a plain YAML scalar (or key).
    static let indicators: Set<Character> = ["-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`"]

    /// Whether a value would not survive as a plain scalar: it starts with an indicator (`-`, `?`, `:`
    /// only when a space or the end follows, since `-1.5` is a number), or holds `: ` or ` #`, or ends
    /// with `:`.
    static func needsQuotes(_ value: String) -> Bool {
        let trimmed = value.drop { $0 == " " || $0 == "\t" }
        guard let first = trimmed.first else { return false }
        if first == "-" || first == "?" || first == ":" {
            let second = trimmed.dropFirst().first
            if second == nil || second == " " || second == "\t" { return true }
        } else if indicators.contains(first) {
            return true
        }
        return value.contains(": ") || value.contains(" #") || value.contains("\t#") || value.hasSuffix(":")
    }

    /// A value already quoted correctly by the sim (`"64"`, `""`, `'it''s'`), left as it is.
    static func isWellFormedQuoted(_ value: String) -> Bool {
        let text = Array(value.trimmingTrailingSpaces().unicodeScalars)
        guard text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first else { return false }
        let inner = text[1..<(text.count - 1)]
        if first == "'" {
            // Inside single quotes a quote must be doubled.
            var index = inner.startIndex
            while index < inner.endIndex {
                if inner[index] == "'" {
                    guard index + 1 < inner.endIndex, inner[index + 1] == "'" else { return false }
                    index += 2
                } else {
                    index += 1
                }
            }
            return true
        }
        var index = inner.startIndex
        while index < inner.endIndex {
            if inner[index] == "\"" { return false }
            if inner[index] == "\\" {
                guard index + 1 < inner.endIndex, "\\\"nt/".unicodeScalars.contains(inner[index + 1]) else { return false }
                index += 2
            } else {
                index += 1
            }
        }
        return true
    }

    /// `value` as a YAML double-quoted scalar.
    static func doubleQuoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " { end = index(before: end) }
        return self[..<end]
    }
}
