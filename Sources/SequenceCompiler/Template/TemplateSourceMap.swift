/// Maps offsets in a template string's text, counted in Unicode scalars, to source locations.
///
/// The first scalar is at the location the caller gives; a line feed moves to column 1 of the next
/// line. Block scalars are therefore only approximate: YAML's indentation and folding are not undone.
struct TemplateSourceMap: Hashable, Sendable {
    /// The location of the first scalar.
    var start: SourceLocation
    /// The offset of the first scalar of each line after the first.
    var lineStarts: [Int]
    /// The number of scalars in the text.
    var count: Int

    /// Creates the map of `scalars`, whose first scalar is at `start`.
    init(_ scalars: [Unicode.Scalar], start: SourceLocation) {
        self.start = start
        self.count = scalars.count
        var lineStarts: [Int] = []
        for (offset, scalar) in scalars.enumerated() where scalar == "\n" {
            lineStarts.append(offset + 1)
        }
        self.lineStarts = lineStarts
    }

    /// The location of the scalar at `offset`; offsets past the end give the location just after the text.
    func location(_ offset: Int) -> SourceLocation {
        let offset = min(max(offset, 0), count)
        // The number of line starts at or before `offset`, by binary search.
        var low = 0
        var high = lineStarts.count
        while low < high {
            let middle = (low + high) / 2
            if lineStarts[middle] <= offset {
                low = middle + 1
            } else {
                high = middle
            }
        }
        guard low > 0 else {
            return start.advanced(by: offset)
        }
        return SourceLocation(path: start.path, line: start.line + low, column: 1 + offset - lineStarts[low - 1])
    }

    /// The range of the scalars in `offsets`, at least one column wide so that a caret can point at it.
    func range(_ offsets: Range<Int>) -> SourceRange {
        let from = location(offsets.lowerBound)
        guard offsets.upperBound > offsets.lowerBound else {
            return SourceRange(start: from, length: 1)
        }
        return SourceRange(start: from, end: location(offsets.upperBound))
    }
}
