/// Builds the ``TemplateExpression`` of one `{{ … }}` segment from its tokens.
///
/// The grammar, from loosest to tightest binding (see `Grammar/template-expression.ebnf`):
///
///     expression = sum { "||" sum }
///     sum        = unary { ("+" | "-") unary }
///     unary      = "-" unary | postfix
///     postfix    = primary { "." name | "[" expression "]" | "[" [expression] ":" [expression] "]" }
///     primary    = integer | bytes | string | name | name "(" [expression { "," expression }] ")"
///                | "(" expression ")"
///
/// After a syntax error the parser skips to the next `,` or closing bracket at the same level and
/// goes on, so one segment can report several independent problems; until it gets there it reports
/// nothing more, and the construct that failed becomes an ``TemplateExpression/Kind/error`` node.
struct TemplateParser {
    /// The deepest nesting of parentheses, calls, brackets, members and unary minus signs accepted.
    static let maximumDepth = 64

    private let tokens: [TemplateToken]
    private let map: TemplateSourceMap
    private var index = 0
    private var recovering = false
    private var problems: [Diagnostic] = []

    private init(tokens: [TemplateToken], map: TemplateSourceMap) {
        self.tokens = tokens
        self.map = map
    }

    /// Parses the tokens of one terminated segment.
    ///
    /// - Parameters:
    ///   - tokens: The segment's tokens, ending with ``TemplateToken/Kind/end``.
    ///   - segment: The offsets of the whole segment, `{{` and `}}` included.
    ///   - map: Turns offsets into source locations.
    ///   - diagnostics: Receives the syntax errors.
    /// - Returns: The expression; ``TemplateExpression/Kind/error`` where the text did not parse.
    static func parseSegment(
        _ tokens: [TemplateToken],
        segment: Range<Int>,
        map: TemplateSourceMap,
        diagnostics: inout DiagnosticBag
    ) -> TemplateExpression {
        let segmentRange = map.range(segment)
        guard tokens.last?.kind == .end else {
            return TemplateExpression(kind: .error, range: segmentRange)
        }
        var parser = TemplateParser(tokens: tokens, map: map)
        let expression = parser.parseSegment(range: segmentRange)
        diagnostics.append(contentsOf: parser.problems)
        return expression
    }

    // MARK: - Tokens

    private var current: TemplateToken {
        tokens[min(index, tokens.count - 1)]
    }

    private var next: TemplateToken {
        tokens[min(index + 1, tokens.count - 1)]
    }

    private var previousEnd: SourceLocation {
        map.location(index > 0 ? tokens[min(index, tokens.count) - 1].offsets.upperBound : 0)
    }

    private mutating func advance() {
        if index < tokens.count - 1 {
            index += 1
        }
    }

    private func range(_ token: TemplateToken) -> SourceRange {
        map.range(token.offsets)
    }

    private func range(from start: SourceLocation) -> SourceRange {
        let end = previousEnd
        return end > start ? SourceRange(start: start, end: end) : SourceRange(start: start, length: 1)
    }

    /// Reports a syntax error, unless one was reported since the parser last got back in step.
    private mutating func fail(_ diagnostic: Diagnostic) {
        if !recovering {
            problems.append(diagnostic)
        }
        recovering = true
    }

    /// Whether `level` is within ``maximumDepth``; when not, reports it once and skips to the end.
    private mutating func enter(_ level: Int) -> Bool {
        guard level > Self.maximumDepth else {
            return true
        }
        fail(.tooDeep(at: range(current)))
        index = tokens.count - 1
        return false
    }

    /// Skips to the next `,` (when `stopAtComma`) or closing bracket on the current level.
    ///
    /// - Returns: Whether it stopped at `closing`, which it then consumes; the parser is back in step.
    private mutating func skip(to closing: TemplateToken.Kind, stopAtComma: Bool) -> Bool {
        var nesting = 0
        while current.kind != .end {
            switch current.kind {
            case .leftParenthesis, .leftBracket:
                nesting += 1
            case .rightParenthesis, .rightBracket:
                if nesting == 0 {
                    guard current.kind == closing else {
                        return false
                    }
                    advance()
                    recovering = false
                    return true
                }
                nesting -= 1
            case .comma where nesting == 0 && stopAtComma:
                return false
            default:
                break
            }
            advance()
        }
        return false
    }

    // MARK: - Grammar

    private mutating func parseSegment(range segmentRange: SourceRange) -> TemplateExpression {
        if current.kind == .end {
            problems.append(.emptyExpression(at: segmentRange))
            return TemplateExpression(kind: .error, range: segmentRange)
        }
        let expression = parseExpression(depth: 1)
        guard current.kind == .end else {
            fail(.expectedSegmentEnd(found: current, at: range(current)))
            let start = expression.range.start
            index = tokens.count - 1
            return TemplateExpression(kind: .error, range: range(from: start))
        }
        return expression
    }

    private mutating func parseExpression(depth: Int) -> TemplateExpression {
        let first = parseSum(depth: depth)
        guard current.kind == .concatenate else {
            return first
        }
        var operands = [first]
        while current.kind == .concatenate {
            advance()
            operands.append(parseSum(depth: depth))
        }
        return TemplateExpression(kind: .concatenation(operands), range: range(from: first.range.start))
    }

    private mutating func parseSum(depth: Int) -> TemplateExpression {
        let first = parseUnary(depth: depth)
        var terms: [TemplateExpression.Term] = []
        while current.kind == .plus || current.kind == .minus {
            let operation: TemplateExpression.ArithmeticOperator = current.kind == .plus ? .add : .subtract
            advance()
            terms.append(TemplateExpression.Term(operation: operation, operand: parseUnary(depth: depth)))
        }
        guard !terms.isEmpty else {
            return first
        }
        return TemplateExpression(kind: .sum(first, terms), range: range(from: first.range.start))
    }

    private mutating func parseUnary(depth: Int) -> TemplateExpression {
        guard current.kind == .minus else {
            return parsePostfix(depth: depth)
        }
        let start = range(current).start
        guard enter(depth + 1) else {
            return TemplateExpression(kind: .error, range: range(from: start))
        }
        advance()
        // A minus sign directly before an integer literal is part of the literal, so that the
        // smallest integer, -9223372036854775808, can be written.
        if case .integer(let digits) = current.kind, next.kind != .dot, next.kind != .leftBracket {
            advance()
            guard let value = Int("-" + digits) else {
                problems.append(.integerTooLarge("-" + digits, at: range(from: start)))
                return TemplateExpression(kind: .error, range: range(from: start))
            }
            return TemplateExpression(kind: .integer(value), range: range(from: start))
        }
        let operand = parseUnary(depth: depth + 1)
        return TemplateExpression(kind: .negate(operand), range: range(from: start))
    }

    private mutating func parsePostfix(depth: Int) -> TemplateExpression {
        var expression = parsePrimary(depth: depth)
        var level = depth
        while current.kind == .dot || current.kind == .leftBracket {
            let start = expression.range.start
            level += 1
            guard enter(level) else {
                return TemplateExpression(kind: .error, range: range(from: start))
            }
            if current.kind == .dot {
                advance()
                guard case .identifier(let name) = current.kind else {
                    fail(.expectedMemberName(found: current, at: range(current)))
                    return TemplateExpression(kind: .error, range: range(from: start))
                }
                let nameRange = range(current)
                advance()
                expression = TemplateExpression(
                    kind: .member(expression, name: name, nameRange: nameRange),
                    range: range(from: start)
                )
            } else {
                expression = parseSubscript(of: expression, level: level)
            }
        }
        return expression
    }

    /// Parses `[index]` or `[start:end]` after `base`, the current token being the `[`.
    private mutating func parseSubscript(of base: TemplateExpression, level: Int) -> TemplateExpression {
        let start = base.range.start
        let opening = range(current)
        advance()
        var lower: TemplateExpression?
        if current.kind != .colon {
            lower = parseExpression(depth: level + 1)
        }
        var kind: TemplateExpression.Kind
        if current.kind == .colon {
            advance()
            var upper: TemplateExpression?
            if current.kind != .rightBracket {
                upper = parseExpression(depth: level + 1)
            }
            kind = .slice(base, start: lower, end: upper)
        } else {
            kind = .index(base, lower ?? TemplateExpression(kind: .error, range: opening))
        }
        guard current.kind == .rightBracket else {
            fail(.expectedClosing("]", opening: opening, found: current, at: range(current)))
            _ = skip(to: .rightBracket, stopAtComma: false)
            return TemplateExpression(kind: .error, range: range(from: start))
        }
        advance()
        recovering = false
        return TemplateExpression(kind: kind, range: range(from: start))
    }

    private mutating func parsePrimary(depth: Int) -> TemplateExpression {
        let token = current
        let tokenRange = range(token)
        switch token.kind {
        case .integer(let digits):
            advance()
            guard let value = Int(digits) else {
                problems.append(.integerTooLarge(digits, at: tokenRange))
                return TemplateExpression(kind: .error, range: tokenRange)
            }
            return TemplateExpression(kind: .integer(value), range: tokenRange)
        case .bytes(let bytes):
            advance()
            return TemplateExpression(kind: .bytes(bytes), range: tokenRange)
        case .string(let text):
            advance()
            return TemplateExpression(kind: .string(text), range: tokenRange)
        case .identifier(let name):
            advance()
            guard current.kind == .leftParenthesis else {
                return TemplateExpression(kind: .name(name), range: tokenRange)
            }
            return parseCall(name, nameRange: tokenRange, depth: depth)
        case .leftParenthesis:
            guard enter(depth + 1) else {
                return TemplateExpression(kind: .error, range: tokenRange)
            }
            advance()
            let inner = parseExpression(depth: depth + 1)
            guard current.kind == .rightParenthesis else {
                fail(.expectedClosing(")", opening: tokenRange, found: current, at: range(current)))
                _ = skip(to: .rightParenthesis, stopAtComma: false)
                return TemplateExpression(kind: .error, range: range(from: tokenRange.start))
            }
            advance()
            recovering = false
            return TemplateExpression(kind: inner.kind, range: range(from: tokenRange.start))
        default:
            fail(.expectedExpression(found: token, at: tokenRange))
            return TemplateExpression(kind: .error, range: tokenRange)
        }
    }

    /// Parses the arguments of a call, the current token being the `(` after the function's name.
    private mutating func parseCall(_ name: String, nameRange: SourceRange, depth: Int) -> TemplateExpression {
        let opening = range(current)
        guard enter(depth + 1) else {
            return TemplateExpression(kind: .error, range: range(from: nameRange.start))
        }
        advance()
        var arguments: [TemplateExpression] = []
        if current.kind == .rightParenthesis {
            advance()
            recovering = false
        } else {
            while true {
                let argument = parseExpression(depth: depth + 1)
                if current.kind == .comma {
                    advance()
                    recovering = false
                    arguments.append(argument)
                    continue
                }
                if current.kind == .rightParenthesis {
                    advance()
                    recovering = false
                    arguments.append(argument)
                    break
                }
                fail(.expectedArgumentSeparator(opening: opening, found: current, at: range(current)))
                let stoppedAtClosing = skip(to: .rightParenthesis, stopAtComma: true)
                arguments.append(TemplateExpression(kind: .error, range: range(from: argument.range.start)))
                if stoppedAtClosing {
                    break
                }
                guard current.kind == .comma else {
                    return TemplateExpression(kind: .error, range: range(from: nameRange.start))
                }
                advance()
                recovering = false
            }
        }
        return TemplateExpression(
            kind: .call(name, nameRange: nameRange, arguments: arguments),
            range: range(from: nameRange.start)
        )
    }
}

extension Diagnostic {
    fileprivate static func emptyExpression(at range: SourceRange) -> Self {
        .error(.templateSyntax, "expected an expression between '{{' and '}}'", at: range)
    }

    fileprivate static func expectedExpression(found token: TemplateToken, at range: SourceRange) -> Self {
        .error(.templateSyntax, "expected an expression, found \(token.quoted)", at: range)
    }

    fileprivate static func expectedSegmentEnd(found token: TemplateToken, at range: SourceRange) -> Self {
        .error(.templateSyntax, "expected an operator or '}}', found \(token.quoted)", at: range)
    }

    fileprivate static func expectedClosing(
        _ closing: String,
        opening: SourceRange,
        found token: TemplateToken,
        at range: SourceRange
    ) -> Self {
        let open = closing == ")" ? "(" : "["
        return .error(
            .templateSyntax,
            "expected '\(closing)', found \(token.quoted)",
            at: range,
            notes: [Note("to match this '\(open)'", at: opening)]
        )
    }

    fileprivate static func expectedArgumentSeparator(
        opening: SourceRange,
        found token: TemplateToken,
        at range: SourceRange
    ) -> Self {
        .error(
            .templateSyntax,
            "expected ',' or ')' after an argument, found \(token.quoted)",
            at: range,
            notes: [Note("to match this '('", at: opening)]
        )
    }

    fileprivate static func expectedMemberName(found token: TemplateToken, at range: SourceRange) -> Self {
        .error(.templateSyntax, "expected a member name after '.', found \(token.quoted)", at: range)
    }

    fileprivate static func tooDeep(at range: SourceRange) -> Self {
        .error(
            .templateSyntax,
            "expression is nested too deeply (more than \(TemplateParser.maximumDepth) levels)",
            at: range
        )
    }

    fileprivate static func integerTooLarge(_ literal: String, at range: SourceRange) -> Self {
        .error(
            .templateValue,
            "integer literal '\(literal)' does not fit in a 64-bit integer (from \(Int.min) to \(Int.max))",
            at: range
        )
    }
}
