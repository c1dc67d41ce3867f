/// The diagnostics about names, functions and types that both the static ``TemplateChecker`` and
/// the ``TemplateEvaluator`` report, so that a mistake reads the same whether it is found by
/// `seqc check` (types only) or while compiling for a card (values).
enum TemplateMessages {
    /// `message; hint` when there is a hint.
    static func message(_ message: String, _ hint: String?) -> String {
        hint.map { "\(message); \($0)" } ?? message
    }

    /// `bytes`, `bytes or a string`, `an integer, bytes or a string`.
    static func describe(_ types: [TemplateType]) -> String {
        let names = types.map(\.withArticle)
        guard let last = names.last, names.count > 1 else {
            return names.first ?? "nothing"
        }
        return names.dropLast().joined(separator: ", ") + " or " + last
    }

    /// How to turn a value of type `found` into one of `expected`, when the language has a way.
    static func hint(from found: TemplateType, to expected: [TemplateType]) -> String? {
        if expected.contains(.bytes) {
            switch found {
            case .string:
                return "use ascii(), utf8() or hex() to turn a string into bytes"
            case .integer:
                return "use u8(), u16(), u32() or bytes() to turn an integer into bytes"
            default:
                break
            }
        }
        if expected.contains(.string) {
            switch found {
            case .integer:
                return "use str() to turn an integer into a string"
            case .bytes:
                return nil
            default:
                break
            }
        }
        if expected.contains(.integer), found == .bytes {
            return "use int() to read bytes as an unsigned integer"
        }
        switch found {
        case .record(let members):
            return members.keys.sorted().first.map { "pick a member, such as '.\($0)'" }
        case .list:
            return "pick an element, such as '[0]'"
        default:
            return nil
        }
    }

    // MARK: - Names

    /// A name that is neither a field nor a component.
    static func unknownName(_ name: String, among names: some Sequence<String>, at range: SourceRange) -> Diagnostic {
        if TemplateFunctionLibrary.functions[name] != nil {
            return .error(.templateUnknownName, "'\(name)' is a function; call it as '\(name)(…)'", at: range)
        }
        let suggestion = TemplateSuggestion.closest(to: name, among: names)
        return .error(
            .templateUnknownName,
            message("unknown name '\(name)'", suggestion.map { "did you mean '\($0)'?" }),
            at: range
        )
    }

    /// A member a record does not have; the note at `base` lists the members it has.
    static func unknownMember(
        _ name: String,
        members: some Collection<String>,
        base: SourceRange,
        at range: SourceRange
    ) -> Diagnostic {
        let suggestion = TemplateSuggestion.closest(to: name, among: members)
        let list = members.sorted().map { "'\($0)'" }.joined(separator: ", ")
        return .error(
            .templateUnknownName,
            message("no member '\(name)' in this record", suggestion.map { "did you mean '\($0)'?" }),
            at: range,
            notes: [
                Diagnostic.Note(members.isEmpty ? "the record has no members" : "its members are \(list)", at: base)
            ]
        )
    }

    /// `.name` after something that is not a record.
    static func memberOfNonRecord(_ name: String, type: TemplateType, at range: SourceRange) -> Diagnostic {
        .error(
            .templateType,
            "cannot take member '\(name)' of \(type.withArticle); only records have members",
            at: range
        )
    }

    // MARK: - Operators

    /// An index or slice bound that is not an integer.
    static func boundNotInteger(found: TemplateType, at range: SourceRange) -> Diagnostic {
        .error(
            .templateType,
            message("an index must be an integer, found \(found.withArticle)", hint(from: found, to: [.integer])),
            at: range
        )
    }

    /// `[i]` after something other than bytes or a list.
    static func cannotIndex(_ type: TemplateType, at range: SourceRange) -> Diagnostic {
        let advice = type == .string ? "take a slice such as [0:1]" : "only bytes and lists have elements"
        return .error(.templateType, "cannot index \(type.withArticle); \(advice)", at: range)
    }

    /// `[a:b]` after something other than bytes or a string.
    static func cannotSlice(_ type: TemplateType, at range: SourceRange) -> Diagnostic {
        .error(.templateType, "cannot slice \(type.withArticle); only bytes and strings have slices", at: range)
    }

    /// An operand of `+` or `-` that is not an integer.
    static func arithmeticOperand(_ symbol: String, found: TemplateType, at range: SourceRange) -> Diagnostic {
        var advice = hint(from: found, to: [.integer])
        if symbol == "+" && (found == .bytes || found == .string) {
            advice = "use '||' to join \(found == .bytes ? "bytes" : "strings")"
        }
        return .error(
            .templateType,
            message("'\(symbol)' needs integers, found \(found.withArticle)", advice),
            at: range
        )
    }

    /// The first operand of `||` that is neither bytes nor a string.
    static func notConcatenable(_ type: TemplateType, at range: SourceRange) -> Diagnostic {
        .error(
            .templateType,
            message("'||' joins bytes or strings, found \(type.withArticle)", hint(from: type, to: [.bytes])),
            at: range
        )
    }

    /// An operand of `||` whose type differs from the first's.
    static func concatenationMismatch(expected: TemplateType, found: TemplateType, at range: SourceRange) -> Diagnostic
    {
        .error(
            .templateType,
            message(
                "cannot join \(found.withArticle) to \(expected.withArticle)",
                hint(from: found, to: [expected])
            ),
            at: range
        )
    }

    // MARK: - Calls

    /// A call to a function the language does not have.
    static func unknownFunction(_ name: String, isName: Bool, at range: SourceRange) -> Diagnostic {
        if isName {
            return .error(.templateUnknownFunction, "'\(name)' is a field, not a function", at: range)
        }
        let suggestion = TemplateSuggestion.closest(to: name, among: TemplateFunctionLibrary.functions.keys)
        return .error(
            .templateUnknownFunction,
            message("unknown function '\(name)'", suggestion.map { "did you mean '\($0)'?" }),
            at: range
        )
    }

    /// The place to report a wrong argument count: the extra arguments when there are too many,
    /// otherwise the whole call.
    static func argumentCountRange(
        _ function: TemplateFunction,
        arguments: [SourceRange],
        call: SourceRange
    ) -> SourceRange {
        if let maximum = function.maximumCount, arguments.count > maximum, let last = arguments.last {
            return SourceRange(start: arguments[maximum].start, end: last.end)
        }
        return call
    }

    /// A call with too few or too many arguments.
    static func argumentCount(_ function: TemplateFunction, found: Int, at range: SourceRange) -> Diagnostic {
        let minimum = function.minimumCount
        let expected: String
        switch function.maximumCount {
        case nil:
            expected = "at least \(minimum) argument\(minimum == 1 ? "" : "s")"
        case let maximum? where maximum == minimum:
            expected = "\(minimum) argument\(minimum == 1 ? "" : "s")"
        case let maximum?:
            expected = "\(minimum) to \(maximum) arguments"
        }
        return .error(
            .templateArgumentCount,
            "'\(function.name)' takes \(expected), found \(found)",
            at: range,
            notes: [Diagnostic.Note("declared as \(function.signature)")]
        )
    }

    /// An argument of a type its parameter does not accept.
    static func argumentType(
        _ function: TemplateFunction,
        _ parameter: TemplateFunction.Parameter,
        expected: [TemplateType],
        found: TemplateType,
        at range: SourceRange
    ) -> Diagnostic {
        .error(
            .templateType,
            message(
                "'\(parameter.name)' of '\(function.name)' must be \(describe(expected)), found \(found.withArticle)",
                hint(from: found, to: expected)
            ),
            at: range
        )
    }

    // MARK: - Coercion of a whole template string

    /// A segment whose type the place of the scalar does not take.
    static func segmentType(expected: [TemplateType], found: TemplateType, at range: SourceRange) -> Diagnostic {
        .error(
            .templateType,
            message(
                "expected \(describe(expected)) here, found \(found.withArticle)",
                hint(from: found, to: expected)
            ),
            at: range
        )
    }
}
