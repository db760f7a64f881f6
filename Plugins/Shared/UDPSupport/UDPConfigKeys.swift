import BrokerCore

/// The config keys every UDP-listening source shares: `listen` (the address to bind) and
/// `forward` (where to re-send every datagram), read with the same rules and messages everywhere.
extension KeyedDecodingContainer {
    /// A `host:port` address under `key`, or `defaultValue` when absent; a malformed one is
    /// reported with its position and replaced by the default while the rest is checked.
    public func udpAddress(_ key: Key, default defaultValue: String) throws -> UDPTarget {
        let text = try value(key, default: defaultValue)
        do {
            return try UDPTarget(parsing: text)
        } catch {
            try reportOrThrow(error.description, key: key)
            return (try? UDPTarget(parsing: defaultValue)) ?? .placeholder
        }
    }

    /// A list of `host:port` targets under `key` (absent: none); each malformed one is reported.
    public func udpTargets(_ key: Key) throws -> [UDPTarget] {
        let texts = try value(key, default: [String]())
        var targets: [UDPTarget] = []
        for text in texts {
            do {
                targets.append(try UDPTarget(parsing: text))
            } catch {
                try reportOrThrow("\(key.stringValue): \(error.description)", key: key)
            }
        }
        return targets
    }
}

extension UDPTarget {
    /// Stands in for a malformed address while the loader goes on checking the rest of the file;
    /// such a config is never run.
    public static let placeholder = UDPTarget(host: "127.0.0.1", port: 9, isBracketed: false)
}
