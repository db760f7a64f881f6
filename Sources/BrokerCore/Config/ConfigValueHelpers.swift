/// Helpers plugin configs use to read optional keys with defaults and range checks.
extension KeyedDecodingContainer {
    /// The value under `key`, or `defaultValue` when the key is absent (or its value is wrong,
    /// which the config loader reports).
    public func value<T: Decodable>(_ key: Key, default defaultValue: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? defaultValue
    }

    /// Like `value(_:default:)`, and a value outside `range` is reported and replaced by the default.
    public func value<T: Decodable & Comparable>(_ key: Key, default defaultValue: T, in range: ClosedRange<T>) throws -> T {
        let value = try value(key, default: defaultValue)
        guard range.contains(value) else {
            let message = "\(key.stringValue) must be between \(range.lowerBound) and \(range.upperBound), found \(value)"
            try reportOrThrow(message, key: key)
            return defaultValue
        }
        return value
    }

    /// Reports a problem with the value under `key` (the loader shows it with its position) without
    /// stopping the decoding; outside the loader, throws it instead.
    public func reportOrThrow(_ message: String, key: Key) throws {
        if let diagnostics = ConfigDiagnostics.current {
            diagnostics.add(message, at: codingPath + [key])
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: message))
        }
    }
}

/// A config enum decoded from a string, with the allowed values (and a "did you mean") in its error.
public protocol ConfigEnum: RawRepresentable, CaseIterable, Decodable, Sendable where RawValue == String {}

extension ConfigEnum {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        if let value = Self(rawValue: raw) ?? Self.allCases.first(where: { $0.rawValue.lowercased() == raw.lowercased() }) {
            self = value
            return
        }
        let allowed = Self.allCases.map(\.rawValue)
        var message = "unknown value '\(raw)' (expected one of: \(allowed.joined(separator: ", "))"
        if let hint = closestMatches(to: raw, in: allowed).first { message += "; did you mean '\(hint)'?" }
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: message + ")"))
    }
}
