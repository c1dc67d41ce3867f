/// Turns diagnostics into the text `seqc` prints, or into JSON for tools.
public struct DiagnosticRenderer: Sendable {
    /// The sources the diagnostics point into, by display path, for the excerpts.
    public var sources: [String: SourceFile]
    /// Whether to print the source line and a caret under each diagnostic.
    public var showsExcerpts: Bool

    /// Creates a renderer over the given sources.
    public init(sources: [SourceFile], showsExcerpts: Bool = true) {
        var byPath: [String: SourceFile] = [:]
        for source in sources { byPath[source.path] = source }
        self.sources = byPath
        self.showsExcerpts = showsExcerpts
    }

    /// Renders one diagnostic and its notes as lines of text, ending in a newline.
    public func render(_ diagnostic: Diagnostic) -> String {
        var out = ""
        let place = diagnostic.range.map { "\($0.start): " } ?? ""
        out += "\(place)\(diagnostic.severity.rawValue): \(diagnostic.message) [\(diagnostic.id.rawValue)]\n"
        if showsExcerpts, let range = diagnostic.range {
            out += excerpt(range)
        }
        for note in diagnostic.notes {
            let notePlace = note.range.map { "\($0.start): " } ?? ""
            out += "\(notePlace)note: \(note.message)\n"
            if showsExcerpts, let range = note.range {
                out += excerpt(range)
            }
        }
        return out
    }

    /// Renders every diagnostic in source order, followed by a one-line summary when there are any.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        var out = diagnostics.map(render).joined()
        let errors = diagnostics.count { $0.severity == .error }
        let warnings = diagnostics.count { $0.severity == .warning }
        if errors + warnings > 0 {
            out += "\(Self.plural(errors, "error")), \(Self.plural(warnings, "warning"))\n"
        }
        return out
    }

    private static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    private func excerpt(_ range: SourceRange) -> String {
        guard let source = sources[range.start.path], let line = source.line(range.start.line) else {
            return ""
        }
        let number = String(range.start.line)
        let gutter = String(repeating: " ", count: number.count)
        let text = String(line).replacingTabs()
        let startColumn = max(range.start.column, 1)
        let lineLength = text.unicodeScalars.count
        var width = 1
        if range.end.line == range.start.line && range.end.column > startColumn {
            width = range.end.column - startColumn
        } else if range.end.line > range.start.line {
            width = max(lineLength - startColumn + 1, 1)
        }
        width = max(1, min(width, max(lineLength - startColumn + 1, 1)))
        // Long lines (generated data, minified YAML) show a window around the problem.
        var shown = Array(text.unicodeScalars)
        var column = startColumn
        let window = 100
        if shown.count > window + 20 {
            let first = max(0, min(column - 1 - window / 2, shown.count - window))
            let last = min(shown.count, first + window)
            let prefix: [Unicode.Scalar] = first > 0 ? Array("…".unicodeScalars) : []
            let suffix: [Unicode.Scalar] = last < shown.count ? Array("…".unicodeScalars) : []
            shown = prefix + Array(shown[first..<last]) + suffix
            column = column - first + prefix.count
            width = max(1, min(width, last - (startColumn - 1)))
        }
        var excerptText = ""
        excerptText.unicodeScalars.append(contentsOf: shown)
        let pad = String(repeating: " ", count: max(column - 1, 0))
        let marker = "^" + String(repeating: "~", count: width - 1)
        return "\(number) | \(excerptText)\n\(gutter) | \(pad)\(marker)\n"
    }
}

extension String {
    fileprivate func replacingTabs() -> String {
        String(unicodeScalars.map { $0 == "\t" ? " " : Character($0) })
    }
}

/// The JSON form of a diagnostic, as `seqc check --format json` prints it.
public struct DiagnosticRecord: Codable, Hashable, Sendable {
    /// The stable identifier.
    public var id: String
    /// `error`, `warning` or `note`.
    public var severity: String
    /// The message.
    public var message: String
    /// The display path of the file, if the diagnostic has a place.
    public var file: String?
    /// 1-based line of the start.
    public var line: Int?
    /// 1-based column of the start.
    public var column: Int?
    /// 1-based line of the end.
    public var endLine: Int?
    /// 1-based column just past the end.
    public var endColumn: Int?
    /// Notes, each with its own place.
    public var notes: [DiagnosticRecord]

    /// Creates the record of a diagnostic.
    public init(_ diagnostic: Diagnostic) {
        self.init(
            id: diagnostic.id.rawValue,
            severity: diagnostic.severity.rawValue,
            message: diagnostic.message,
            range: diagnostic.range,
            notes: diagnostic.notes.map {
                DiagnosticRecord(
                    id: diagnostic.id.rawValue,
                    severity: "note",
                    message: $0.message,
                    range: $0.range,
                    notes: []
                )
            }
        )
    }

    private init(id: String, severity: String, message: String, range: SourceRange?, notes: [DiagnosticRecord]) {
        self.id = id
        self.severity = severity
        self.message = message
        self.file = range?.start.path
        self.line = range?.start.line
        self.column = range?.start.column
        self.endLine = range?.end.line
        self.endColumn = range?.end.column
        self.notes = notes
    }
}
