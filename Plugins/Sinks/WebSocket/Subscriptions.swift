import BrokerCore
import NIOCore
import Synchronization

/// What one client asked to receive across the sink's sources, as it asked for it.
///
/// In `names` mode the list holds the subscribed names in order (`Speed` for every source that has
/// it, `lfs/Speed` for one source). After `sub all` the client gets everything except the names in
/// the list, so `unsub` after `sub all` still works. Each source sees its own slice as a
/// `SubscriptionKey`, which is what clients share encodings by.
struct SubscriptionRequest: Sendable, Equatable {
    enum Mode: Sendable { case names, all }

    private(set) var mode: Mode = .names
    /// Subscribed names (`names` mode) or excluded names (`all` mode).
    private(set) var names: [String] = []

    var isEmpty: Bool { mode == .names && names.isEmpty }

    mutating func subscribeAll() {
        mode = .all
        names = []
    }

    mutating func unsubscribeAll() {
        mode = .names
        names = []
    }

    /// `sub NAME`: adds a name (or stops excluding it after `sub all`).
    mutating func subscribe(_ name: String, sourceIDs: [String]) {
        switch mode {
        case .names: Self.insert(name, into: &names)
        case .all: Self.erase(name, from: &names, sourceIDs: sourceIDs)
        }
    }

    /// `unsub NAME`: drops a name (or excludes it after `sub all`).
    mutating func unsubscribe(_ name: String, sourceIDs: [String]) {
        switch mode {
        case .names: Self.erase(name, from: &names, sourceIDs: sourceIDs)
        case .all: Self.insert(name, into: &names)
        }
    }

    /// `sub NAME` (`unsub NAME` when `subscribing` is false) unless it would make the list longer
    /// than `limit` names (`max_subscriptions`); returns false, changing nothing, when refused.
    /// A change that does not lengthen the list always applies.
    mutating func apply(_ name: String, subscribing: Bool, sourceIDs: [String], limit: Int) -> Bool {
        // One name lengthens the list by at most one, or (removing `ID/Name` from a plain `Name`)
        // by the number of other sources: far from the limit there is nothing to check.
        if names.count + sourceIDs.count <= limit {
            if subscribing { subscribe(name, sourceIDs: sourceIDs) } else { unsubscribe(name, sourceIDs: sourceIDs) }
            return true
        }
        var changed = self
        if subscribing { changed.subscribe(name, sourceIDs: sourceIDs) } else { changed.unsubscribe(name, sourceIDs: sourceIDs) }
        guard changed.names.count <= max(limit, names.count) else { return false }
        self = changed
        return true
    }

    /// The part of this request that concerns `sourceID`, or nil when it wants nothing from it.
    func key(for sourceID: String) -> SubscriptionKey? {
        var seen = Set<String>()
        var slice: [String] = []
        for requested in names {
            let (source, name) = VariableSelection.split(requested)
            if let source, source != sourceID { continue }
            if seen.insert(name).inserted { slice.append(name) }
        }
        switch mode {
        case .names: return slice.isEmpty ? nil : .names(slice)
        case .all: return .all(excluding: slice.sorted())
        }
    }

    /// Adds `name` unless the list already covers it (a plain name covers its qualified forms).
    private static func insert(_ name: String, into list: inout [String]) {
        let (source, plain) = VariableSelection.split(name)
        if list.contains(name) || (source != nil && list.contains(plain)) { return }
        if source == nil { list.removeAll { VariableSelection.split($0).name == plain } }
        list.append(name)
    }

    /// Removes `name`; removing `ID/Name` from a plain `Name` keeps `Name` for the other sources.
    private static func erase(_ name: String, from list: inout [String], sourceIDs: [String]) {
        let (source, plain) = VariableSelection.split(name)
        guard let source else {
            list.removeAll { VariableSelection.split($0).name == plain }
            return
        }
        list.removeAll { $0 == name }
        if let index = list.firstIndex(of: plain) {
            list.replaceSubrange(index...index, with: sourceIDs.filter { $0 != source }.map { "\($0)/\(plain)" })
        }
    }
}

/// The identity of a subscription within one source: clients with equal keys receive the same
/// bytes for a frame, encoded once.
enum SubscriptionKey: Hashable, Sendable {
    case names([String])
    case all(excluding: [String])
}

/// One distinct subscription of one source, shared by every client whose request has this key.
///
/// It caches the encoded message of the newest frame it was asked for, so with 1,000 clients on
/// the same variables a frame is encoded once and the same bytes are written to every socket. The
/// selection is re-resolved when the source declares a new layout.
final class SharedSubscription: Sendable {
    let key: SubscriptionKey
    let sourceID: String
    private let registry: VariableRegistry

    private struct Cache {
        var selection: ResolvedSelection?
        var seq: UInt64 = 0
        var message: ByteBuffer?
    }

    private let cache = Mutex(Cache())

    init(key: SubscriptionKey, sourceID: String, registry: VariableRegistry) {
        self.key = key
        self.sourceID = sourceID
        self.registry = registry
    }

    /// The `telemetry` message of `frame` for this subscription, as a whole WebSocket frame,
    /// encoding it on the first request only; nil when the subscription selects nothing in this
    /// frame's layout.
    func message(for frame: Frame, metrics: SinkMetrics) -> ByteBuffer? {
        cache.withLock { cache in
            if cache.seq == frame.seq, let selection = cache.selection, selection.layout === frame.layout {
                return cache.message
            }
            let selection = resolvedSelection(for: frame.layout, cached: &cache.selection)
            cache.seq = frame.seq
            guard !selection.isEmpty else {
                cache.message = nil
                return nil
            }
            let started = ContinuousClock.now
            let bytes = BrokerMessages.telemetry(sourceID: sourceID, frame: frame, selection: selection)
            let message = TextFrame.encode(bytes)
            metrics.recordEncode(ContinuousClock.now - started, variables: selection.entries.count)
            cache.message = message
            return message
        }
    }

    private func resolvedSelection(for layout: FrameLayout, cached: inout ResolvedSelection?) -> ResolvedSelection {
        if let cached, cached.layout === layout { return cached }
        let resolved = Self.resolve(key, sourceID: sourceID, layout: layout, registry: registry)
        cached = resolved
        return resolved
    }

    /// The key bound to a layout: its names in order (unknown to the layout but known to the
    /// registry: `null`), or every field of the layout minus the excluded names.
    static func resolve(_ key: SubscriptionKey, sourceID: String, layout: FrameLayout, registry: VariableRegistry) -> ResolvedSelection {
        switch key {
        case let .names(names):
            return VariableSelection.names(names).resolve(sourceID: sourceID, layout: layout, registry: registry)
        case let .all(excluded) where excluded.isEmpty:
            return VariableSelection.all.resolve(sourceID: sourceID, layout: layout, registry: registry)
        case let .all(excluded):
            let skip = Set(excluded)
            let names = layout.fields.map(\.name).filter { !skip.contains($0) }
            return VariableSelection.names(names).resolve(sourceID: sourceID, layout: layout, registry: registry)
        }
    }
}

/// The distinct subscriptions of one source, reference-counted by the clients using them.
final class SubscriptionTable: Sendable {
    let sourceID: String
    private let registry: VariableRegistry
    private let entries = Mutex<[SubscriptionKey: (subscription: SharedSubscription, users: Int)]>([:])

    init(sourceID: String, registry: VariableRegistry) {
        self.sourceID = sourceID
        self.registry = registry
    }

    func acquire(_ key: SubscriptionKey) -> SharedSubscription {
        entries.withLock { entries in
            if let entry = entries[key] {
                entries[key] = (entry.subscription, entry.users + 1)
                return entry.subscription
            }
            let subscription = SharedSubscription(key: key, sourceID: sourceID, registry: registry)
            entries[key] = (subscription, 1)
            return subscription
        }
    }

    func release(_ subscription: SharedSubscription) {
        entries.withLock { entries in
            guard let entry = entries[subscription.key], entry.subscription === subscription else { return }
            entries[subscription.key] = entry.users > 1 ? (entry.subscription, entry.users - 1) : nil
        }
    }

    /// How many distinct subscriptions clients hold on this source (one encode each per frame).
    var distinctCount: Int { entries.withLock { $0.count } }
}
