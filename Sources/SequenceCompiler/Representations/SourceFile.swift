/// One source text the compiler reads: a sequence document, an included step list or a card-data file.
///
/// The compiler never opens files itself; callers hand it `SourceFile`s and a ``ResourceLoader``.
public struct SourceFile: Hashable, Sendable {
    /// The path shown in diagnostics, as the caller wants it printed (usually relative to the working directory).
    public var path: String
    /// The whole text of the file.
    public var text: String

    /// Creates a source file from its display path and text.
    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// The text of a 1-based line, without its line break, or `nil` past the end.
    public func line(_ number: Int) -> Substring? {
        guard number >= 1 else { return nil }
        var current = 1
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "\n" {
                if current == number {
                    return text[start..<index]
                }
                current += 1
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        return current == number ? text[start..<text.endIndex] : nil
    }
}
