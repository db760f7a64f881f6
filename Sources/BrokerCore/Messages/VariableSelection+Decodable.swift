/// In config files a selection is `all` or a list of names (`[Speed, RPM, lfs/Gear]`).
///
/// A name the catalogue lacks is accepted (sims declare variables of their own at run time), except
/// when it is one small typo away from a catalogue name: that is reported with the likely name.
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
        let catalogue = VariableCatalogue.all.map(\.name)
        let known = Set(catalogue)
        let typos: [String] = names.compactMap { requested in
            let name = Self.split(requested).name
            guard !known.contains(name), let hint = closestMatches(to: name, in: catalogue).first,
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
