/// Finds the known name closest to a misspelt one, for "did you mean" in messages.
enum TemplateSuggestion {
    /// The candidate closest to `name` by edit distance, if one is close enough to be a likely typo.
    ///
    /// Close enough means at most one edit for names of up to four characters, two up to eight and
    /// three beyond. Ties go to the alphabetically first candidate, so the result is deterministic.
    static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(name.unicodeScalars)
        let allowed = target.count <= 4 ? 1 : target.count <= 8 ? 2 : 3
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let scalars = Array(candidate.unicodeScalars)
            guard abs(scalars.count - target.count) <= allowed else {
                continue
            }
            let distance = editDistance(target, scalars)
            guard distance <= allowed else {
                continue
            }
            if let current = best,
                current.distance < distance || (current.distance == distance && current.name < candidate)
            {
                continue
            }
            best = (candidate, distance)
        }
        return best?.name
    }

    /// The optimal-string-alignment distance between two scalar sequences: insertions, deletions,
    /// substitutions and swaps of two neighbours each cost one edit (so `tvl` is one edit from `tlv`),
    /// and a change of case is an edit too.
    static func editDistance(_ left: [Unicode.Scalar], _ right: [Unicode.Scalar]) -> Int {
        guard !left.isEmpty else {
            return right.count
        }
        guard !right.isEmpty else {
            return left.count
        }
        var beforePrevious = [Int](repeating: 0, count: right.count + 1)
        var previous = Array(0...right.count)
        var row = [Int](repeating: 0, count: right.count + 1)
        for i in 1...left.count {
            row[0] = i
            for j in 1...right.count {
                let cost = left[i - 1] == right[j - 1] ? 0 : 1
                var best = min(previous[j - 1] + cost, previous[j] + 1, row[j - 1] + 1)
                if i > 1, j > 1, left[i - 1] == right[j - 2], left[i - 2] == right[j - 1] {
                    best = min(best, beforePrevious[j - 2] + 1)
                }
                row[j] = best
            }
            (beforePrevious, previous, row) = (previous, row, beforePrevious)
        }
        return previous[right.count]
    }
}
