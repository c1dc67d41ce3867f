/// Splits the inside of one `{{ … }}` segment into tokens.
///
/// The segment ends at the first `}}` that is not inside a string literal. Lexical problems (an
/// unexpected character, a malformed literal, an unknown escape) are reported as `template.syntax`
/// and mark the segment as broken, so that the parser does not add errors that only follow from them.
struct TemplateLexer {
    /// The tokens of one segment and where it ends.
    struct Segment: Hashable, Sendable {
        /// The tokens; the last is ``TemplateToken/Kind/end`` when the segment is terminated.
        var tokens: [TemplateToken]
        /// The offset just after the segment's `}}`, or the end of the text when it has none.
        var end: Int
        /// Whether the segment has its `}}`.
        var isTerminated: Bool
        /// Whether a lexical problem was reported.
        var hasErrors: Bool
    }

    private let scalars: [Unicode.Scalar]
    private let map: TemplateSourceMap
    private var position: Int
    private var tokens: [TemplateToken] = []
    private var hasErrors = false
    private var problemCount = 0

    private init(scalars: [Unicode.Scalar], position: Int, map: TemplateSourceMap) {
        self.scalars = scalars
        self.position = position
        self.map = map
    }

    /// Lexes the segment whose first scalar after `{{` is at `offset`.
    ///
    /// - Parameters:
    ///   - scalars: The whole template string's text.
    ///   - offset: The offset just after the segment's `{{`.
    ///   - map: Turns offsets into source locations for diagnostics.
    ///   - diagnostics: Receives the lexical problems.
    /// - Returns: The tokens and the end of the segment.
    static func lexSegment(
        _ scalars: [Unicode.Scalar],
        from offset: Int,
        map: TemplateSourceMap,
        diagnostics: inout DiagnosticBag
    ) -> Segment {
        var lexer = TemplateLexer(scalars: scalars, position: offset, map: map)
        return lexer.run(diagnostics: &diagnostics)
    }

    private func scalar(at offset: Int) -> Unicode.Scalar? {
        offset < scalars.count ? scalars[offset] : nil
    }

    private mutating func run(diagnostics: inout DiagnosticBag) -> Segment {
        while let current = scalar(at: position) {
            let start = position
            switch current {
            case " ", "\t", "\n", "\r":
                position += 1
            case "}" where scalar(at: position + 1) == "}":
                position += 2
                tokens.append(TemplateToken(kind: .end, offsets: start..<position))
                return Segment(tokens: tokens, end: position, isTerminated: true, hasErrors: hasErrors)
            case "0"..."9":
                lexNumber(diagnostics: &diagnostics)
            case "A"..."Z", "a"..."z", "_":
                while let next = scalar(at: position), Self.isIdentifierScalar(next) {
                    position += 1
                }
                let name = String(String.UnicodeScalarView(scalars[start..<position]))
                tokens.append(TemplateToken(kind: .identifier(name), offsets: start..<position))
            case "'", "\"":
                if let end = lexString(quote: current, diagnostics: &diagnostics) {
                    return Segment(tokens: tokens, end: end, isTerminated: true, hasErrors: true)
                }
            case "|" where scalar(at: position + 1) == "|":
                position += 2
                tokens.append(TemplateToken(kind: .concatenate, offsets: start..<position))
            default:
                position += 1
                if let kind = Self.punctuation[current] {
                    tokens.append(TemplateToken(kind: kind, offsets: start..<position))
                } else {
                    // A run of characters that start no token is one problem, not one per character.
                    while startsNoToken(at: position) {
                        position += 1
                    }
                    report(
                        .unexpectedCharacter(current, count: position - start, at: map.range(start..<position)),
                        &diagnostics
                    )
                }
            }
        }
        return Segment(tokens: tokens, end: scalars.count, isTerminated: false, hasErrors: hasErrors)
    }

    /// Whether the scalar at `offset` is one that no token starts with (and that is not white space).
    private func startsNoToken(at offset: Int) -> Bool {
        guard let current = scalar(at: offset) else {
            return false
        }
        switch current {
        case " ", "\t", "\n", "\r", "0"..."9", "A"..."Z", "a"..."z", "_", "'", "\"":
            return false
        case "}":
            return scalar(at: offset + 1) != "}"
        case "|":
            return scalar(at: offset + 1) != "|"
        default:
            return Self.punctuation[current] == nil
        }
    }

    /// The most lexical problems reported for one segment; past it the segment is surely not an
    /// expression, and more messages would only bury the first ones.
    static let maximumProblems = 10

    private mutating func report(_ diagnostic: Diagnostic, _ diagnostics: inout DiagnosticBag) {
        if problemCount < Self.maximumProblems {
            diagnostics.append(diagnostic)
        }
        problemCount += 1
        hasErrors = true
    }

    private static let punctuation: [Unicode.Scalar: TemplateToken.Kind] = [
        "(": .leftParenthesis, ")": .rightParenthesis, "[": .leftBracket, "]": .rightBracket,
        ":": .colon, ",": .comma, ".": .dot, "+": .plus, "-": .minus,
    ]

    /// Whether `scalar` can continue an identifier or a number: ASCII letters, digits and `_`.
    static func isIdentifierScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_":
            return true
        default:
            return false
        }
    }

    /// Lexes a decimal integer or a `0x` bytes literal, taking in any letters that follow so that
    /// `12ab` or `0x9G` is one bad token rather than a number followed by a name.
    private mutating func lexNumber(diagnostics: inout DiagnosticBag) {
        let start = position
        while let next = scalar(at: position), Self.isIdentifierScalar(next) {
            position += 1
        }
        let word = Array(scalars[start..<position])
        let range = map.range(start..<position)
        let spelling = String(String.UnicodeScalarView(word))
        if word.count >= 2, word[0] == "0", word[1] == "x" || word[1] == "X" {
            let digits = word.dropFirst(2)
            if let bad = digits.firstIndex(where: { Self.hexValue($0) == nil }) {
                let place = map.range((start + bad)..<(start + bad + 1))
                report(.invalidBytesDigit(digits[bad], in: spelling, at: place), &diagnostics)
            } else if digits.isEmpty {
                report(.missingBytesDigits(at: range), &diagnostics)
            } else if digits.count % 2 != 0 {
                report(.oddBytesDigits(spelling, count: digits.count, at: range), &diagnostics)
            } else {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(digits.count / 2)
                var high: UInt8?
                for digit in digits {
                    let nibble = Self.hexValue(digit) ?? 0
                    if let value = high {
                        bytes.append(value << 4 | nibble)
                        high = nil
                    } else {
                        high = nibble
                    }
                }
                tokens.append(TemplateToken(kind: .bytes(bytes), offsets: start..<position))
            }
        } else if word.allSatisfy({ ("0"..."9").contains($0) }) {
            tokens.append(TemplateToken(kind: .integer(spelling), offsets: start..<position))
        } else {
            report(.invalidNumber(spelling, at: range), &diagnostics)
        }
    }

    /// The value of an ASCII hex digit.
    static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar {
        case "0"..."9":
            return UInt8(scalar.value - 0x30)
        case "A"..."F":
            return UInt8(scalar.value - 0x41 + 10)
        case "a"..."f":
            return UInt8(scalar.value - 0x61 + 10)
        default:
            return nil
        }
    }

    /// Lexes a quoted string.
    ///
    /// - Returns: `nil` normally. When the string has no closing quote but a `}}` follows it, the
    ///   string is reported as unterminated and the segment ends after that `}}`: the offset is returned.
    ///   When no `}}` follows at all, the caller reports the whole segment as unterminated instead.
    private mutating func lexString(quote: Unicode.Scalar, diagnostics: inout DiagnosticBag) -> Int? {
        let start = position
        position += 1
        var text = String.UnicodeScalarView()
        var escapeProblems: [Diagnostic] = []
        while let current = scalar(at: position) {
            if current == quote {
                position += 1
                for problem in escapeProblems {
                    report(problem, &diagnostics)
                }
                tokens.append(TemplateToken(kind: .string(String(text)), offsets: start..<position))
                return nil
            }
            if current == "\\", let escaped = scalar(at: position + 1) {
                switch escaped {
                case "\\", "\"", "'":
                    text.append(escaped)
                case "n":
                    text.append("\n")
                default:
                    escapeProblems.append(.unknownEscape(escaped, at: map.range(position..<(position + 2))))
                }
                position += 2
            } else {
                text.append(current)
                position += 1
            }
        }
        // No closing quote: end the segment at the first `}}` after the opening quote, if there is one.
        var offset = start + 1
        while offset + 1 < scalars.count {
            if scalars[offset] == "}" && scalars[offset + 1] == "}" {
                report(.unterminatedString(at: map.range(start..<(start + 1))), &diagnostics)
                return offset + 2
            }
            offset += 1
        }
        position = scalars.count
        return nil
    }
}

extension Diagnostic {
    fileprivate static func unexpectedCharacter(_ scalar: Unicode.Scalar, count: Int, at range: SourceRange) -> Self {
        let shown = scalar.properties.isWhitespace || scalar.value < 0x20 ? scalar.escaped(asASCII: true) : "\(scalar)"
        let more = count > 1 ? " (and \(count - 1) more that start no token)" : ""
        switch scalar {
        case "|" where count == 1:
            return .error(.templateSyntax, "unexpected character '|'; did you mean '||'?", at: range)
        case "{", "}":
            return .error(.templateSyntax, "unexpected character '\(scalar)' in an expression\(more)", at: range)
        default:
            return .error(.templateSyntax, "unexpected character '\(shown)'\(more)", at: range)
        }
    }

    fileprivate static func invalidBytesDigit(
        _ digit: Unicode.Scalar,
        in literal: String,
        at range: SourceRange
    ) -> Self {
        .error(.templateSyntax, "invalid hex digit '\(digit)' in bytes literal '\(literal)'", at: range)
    }

    fileprivate static func missingBytesDigits(at range: SourceRange) -> Self {
        .error(.templateSyntax, "expected hex digits after '0x'", at: range)
    }

    fileprivate static func oddBytesDigits(_ literal: String, count: Int, at range: SourceRange) -> Self {
        .error(
            .templateSyntax,
            "bytes literal '\(literal)' has an odd number of hex digits (\(count)); write two digits per byte",
            at: range
        )
    }

    fileprivate static func invalidNumber(_ word: String, at range: SourceRange) -> Self {
        .error(.templateSyntax, "invalid number '\(word)'; names cannot start with a digit", at: range)
    }

    fileprivate static func unknownEscape(_ scalar: Unicode.Scalar, at range: SourceRange) -> Self {
        .error(
            .templateSyntax,
            "unknown escape sequence '\\\(scalar)'; use \\\\, \\\", \\' or \\n",
            at: range
        )
    }

    fileprivate static func unterminatedString(at range: SourceRange) -> Self {
        .error(.templateSyntax, "unterminated string literal", at: range)
    }
}
