/// A problem found in an author's input, with a stable identifier and a source position.
///
/// Diagnostics are data: the compiler collects all of them in one run into a ``DiagnosticBag``,
/// and a renderer turns them into `path:line:col: error: message [id]` text or JSON.
public struct Diagnostic: Hashable, Sendable {
    /// How serious a diagnostic is.
    public enum Severity: String, Hashable, Sendable, Codable {
        /// The input cannot be compiled.
        case error
        /// The input compiles but is probably not what the author meant.
        case warning
        /// Extra information attached to another diagnostic.
        case note
    }

    /// A secondary message pointing at another place, such as the first definition of a duplicate.
    public struct Note: Hashable, Sendable {
        /// The note's text.
        public var message: String
        /// Where the note points, if anywhere.
        public var range: SourceRange?

        /// Creates a note.
        public init(_ message: String, at range: SourceRange? = nil) {
            self.message = message
            self.range = range
        }
    }

    /// The stable identifier, documented in `Docs/Diagnostics.md`.
    public var id: DiagnosticID
    /// Error, warning or note.
    public var severity: Severity
    /// Lower case, no final period, names in single quotes.
    public var message: String
    /// Where the problem is; `nil` only for problems with no place in any file (never for author input).
    public var range: SourceRange?
    /// Further notes.
    public var notes: [Note]

    /// Creates a diagnostic.
    public init(id: DiagnosticID, severity: Severity, message: String, range: SourceRange?, notes: [Note] = []) {
        self.id = id
        self.severity = severity
        self.message = message
        self.range = range
        self.notes = notes
    }

    /// An error diagnostic.
    public static func error(_ id: DiagnosticID, _ message: String, at range: SourceRange?, notes: [Note] = []) -> Self
    {
        Diagnostic(id: id, severity: .error, message: message, range: range, notes: notes)
    }

    /// A warning diagnostic.
    public static func warning(
        _ id: DiagnosticID,
        _ message: String,
        at range: SourceRange?,
        notes: [Note] = []
    ) -> Self {
        Diagnostic(id: id, severity: .warning, message: message, range: range, notes: notes)
    }
}

/// The diagnostics collected by one compiler run, in the order they were found.
public struct DiagnosticBag: Sendable {
    /// Every diagnostic so far.
    public private(set) var diagnostics: [Diagnostic] = []

    /// Creates an empty bag.
    public init() {}

    /// Adds a diagnostic, unless an identical one is already there.
    public mutating func append(_ diagnostic: Diagnostic) {
        if !diagnostics.contains(diagnostic) {
            diagnostics.append(diagnostic)
        }
    }

    /// Adds several diagnostics.
    public mutating func append(contentsOf other: [Diagnostic]) {
        for diagnostic in other { append(diagnostic) }
    }

    /// Whether any error was reported.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// The number of errors reported.
    public var errorCount: Int { diagnostics.count { $0.severity == .error } }

    /// The diagnostics sorted by file, line and column, keeping the order of those at one place.
    public var sorted: [Diagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            switch (lhs.element.range, rhs.element.range) {
            case (let l?, let r?) where l.start != r.start: return l.start < r.start
            case (nil, _?): return false
            case (_?, nil): return true
            default: return lhs.offset < rhs.offset
            }
        }.map(\.element)
    }
}
