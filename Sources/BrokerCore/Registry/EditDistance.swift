/// Edit distance (Levenshtein with adjacent transpositions counted as one edit), case-insensitive, for "did you mean" hints in config errors and commands.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased().utf8), b = Array(b.lowercased().utf8)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var beforePrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            let substitution: Int = previous[j - 1] + cost
            let deletion: Int = previous[j] + 1
            let insertion: Int = current[j - 1] + 1
            current[j] = Swift.min(deletion, insertion, substitution)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = Swift.min(current[j], beforePrevious[j - 2] + 1)
            }
        }
        (beforePrevious, previous, current) = (previous, current, beforePrevious)
    }
    return previous[b.count]
}

/// The candidates within a small edit distance of `word`, best first.
public func closestMatches(to word: String, in candidates: [String], limit: Int = 3) -> [String] {
    let threshold = max(2, word.count / 3)
    let scored: [(name: String, distance: Int)] = candidates.map { (name: $0, distance: editDistance(word, $0)) }
    let close = scored.filter { $0.distance <= threshold }
    let ranked = close.sorted { a, b in a.distance == b.distance ? a.name < b.name : a.distance < b.distance }
    return ranked.prefix(limit).map(\.name)
}
