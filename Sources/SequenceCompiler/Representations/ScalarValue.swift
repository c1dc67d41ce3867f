/// The raw text of a YAML scalar the author wrote, before templates are resolved.
public struct ScalarValue: Hashable, Sendable {
    /// The scalar's text after YAML unquoting.
    public var text: String
    /// The whole scalar in the source, quotes included.
    public var range: SourceRange
    /// Where the first character of `text` sits in the source (after an opening quote).
    public var contentStart: SourceLocation

    /// Creates a scalar value.
    public init(text: String, range: SourceRange, contentStart: SourceLocation) {
        self.text = text
        self.range = range
        self.contentStart = contentStart
    }
}

/// A value together with where it was written.
public struct Located<Value: Hashable & Sendable>: Hashable, Sendable {
    /// The value.
    public var value: Value
    /// Where the author wrote it.
    public var range: SourceRange

    /// Creates a located value.
    public init(_ value: Value, at range: SourceRange) {
        self.value = value
        self.range = range
    }
}
