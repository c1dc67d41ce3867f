import Yams

/// A YAML node with its place in the source, as the parse stage walks it.
///
/// Every value the language reads goes through this type, so each later diagnostic can point at
/// the exact line and column of the key or value it is about.
struct YAMLNode {
    let node: Node
    let path: String

    /// Where the node starts, and for scalars where it ends.
    var range: SourceRange {
        let mark = node.mark
        let start = SourceLocation(path: path, line: mark?.line ?? 1, column: mark?.column ?? 1)
        if case .scalar(let scalar) = node {
            let text = scalar.string
            if !text.contains("\n") {
                var width = text.unicodeScalars.count
                if scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
                    width += 2
                }
                return SourceRange(start: start, length: width)
            }
        }
        return SourceRange(start: start, length: 1)
    }

    /// A short name of the node's kind for "expected X, found Y" messages.
    var kindName: String {
        switch node {
        case .scalar(let scalar):
            if scalar.string.isEmpty && scalar.style == .plain { return "an empty value" }
            return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    var scalar: Node.Scalar? { node.scalar }

    /// The text of a scalar node, or `nil` for mappings and lists.
    var scalarString: String? { node.scalar?.string }

    /// The scalar as a ``ScalarValue`` carrying the position of its first content character.
    var scalarValue: ScalarValue? {
        guard case .scalar(let scalar) = node else { return nil }
        let range = self.range
        var contentStart = range.start
        switch scalar.style {
        case .singleQuoted, .doubleQuoted:
            contentStart = contentStart.advanced(by: 1)
        case .literal, .folded:
            contentStart = SourceLocation(path: path, line: contentStart.line + 1, column: 1)
        default:
            break
        }
        return ScalarValue(text: scalar.string, range: range, contentStart: contentStart)
    }

    var mappingPairs: [(key: YAMLNode, value: YAMLNode)]? {
        guard case .mapping(let mapping) = node else { return nil }
        return mapping.map { (YAMLNode(node: $0.key, path: path), YAMLNode(node: $0.value, path: path)) }
    }

    var sequenceItems: [YAMLNode]? {
        guard case .sequence(let sequence) = node else { return nil }
        return sequence.map { YAMLNode(node: $0, path: path) }
    }

    /// Whether this is an explicit null (`~`, `null` or nothing at all).
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
