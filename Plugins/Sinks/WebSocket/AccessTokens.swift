import Foundation
import NIOHTTP1
import Synchronization

/// The tokens a sink accepts, each with the name it is logged and listed under (`token` is
/// "default", `tokens` entries go by their key), so one device can be cut off by removing its
/// entry without re-keying the others.
struct AccessTokens: Sendable {
    let entries: [(name: String, bytes: [UInt8])]

    init(_ named: [(name: String, token: String)]) {
        entries = named.map { ($0.name, Array($0.token.utf8)) }
    }

    /// Whether clients must present a token at all.
    var required: Bool { !entries.isEmpty }

    /// The name of the configured token among `presented`, or nil. Every presented token is
    /// compared with every configured one in constant time, without stopping at a match, so the
    /// time taken tells nothing about which token (or how much of one) matched.
    func name(matching presented: [[UInt8]]) -> String? {
        var found: String?
        for candidate in presented {
            for entry in entries where AdmissionPolicy.constantTimeEqual(candidate, entry.bytes) && found == nil {
                found = entry.name
            }
        }
        return found
    }

    /// The name of the token a request presents in `uri`'s query or its `Authorization` values.
    func name(uri: String, authorization: [String]) -> String? {
        name(matching: AdmissionPolicy.presentedTokens(query: AdmissionPolicy.splitURI(uri).query, authorization: authorization))
    }
}

/// WebSocket clients connected per remote address, against `max_clients_per_address`.
final class AddressSlots: Sendable {
    private let used = Mutex<[String: Int]>([:])

    func tryReserve(_ address: String, limit: Int) -> Bool {
        used.withLock { used in
            let count = used[address, default: 0]
            guard count < limit else { return false }
            used[address] = count + 1
            return true
        }
    }

    func release(_ address: String) {
        used.withLock { used in
            let count = used[address, default: 0] - 1
            used[address] = count > 0 ? count : nil
        }
    }

    func inUse(_ address: String) -> Int { used.withLock { $0[address, default: 0] } }
}
