/// Computes the value of a template expression from the values of the names in its scope.
///
/// The evaluator follows the same rules as the ``TemplateChecker``, in the same order and with the
/// same messages, applied to the types of the values it meets; so it needs no separate static pass,
/// and an empty list (whose element type no value shows) is simply a list with no element to take.
/// When the checker accepted an expression for the types of the scope's values, the only problems
/// the evaluator can find are value problems (`template.invalid-value`): an index out of range, an
/// integer overflow, a value a function cannot encode. A `nil` value stands for a reported problem
/// and makes its parent `nil` without further messages.
struct TemplateEvaluator {
    /// The names an expression may refer to, with their values.
    var scope: [String: TemplateValue]

    /// The value of `expression`, or `nil` after reporting why it has none.
    func value(of expression: TemplateExpression, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        switch expression.kind {
        case .integer(let value):
            return .integer(value)
        case .bytes(let value):
            return .bytes(value)
        case .string(let value):
            return .string(value)
        case .error:
            return nil
        case .name(let name):
            guard let value = scope[name] else {
                diagnostics.append(TemplateMessages.unknownName(name, among: scope.keys, at: expression.range))
                return nil
            }
            return value
        case .member(let base, let name, let nameRange):
            return member(of: base, name: name, nameRange: nameRange, diagnostics: &diagnostics)
        case .index(let base, let index):
            return element(of: base, index: index, diagnostics: &diagnostics)
        case .slice(let base, let start, let end):
            return slice(of: base, start: start, end: end, range: expression.range, diagnostics: &diagnostics)
        case .negate(let operand):
            guard let operandValue = value(of: operand, diagnostics: &diagnostics) else {
                return nil
            }
            guard case .integer(let number) = operandValue else {
                diagnostics.append(TemplateMessages.arithmeticOperand("-", found: operandValue.type, at: operand.range))
                return nil
            }
            let (negated, overflow) = Int(0).subtractingReportingOverflow(number)
            guard !overflow else {
                diagnostics.append(.overflow("-(\(number))", at: expression.range))
                return nil
            }
            return .integer(negated)
        case .sum(let first, let terms):
            return sum(first, terms, diagnostics: &diagnostics)
        case .concatenation(let operands):
            return concatenation(operands, range: expression.range, diagnostics: &diagnostics)
        case .call(let name, let nameRange, let arguments):
            return call(
                name,
                nameRange: nameRange,
                arguments: arguments,
                range: expression.range,
                diagnostics: &diagnostics
            )
        }
    }

    private func member(
        of base: TemplateExpression,
        name: String,
        nameRange: SourceRange,
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        guard let baseValue = value(of: base, diagnostics: &diagnostics) else {
            return nil
        }
        guard case .record(let members) = baseValue else {
            diagnostics.append(TemplateMessages.memberOfNonRecord(name, type: baseValue.type, at: nameRange))
            return nil
        }
        guard let member = members[name] else {
            diagnostics.append(
                TemplateMessages.unknownMember(name, members: members.keys, base: base.range, at: nameRange)
            )
            return nil
        }
        return member
    }

    /// The value of an index or slice bound: an integer, or `nil` (reported or absorbed).
    private func bound(_ expression: TemplateExpression, diagnostics: inout DiagnosticBag) -> Int? {
        guard let boundValue = value(of: expression, diagnostics: &diagnostics) else {
            return nil
        }
        guard case .integer(let number) = boundValue else {
            diagnostics.append(TemplateMessages.boundNotInteger(found: boundValue.type, at: expression.range))
            return nil
        }
        return number
    }

    private func element(
        of base: TemplateExpression,
        index: TemplateExpression,
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        let baseValue = value(of: base, diagnostics: &diagnostics)
        let position = bound(index, diagnostics: &diagnostics)
        guard let baseValue else {
            return nil
        }
        let count: Int
        let unit: String
        switch baseValue {
        case .bytes(let bytes):
            count = bytes.count
            unit = "bytes"
        case .list(let elements):
            count = elements.count
            unit = "elements"
        default:
            diagnostics.append(TemplateMessages.cannotIndex(baseValue.type, at: base.range))
            return nil
        }
        guard let position else {
            return nil
        }
        let resolved = position < 0 ? count + position : position
        guard resolved >= 0, resolved < count else {
            diagnostics.append(.indexOutOfRange(position, count: count, unit: unit, at: index.range))
            return nil
        }
        switch baseValue {
        case .bytes(let bytes):
            return .integer(Int(bytes[resolved]))
        case .list(let elements):
            return elements[resolved]
        default:
            return nil
        }
    }

    private func slice(
        of base: TemplateExpression,
        start: TemplateExpression?,
        end: TemplateExpression?,
        range: SourceRange,
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        let baseValue = value(of: base, diagnostics: &diagnostics)
        var valid = true
        var lower: Int?
        var upper: Int?
        if let start {
            lower = bound(start, diagnostics: &diagnostics)
            valid = valid && lower != nil
        }
        if let end {
            upper = bound(end, diagnostics: &diagnostics)
            valid = valid && upper != nil
        }
        guard let baseValue else {
            return nil
        }
        let count: Int
        let unit: String
        switch baseValue {
        case .bytes(let bytes):
            count = bytes.count
            unit = "bytes"
        case .string(let text):
            count = text.utf8.count
            unit = "bytes of UTF-8"
        default:
            diagnostics.append(TemplateMessages.cannotSlice(baseValue.type, at: base.range))
            return nil
        }
        guard valid else {
            return nil
        }
        let from = lower.map { $0 < 0 ? count + $0 : $0 } ?? 0
        let to = upper.map { $0 < 0 ? count + $0 : $0 } ?? count
        guard from >= 0, from <= count else {
            diagnostics.append(.boundOutOfRange(lower ?? 0, count: count, unit: unit, at: start?.range ?? range))
            return nil
        }
        guard to >= 0, to <= count else {
            diagnostics.append(.boundOutOfRange(upper ?? count, count: count, unit: unit, at: end?.range ?? range))
            return nil
        }
        guard from <= to else {
            diagnostics.append(.reversedSlice(from: from, to: to, at: range))
            return nil
        }
        switch baseValue {
        case .bytes(let bytes):
            return .bytes(Array(bytes[from..<to]))
        case .string(let text):
            return Self.substring(Array(text.utf8), from..<to, at: range, diagnostics: &diagnostics)
        default:
            return nil
        }
    }

    /// The string of the UTF-8 bytes in `bounds`, or `nil` (reported) when a bound cuts a character.
    static func substring(
        _ utf8: [UInt8],
        _ bounds: Range<Int>,
        at range: SourceRange,
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        for bound in [bounds.lowerBound, bounds.upperBound] where bound < utf8.count && utf8[bound] & 0xC0 == 0x80 {
            diagnostics.append(.cutCharacter(at: bound, range: range))
            return nil
        }
        return .string(String(decoding: utf8[bounds], as: UTF8.self))
    }

    private func sum(
        _ first: TemplateExpression,
        _ terms: [TemplateExpression.Term],
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        let operands = [(first, terms.first?.operation ?? .add)] + terms.map { ($0.operand, $0.operation) }
        var numbers: [Int] = []
        for (operand, operation) in operands {
            guard let operandValue = value(of: operand, diagnostics: &diagnostics) else {
                continue
            }
            guard case .integer(let number) = operandValue else {
                let symbol = operation == .add ? "+" : "-"
                diagnostics.append(
                    TemplateMessages.arithmeticOperand(symbol, found: operandValue.type, at: operand.range)
                )
                continue
            }
            numbers.append(number)
        }
        guard numbers.count == operands.count, var total = numbers.first else {
            return nil
        }
        for (term, number) in zip(terms, numbers.dropFirst()) {
            let (result, overflow) =
                term.operation == .add
                ? total.addingReportingOverflow(number) : total.subtractingReportingOverflow(number)
            guard !overflow else {
                let symbol = term.operation == .add ? "+" : "-"
                let place = SourceRange(start: first.range.start, end: term.operand.range.end)
                diagnostics.append(.overflow("\(total) \(symbol) \(number)", at: place))
                return nil
            }
            total = result
        }
        return .integer(total)
    }

    private func concatenation(
        _ operands: [TemplateExpression],
        range: SourceRange,
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        var valid = true
        var joined: TemplateType?
        var joinsNothing = false
        var bytes: [UInt8] = []
        var text = ""
        var length = 0
        func append(_ part: TemplateValue) {
            guard valid else {
                return
            }
            switch part {
            case .bytes(let piece):
                length += piece.count
                if length <= TemplateFunctionLibrary.maximumLength {
                    bytes += piece
                }
            case .string(let piece):
                length += piece.utf8.count
                if length <= TemplateFunctionLibrary.maximumLength {
                    text += piece
                }
            default:
                break
            }
        }

        for operand in operands {
            guard let part = value(of: operand, diagnostics: &diagnostics) else {
                valid = false
                continue
            }
            if joinsNothing {
                continue
            }
            guard let expected = joined else {
                if part.type == .bytes || part.type == .string {
                    joined = part.type
                } else {
                    diagnostics.append(TemplateMessages.notConcatenable(part.type, at: operand.range))
                    valid = false
                    joinsNothing = true
                    continue
                }
                append(part)
                continue
            }
            guard part.type == expected else {
                diagnostics.append(
                    TemplateMessages.concatenationMismatch(expected: expected, found: part.type, at: operand.range)
                )
                valid = false
                continue
            }
            append(part)
        }

        guard valid, let joined else {
            return nil
        }
        guard length <= TemplateFunctionLibrary.maximumLength else {
            diagnostics.append(TemplateFunctionLibrary.tooLong(length, at: range))
            return nil
        }
        return joined == .string ? .string(text) : .bytes(bytes)
    }

    private func call(
        _ name: String,
        nameRange: SourceRange,
        arguments: [TemplateExpression],
        range: SourceRange,
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        let values = arguments.map { value(of: $0, diagnostics: &diagnostics) }
        guard let function = TemplateFunctionLibrary.functions[name] else {
            diagnostics.append(TemplateMessages.unknownFunction(name, isName: scope[name] != nil, at: nameRange))
            return nil
        }
        let count = arguments.count
        if count < function.minimumCount || count > (function.maximumCount ?? Int.max) {
            let place = TemplateMessages.argumentCountRange(function, arguments: arguments.map(\.range), call: range)
            diagnostics.append(TemplateMessages.argumentCount(function, found: count, at: place))
            return nil
        }
        var valid = true
        var checked: [TemplateValue] = []
        for (index, argument) in values.enumerated() {
            guard let argument, let parameter = function.parameter(at: index) else {
                valid = false
                continue
            }
            switch parameter.accepts {
            case .types(let types):
                if !types.contains(where: { argument.conforms(to: $0) }) {
                    diagnostics.append(
                        TemplateMessages.argumentType(
                            function,
                            parameter,
                            expected: types,
                            found: argument.type,
                            at: arguments[index].range
                        )
                    )
                    valid = false
                }
            case .sameAsFirst:
                guard let first = values.first ?? nil else {
                    valid = false
                    continue
                }
                if !argument.conforms(to: first.type) {
                    diagnostics.append(
                        TemplateMessages.argumentType(
                            function,
                            parameter,
                            expected: [first.type],
                            found: argument.type,
                            at: arguments[index].range
                        )
                    )
                    valid = false
                }
            }
            checked.append(argument)
        }
        guard valid else {
            return nil
        }
        let call = TemplateFunction.Call(
            name: name,
            range: range,
            arguments: checked,
            argumentRanges: arguments.map(\.range)
        )
        return function.implementation(call, &diagnostics)
    }
}

extension Diagnostic {
    fileprivate static func overflow(_ operation: String, at range: SourceRange) -> Self {
        .error(.templateValue, "\(operation) overflows a 64-bit integer", at: range)
    }

    fileprivate static func indexOutOfRange(_ index: Int, count: Int, unit: String, at range: SourceRange) -> Self {
        .error(.templateValue, "index \(index) is out of range for a value of \(count) \(unit)", at: range)
    }

    fileprivate static func boundOutOfRange(_ bound: Int, count: Int, unit: String, at range: SourceRange) -> Self {
        .error(.templateValue, "slice bound \(bound) is out of range for a value of \(count) \(unit)", at: range)
    }

    fileprivate static func reversedSlice(from: Int, to: Int, at range: SourceRange) -> Self {
        .error(.templateValue, "the slice starts at \(from), after its end at \(to)", at: range)
    }

    fileprivate static func cutCharacter(at offset: Int, range: SourceRange) -> Self {
        .error(.templateValue, "the slice cuts a character in two at UTF-8 byte \(offset)", at: range)
    }
}
