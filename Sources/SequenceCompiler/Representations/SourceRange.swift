/// A position in a source file: 1-based line and column (columns count Unicode scalars, as Yams does).
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The display path of the file.
    public var path: String
    /// The 1-based line.
    public var line: Int
    /// The 1-based column.
    public var column: Int

    /// Creates a location.
    public init(path: String, line: Int, column: Int) {
        self.path = path
        self.line = line
        self.column = column
    }

    /// The location `count` columns to the right on the same line.
    public func advanced(by count: Int) -> SourceLocation {
        SourceLocation(path: path, line: line, column: column + count)
    }

    /// `path:line:column`.
    public var description: String { "\(path):\(line):\(column)" }

    /// Orders by path, then line, then column.
    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.path, lhs.line, lhs.column) < (rhs.path, rhs.line, rhs.column)
    }
}

/// A span of source text from `start` up to (not including) `end`, on one file.
public struct SourceRange: Hashable, Sendable, CustomStringConvertible {
    /// The first position.
    public var start: SourceLocation
    /// The position just after the last character; equal to `start` for a point.
    public var end: SourceLocation

    /// Creates a range.
    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = end
    }

    /// A range of `length` columns starting at `start` (at least one column wide).
    public init(start: SourceLocation, length: Int) {
        self.start = start
        self.end = start.advanced(by: max(length, 1))
    }

    /// `path:line:column` of the start.
    public var description: String { start.description }
}
