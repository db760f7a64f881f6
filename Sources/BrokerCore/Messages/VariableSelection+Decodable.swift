/// In config files a selection is `all` or a list of names (`[Speed, RPM, lfs/Gear]`).
///
/// A name no built-in source knows is accepted (sims declare variables of their own at run time),
/// except when it is one small typo away from a known name: that is reported with the likely name.
extension VariableSelection: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let word = try? container.decode(String.self) {
            guard word.lowercased() == "all" else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "expected 'all' or a list of variable names, found '\(word)'"))
            }
            self = .all
            return
        }
        let names = try container.decode([String].self)
        self = VariableSelection(names)
        let known = ConfigDiagnostics.current?.knownVariableNames ?? Set(VariableCatalogue.all.map(\.name))
        let candidates = known.sorted()
        let typos: [String] = names.compactMap { requested in
            let name = Self.split(requested).name
            guard !known.contains(name), let hint = closestMatches(to: name, in: candidates).first,
                editDistance(name, hint) <= 2
            else { return nil }
            return "unknown variable '\(requested)' (did you mean '\(hint)'?)"
        }
        for message in typos {
            if let diagnostics = ConfigDiagnostics.current {
                diagnostics.add(message, at: decoder.codingPath)
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: message))
            }
        }
    }
}
