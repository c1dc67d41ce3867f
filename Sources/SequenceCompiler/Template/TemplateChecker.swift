/// Finds the static type of template expressions, reporting every name, function, arity and type problem.
///
/// A `nil` type stands for an expression that already has a reported problem: it is accepted
/// everywhere and makes its parent `nil` too, so that one mistake is reported once and not again
/// at every enclosing operator, call and coercion.
///
/// The checker is sound for the ``TemplateEvaluator``: when it reports nothing, evaluating with values
/// of the scope's types can only report value problems (`template.invalid-value`), and the value has
/// the type the checker found.
struct TemplateChecker {
    /// The names an expression may refer to, with their types.
    var scope: [String: TemplateType]

    /// The type of `expression`, or `nil` after reporting a problem in it.
    func type(of expression: TemplateExpression, diagnostics: inout DiagnosticBag) -> TemplateType? {
        switch expression.kind {
        case .integer:
            return .integer
        case .bytes:
            return .bytes
        case .string:
            return .string
        case .error:
            return nil
        case .name(let name):
            if let type = scope[name] {
                return type
            }
            diagnostics.append(TemplateMessages.unknownName(name, among: scope.keys, at: expression.range))
            return nil
        case .member(let base, let name, let nameRange):
            return memberType(of: base, name: name, nameRange: nameRange, diagnostics: &diagnostics)
        case .index(let base, let index):
            return indexType(of: base, index: index, diagnostics: &diagnostics)
        case .slice(let base, let start, let end):
            return sliceType(of: base, bounds: [start, end].compactMap(\.self), diagnostics: &diagnostics)
        case .negate(let operand):
            let operandType = type(of: operand, diagnostics: &diagnostics)
            guard let operandType else {
                return nil
            }
            guard operandType == .integer else {
                diagnostics.append(TemplateMessages.arithmeticOperand("-", found: operandType, at: operand.range))
                return nil
            }
            return .integer
        case .sum(let first, let terms):
            var valid = true
            let operands = [(first, terms.first?.operation ?? .add)] + terms.map { ($0.operand, $0.operation) }
            for (operand, operation) in operands {
                guard let operandType = type(of: operand, diagnostics: &diagnostics) else {
                    valid = false
                    continue
                }
                if operandType != .integer {
                    diagnostics.append(
                        TemplateMessages.arithmeticOperand(
                            operation == .add ? "+" : "-",
                            found: operandType,
                            at: operand.range
                        )
                    )
                    valid = false
                }
            }
            return valid ? .integer : nil
        case .concatenation(let operands):
            return concatenationType(operands, diagnostics: &diagnostics)
        case .call(let name, let nameRange, let arguments):
            return callType(
                name,
                nameRange: nameRange,
                arguments: arguments,
                range: expression.range,
                diagnostics: &diagnostics
            )
        }
    }

    private func memberType(
        of base: TemplateExpression,
        name: String,
        nameRange: SourceRange,
        diagnostics: inout DiagnosticBag
    ) -> TemplateType? {
        guard let baseType = type(of: base, diagnostics: &diagnostics) else {
            return nil
        }
        guard case .record(let members) = baseType else {
            diagnostics.append(TemplateMessages.memberOfNonRecord(name, type: baseType, at: nameRange))
            return nil
        }
        guard let memberType = members[name] else {
            diagnostics.append(
                TemplateMessages.unknownMember(name, members: members.keys, base: base.range, at: nameRange)
            )
            return nil
        }
        return memberType
    }

    private func indexType(
        of base: TemplateExpression,
        index: TemplateExpression,
        diagnostics: inout DiagnosticBag
    ) -> TemplateType? {
        let baseType = type(of: base, diagnostics: &diagnostics)
        let indexType = type(of: index, diagnostics: &diagnostics)
        var valid = indexType != nil
        if let indexType, indexType != .integer {
            diagnostics.append(TemplateMessages.boundNotInteger(found: indexType, at: index.range))
            valid = false
        }
        switch baseType {
        case nil:
            return nil
        case .bytes?:
            return valid ? .integer : nil
        case .list(let element)?:
            return valid ? element : nil
        case let other?:
            diagnostics.append(TemplateMessages.cannotIndex(other, at: base.range))
            return nil
        }
    }

    private func sliceType(
        of base: TemplateExpression,
        bounds: [TemplateExpression],
        diagnostics: inout DiagnosticBag
    ) -> TemplateType? {
        let baseType = type(of: base, diagnostics: &diagnostics)
        var valid = true
        for bound in bounds {
            guard let boundType = type(of: bound, diagnostics: &diagnostics) else {
                valid = false
                continue
            }
            if boundType != .integer {
                diagnostics.append(TemplateMessages.boundNotInteger(found: boundType, at: bound.range))
                valid = false
            }
        }
        switch baseType {
        case nil:
            return nil
        case .bytes?, .string?:
            return valid ? baseType : nil
        case let other?:
            diagnostics.append(TemplateMessages.cannotSlice(other, at: base.range))
            return nil
        }
    }

    private func concatenationType(
        _ operands: [TemplateExpression],
        diagnostics: inout DiagnosticBag
    ) -> TemplateType? {
        var valid = true
        var joined: TemplateType?
        var joinsNothing = false
        for operand in operands {
            guard let operandType = type(of: operand, diagnostics: &diagnostics) else {
                valid = false
                continue
            }
            if joinsNothing {
                continue
            }
            guard let expected = joined else {
                if operandType == .bytes || operandType == .string {
                    joined = operandType
                } else {
                    // The first operand decides what is joined; when it cannot be, the others are not judged.
                    diagnostics.append(TemplateMessages.notConcatenable(operandType, at: operand.range))
                    valid = false
                    joinsNothing = true
                }
                continue
            }
            if operandType != expected {
                diagnostics.append(
                    TemplateMessages.concatenationMismatch(expected: expected, found: operandType, at: operand.range)
                )
                valid = false
            }
        }
        return valid ? joined : nil
    }

    private func callType(
        _ name: String,
        nameRange: SourceRange,
        arguments: [TemplateExpression],
        range: SourceRange,
        diagnostics: inout DiagnosticBag
    ) -> TemplateType? {
        let argumentTypes = arguments.map { type(of: $0, diagnostics: &diagnostics) }
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
        for (index, argumentType) in argumentTypes.enumerated() {
            guard let argumentType, let parameter = function.parameter(at: index) else {
                valid = false
                continue
            }
            switch parameter.accepts {
            case .types(let types):
                if !types.contains(argumentType) {
                    diagnostics.append(
                        TemplateMessages.argumentType(
                            function,
                            parameter,
                            expected: types,
                            found: argumentType,
                            at: arguments[index].range
                        )
                    )
                    valid = false
                }
            case .sameAsFirst:
                guard let first = argumentTypes.first ?? nil else {
                    valid = false
                    continue
                }
                if argumentType != first {
                    diagnostics.append(
                        TemplateMessages.argumentType(
                            function,
                            parameter,
                            expected: [first],
                            found: argumentType,
                            at: arguments[index].range
                        )
                    )
                    valid = false
                }
            }
        }
        guard valid else {
            return nil
        }
        switch function.result {
        case .type(let type):
            return type
        case .sameAsFirst:
            return argumentTypes.first ?? nil
        }
    }
}
