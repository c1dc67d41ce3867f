import APDUTypes

/// The text of one YAML scalar, split into literal text and `{{ expression }}` segments.
///
/// Parsing reports only syntax: unterminated segments, malformed tokens and expressions.
/// ``check(as:scope:diagnostics:)`` then checks names, functions, argument counts and types against
/// the declared types of the fields and components, without any values; and
/// ``evaluate(as:scope:diagnostics:)`` computes the value for one card. Every diagnostic points at
/// the exact characters it is about: a name, an argument, an operand or one hex character.
///
/// What the literal text means depends on the type expected where the scalar appears:
///
/// - **bytes**: the literal text is hex (spaces, tabs, colons and line breaks allowed between
///   digit pairs) and every segment must be bytes; the value is all of them joined in order.
/// - **string**: the literal text is taken as it is and every segment must be a string, or an
///   integer, which is written in decimal.
/// - **integer**: the whole text is a decimal integer (`-12`), a hex integer (`0x1F`), or exactly
///   one segment of type integer, with only white space around it.
/// - **record** or **list**: exactly one segment of that type, with only white space around it.
public struct TemplateString: Hashable, Sendable {
    /// One piece of the text.
    enum Part: Hashable, Sendable {
        /// Text outside any segment, with the offsets of its scalars.
        case literal(String, offsets: Range<Int>)
        /// A `{{ … }}` segment; `segment` covers the braces too.
        case expression(TemplateExpression, segment: Range<Int>)
    }

    /// The scalar's text, as parsed.
    public let text: String
    /// The literal and expression parts, in order.
    let parts: [Part]
    /// Maps offsets in ``text`` to source locations.
    let map: TemplateSourceMap
    /// Whether parsing reported an error; such a template is never evaluated.
    let hasSyntaxErrors: Bool

    /// Parses the text of a scalar.
    ///
    /// - Parameters:
    ///   - text: The scalar's text.
    ///   - start: The location of the text's first character. A line feed in the text moves to
    ///     column 1 of the next line, so block scalars are located only approximately.
    ///   - diagnostics: Receives `template.unterminated`, `template.syntax` and, for integer literals
    ///     beyond 64 bits, `template.invalid-value`.
    /// - Returns: The parsed template; parts with errors never cause further diagnostics.
    public static func parse(
        _ text: String,
        at start: SourceLocation,
        diagnostics: inout DiagnosticBag
    ) -> TemplateString {
        let scalars = Array(text.unicodeScalars)
        let map = TemplateSourceMap(scalars, start: start)
        var problems = DiagnosticBag()
        var parts: [Part] = []
        var literalStart = 0
        var offset = 0
        func appendLiteral(upTo end: Int) {
            if literalStart < end {
                let literal = String(String.UnicodeScalarView(scalars[literalStart..<end]))
                parts.append(.literal(literal, offsets: literalStart..<end))
            }
        }
        while offset + 1 < scalars.count {
            guard scalars[offset] == "{" && scalars[offset + 1] == "{" else {
                offset += 1
                continue
            }
            appendLiteral(upTo: offset)
            let segment = TemplateLexer.lexSegment(scalars, from: offset + 2, map: map, diagnostics: &problems)
            let offsets = offset..<segment.end
            if !segment.isTerminated {
                problems.append(.unterminated(at: map.range(offset..<(offset + 2))))
                parts.append(.expression(TemplateExpression(kind: .error, range: map.range(offsets)), segment: offsets))
            } else if segment.hasErrors {
                parts.append(.expression(TemplateExpression(kind: .error, range: map.range(offsets)), segment: offsets))
            } else {
                let expression = TemplateParser.parseSegment(
                    segment.tokens,
                    segment: offsets,
                    map: map,
                    diagnostics: &problems
                )
                parts.append(.expression(expression, segment: offsets))
            }
            offset = segment.end
            literalStart = offset
        }
        appendLiteral(upTo: scalars.count)
        diagnostics.append(contentsOf: problems.diagnostics)
        return TemplateString(text: text, parts: parts, map: map, hasSyntaxErrors: problems.hasErrors)
    }

    /// The range of the whole text.
    public var range: SourceRange {
        map.range(0..<map.count)
    }

    /// Whether the text has no `{{ }}` segment, so that its value does not depend on any card.
    public var isLiteral: Bool {
        !parts.contains { part in
            if case .expression = part {
                return true
            }
            return false
        }
    }

    /// The names of fields and components the expressions use, in source order, each with the range
    /// of its use; the compiler warns about declared fields that no template uses.
    public var references: [(name: String, range: SourceRange)] {
        expressions.flatMap(\.references)
    }

    /// The expressions of the segments, in order.
    var expressions: [TemplateExpression] {
        parts.compactMap { part in
            if case .expression(let expression, _) = part {
                return expression
            }
            return nil
        }
    }

    // MARK: - Checking

    /// Checks the template statically: names, members, functions, argument counts, types, and the
    /// literal text for the expected type; no value is computed.
    ///
    /// When this reports nothing, ``evaluate(as:scope:diagnostics:)`` with values of these types
    /// can only report value problems (`template.invalid-value`).
    ///
    /// - Parameters:
    ///   - expected: The type the place of the scalar needs.
    ///   - scope: The declared fields and components, with their types.
    ///   - diagnostics: Receives every problem found.
    public func check(as expected: TemplateType, scope: [String: TemplateType], diagnostics: inout DiagnosticBag) {
        let checker = TemplateChecker(scope: scope)
        switch expected {
        case .bytes:
            for part in parts {
                switch part {
                case .literal(let literal, let offsets):
                    _ = hexBytes(literal, offsets: offsets, diagnostics: &diagnostics)
                case .expression(let expression, _):
                    let type = checker.type(of: expression, diagnostics: &diagnostics)
                    if let type, type != .bytes {
                        diagnostics.append(
                            TemplateMessages.segmentType(expected: [.bytes], found: type, at: expression.range)
                        )
                    }
                }
            }
        case .string:
            for case .expression(let expression, _) in parts {
                let type = checker.type(of: expression, diagnostics: &diagnostics)
                if let type, type != .string, type != .integer {
                    diagnostics.append(
                        TemplateMessages.segmentType(expected: [.string, .integer], found: type, at: expression.range)
                    )
                }
            }
        case .integer, .record, .list:
            switch singleValue(as: expected, diagnostics: &diagnostics) {
            case nil:
                for expression in expressions {
                    _ = checker.type(of: expression, diagnostics: &diagnostics)
                }
            case .literalInteger?:
                _ = literalInteger(diagnostics: &diagnostics)
            case .expression(let expression)?:
                let type = checker.type(of: expression, diagnostics: &diagnostics)
                if let type, type != expected {
                    diagnostics.append(
                        TemplateMessages.segmentType(expected: [expected], found: type, at: expression.range)
                    )
                }
            }
        }
    }

    /// What the text of a single-value type (integer, record, list) is made of.
    private enum SingleValue {
        /// Literal text only, to be read as an integer.
        case literalInteger
        /// One segment with only white space around it.
        case expression(TemplateExpression)
    }

    /// For the single-value types: what the text holds, or `nil` after reporting that it holds
    /// neither a literal integer (when one is expected) nor exactly one segment.
    private func singleValue(as expected: TemplateType, diagnostics: inout DiagnosticBag) -> SingleValue? {
        var found: TemplateExpression?
        for part in parts {
            switch part {
            case .literal(let literal, let offsets):
                guard let trimmed = trimmedOffsets(literal, offsets: offsets) else {
                    continue
                }
                if parts.count == 1 && expected == .integer {
                    return .literalInteger
                }
                diagnostics.append(.notSingleValue(expected, at: map.range(trimmed)))
                return nil
            case .expression(let expression, let segment):
                if found != nil {
                    diagnostics.append(.notSingleValue(expected, at: map.range(segment)))
                    return nil
                }
                found = expression
            }
        }
        guard let found else {
            if expected == .integer {
                return .literalInteger
            }
            diagnostics.append(.notSingleValue(expected, at: range))
            return nil
        }
        return .expression(found)
    }

    /// The offsets of `literal` without the white space around it, or `nil` when it is all white space.
    private func trimmedOffsets(_ literal: String, offsets: Range<Int>) -> Range<Int>? {
        let scalars = Array(literal.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !Self.isWhiteSpace($0) }),
            let last = scalars.lastIndex(where: { !Self.isWhiteSpace($0) })
        else {
            return nil
        }
        return (offsets.lowerBound + first)..<(offsets.lowerBound + last + 1)
    }

    private static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    /// The integer a whole-literal text spells, or `nil` after reporting why it spells none.
    private func literalInteger(diagnostics: inout DiagnosticBag) -> Int? {
        let literal = parts.compactMap { part -> (String, Range<Int>)? in
            if case .literal(let text, let offsets) = part {
                return (text, offsets)
            }
            return nil
        }.first
        guard let (text, offsets) = literal, let trimmed = trimmedOffsets(text, offsets: offsets) else {
            diagnostics.append(.emptyInteger(at: range))
            return nil
        }
        let scalars = Array(text.unicodeScalars)[
            (trimmed.lowerBound - offsets.lowerBound)..<(trimmed.upperBound - offsets.lowerBound)
        ]
        let spelling = String(String.UnicodeScalarView(scalars))
        var digits = Substring(spelling)
        var radix = 10
        var negative = false
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
        } else if digits.hasPrefix("-") {
            digits = digits.dropFirst()
            negative = true
        }
        let valid =
            !digits.isEmpty
            && digits.unicodeScalars.allSatisfy {
                radix == 16 ? TemplateLexer.hexValue($0) != nil : ("0"..."9").contains($0)
            }
        guard valid else {
            diagnostics.append(.notAnInteger(spelling, at: map.range(trimmed)))
            return nil
        }
        guard let value = Int((negative ? "-" : "") + digits, radix: radix) else {
            diagnostics.append(.integerTooLarge(spelling, at: map.range(trimmed)))
            return nil
        }
        return value
    }

    /// The bytes literal hex text spells, or `nil` after reporting the first bad character (or an odd digit count).
    private func hexBytes(_ literal: String, offsets: Range<Int>, diagnostics: inout DiagnosticBag) -> [UInt8]? {
        switch Hex.parse(literal) {
        case .success(let bytes):
            return bytes
        case .failure(.invalidCharacter(let character, let characterOffset)):
            let scalarOffset = offsets.lowerBound + literal.prefix(characterOffset).unicodeScalars.count
            let place = map.range(scalarOffset..<(scalarOffset + character.unicodeScalars.count))
            diagnostics.append(.invalidHexCharacter(character, at: place))
            return nil
        case .failure(.oddLength(let digits)):
            let scalars = Array(literal.unicodeScalars)
            let last = scalars.lastIndex { TemplateLexer.hexValue($0) != nil } ?? 0
            let place = map.range((offsets.lowerBound + last)..<(offsets.lowerBound + last + 1))
            diagnostics.append(.oddHexDigits(digits, at: place))
            return nil
        }
    }

    // MARK: - Evaluation

    /// Computes the template's value for one card.
    ///
    /// The evaluator checks names, functions and types as it goes and reports them with the same
    /// messages as ``check(as:scope:diagnostics:)``; a template that the checker accepts for the
    /// types of these values can only fail here with `template.invalid-value`. A template that had
    /// syntax errors when parsed gives `nil` with no new diagnostic.
    ///
    /// - Parameters:
    ///   - expected: The type the place of the scalar needs.
    ///   - scope: The values of the card's fields and of the components.
    ///   - diagnostics: Receives every problem found.
    /// - Returns: A value of type `expected`, or `nil` when there were errors.
    public func evaluate(
        as expected: TemplateType,
        scope: [String: TemplateValue],
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        guard !hasSyntaxErrors else {
            return nil
        }
        let evaluator = TemplateEvaluator(scope: scope)
        switch expected {
        case .bytes:
            var bytes: [UInt8] = []
            var valid = true
            for part in parts {
                switch part {
                case .literal(let literal, let offsets):
                    guard let piece = hexBytes(literal, offsets: offsets, diagnostics: &diagnostics) else {
                        valid = false
                        continue
                    }
                    bytes += piece
                case .expression(let expression, _):
                    switch evaluator.value(of: expression, diagnostics: &diagnostics) {
                    case .bytes(let piece)?:
                        bytes += piece
                    case nil:
                        valid = false
                    case let other?:
                        diagnostics.append(
                            TemplateMessages.segmentType(expected: [.bytes], found: other.type, at: expression.range)
                        )
                        valid = false
                    }
                }
                if bytes.count > TemplateFunctionLibrary.maximumLength {
                    diagnostics.append(TemplateFunctionLibrary.tooLong(bytes.count, at: range))
                    return nil
                }
            }
            return valid ? .bytes(bytes) : nil
        case .string:
            var text = ""
            var valid = true
            for part in parts {
                switch part {
                case .literal(let literal, _):
                    text += literal
                case .expression(let expression, _):
                    switch evaluator.value(of: expression, diagnostics: &diagnostics) {
                    case .string(let piece)?:
                        text += piece
                    case .integer(let number)?:
                        text += String(number)
                    case nil:
                        valid = false
                    case let other?:
                        diagnostics.append(
                            TemplateMessages.segmentType(
                                expected: [.string, .integer],
                                found: other.type,
                                at: expression.range
                            )
                        )
                        valid = false
                    }
                }
                if text.utf8.count > TemplateFunctionLibrary.maximumLength {
                    diagnostics.append(TemplateFunctionLibrary.tooLong(text.utf8.count, at: range))
                    return nil
                }
            }
            return valid ? .string(text) : nil
        case .integer, .record, .list:
            let expression: TemplateExpression
            switch singleValue(as: expected, diagnostics: &diagnostics) {
            case nil:
                return nil
            case .literalInteger?:
                return literalInteger(diagnostics: &diagnostics).map(TemplateValue.integer)
            case .expression(let single)?:
                expression = single
            }
            guard let value = evaluator.value(of: expression, diagnostics: &diagnostics) else {
                return nil
            }
            guard value.conforms(to: expected) else {
                diagnostics.append(
                    TemplateMessages.segmentType(expected: [expected], found: value.type, at: expression.range)
                )
                return nil
            }
            return value
        }
    }
}

extension Diagnostic {
    fileprivate static func unterminated(at range: SourceRange) -> Self {
        .error(.templateUnterminated, "'{{' has no matching '}}'", at: range)
    }

    fileprivate static func notSingleValue(_ expected: TemplateType, at range: SourceRange) -> Self {
        let what = expected == .integer ? "a number or a single '{{ }}'" : "a single '{{ }}'"
        return .error(
            .templateType,
            "expected \(expected.withArticle) here: write \(what) with nothing around it",
            at: range
        )
    }

    fileprivate static func emptyInteger(at range: SourceRange) -> Self {
        .error(.templateType, "expected an integer here, found empty text", at: range)
    }

    fileprivate static func notAnInteger(_ text: String, at range: SourceRange) -> Self {
        .error(
            .templateType,
            "expected an integer here, found '\(text)'; write a decimal or 0x number, or a single '{{ }}'",
            at: range
        )
    }

    fileprivate static func integerTooLarge(_ text: String, at range: SourceRange) -> Self {
        .error(.templateValue, "integer '\(text)' does not fit in a 64-bit integer", at: range)
    }

    fileprivate static func invalidHexCharacter(_ character: Character, at range: SourceRange) -> Self {
        let shown =
            character.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
            ? String(character) : character.unicodeScalars.map { $0.escaped(asASCII: true) }.joined()
        return .error(
            .invalidHex,
            "'\(shown)' is not a hex digit; text outside '{{ }}' must be hex bytes here",
            at: range
        )
    }

    fileprivate static func oddHexDigits(_ count: Int, at range: SourceRange) -> Self {
        .error(.invalidHex, "odd number of hex digits (\(count)); write two digits per byte", at: range)
    }
}
