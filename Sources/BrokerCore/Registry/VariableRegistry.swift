import Synchronization

/// The broker-wide table of every variable a client can ask for.
///
/// It starts with the canonical catalogue (iRacing's names) and grows as sources declare what they
/// provide at run time. Sources, sinks and the command parser resolve names through it, so an
/// unknown name is caught in one place and every frame can refer to variables by dense id.
public final class VariableRegistry: Sendable {
    /// One registered variable and the source ids that have declared it so far.
    public struct Entry: Sendable {
        public var id: VariableID
        public var info: VariableInfo
        public var providers: [String]
        public var inCatalogue: Bool
    }

    private struct State {
        var entries: [Entry] = []
        var idsByName: [String: VariableID] = [:]
    }

    private let state: Mutex<State>

    public init(catalogue: [VariableInfo] = VariableCatalogue.all) {
        var initial = State()
        for info in catalogue where initial.idsByName[info.name] == nil {
            let id = VariableID(rawValue: Int32(initial.entries.count))
            initial.entries.append(Entry(id: id, info: info, providers: [], inCatalogue: true))
            initial.idsByName[info.name] = id
        }
        state = Mutex(initial)
    }

    public func id(named name: String) -> VariableID? {
        state.withLock { $0.idsByName[name] }
    }

    public func info(_ id: VariableID) -> VariableInfo {
        state.withLock { $0.entries[Int(id.rawValue)].info }
    }

    public var count: Int { state.withLock { $0.entries.count } }

    /// Every entry in registration order (catalogue first).
    public func entries() -> [Entry] {
        state.withLock { $0.entries }
    }

    /// Registers `info` as provided by `sourceID` and returns its id.
    ///
    /// A catalogue variable keeps its catalogue description; the sim's own unit wins when the
    /// catalogue has none. A variable new to the registry is added with the sim's metadata.
    @discardableResult
    public func register(_ info: VariableInfo, providedBy sourceID: String) -> VariableID {
        state.withLock { state in
            if let id = state.idsByName[info.name] {
                var entry = state.entries[Int(id.rawValue)]
                if !entry.providers.contains(sourceID) { entry.providers.append(sourceID) }
                if entry.info.unit.isEmpty { entry.info.unit = info.unit }
                if entry.info.description.isEmpty { entry.info.description = info.description }
                if !entry.inCatalogue { entry.info = info }
                state.entries[Int(id.rawValue)] = entry
                return id
            }
            let id = VariableID(rawValue: Int32(state.entries.count))
            state.entries.append(Entry(id: id, info: info, providers: [sourceID], inCatalogue: false))
            state.idsByName[info.name] = id
            return id
        }
    }
}
