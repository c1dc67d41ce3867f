/// Resolves the template values of steps to bytes, integers and strings for one card.
///
/// In check mode (no card data) a value that references a card field is only type-checked and
/// resolves to `nil`; values made of literals and component facts are fully evaluated, so their
/// mistakes (an AID of the wrong length, bad hex) are found without any card.
struct ValueResolver {
    /// The types of every name templates may use: fields and components.
    let types: [String: TemplateType]
    /// The values of every name, or only of components in check mode.
    let values: [String: TemplateValue]
    /// The names of card fields (as opposed to components).
    let fieldNames: Set<String>
    /// The names of secret fields.
    let secretFields: Set<String>
    /// Whether field values are known (compile) or not (check).
    let knowsFields: Bool

    /// A resolved value and whether it derives from a secret field.
    struct Resolved<Value> {
        var value: Value
        var isSecret: Bool
        var range: SourceRange
    }

    private func resolve(
        _ scalar: ScalarValue,
        as type: TemplateType,
        diagnostics: inout DiagnosticBag
    ) -> Resolved<TemplateValue>? {
        let template = TemplateString.parse(scalar.text, at: scalar.contentStart, diagnostics: &diagnostics)
        let names = Set(template.references.map(\.name))
        let isSecret = !names.isDisjoint(with: secretFields)
        if !knowsFields && !names.isDisjoint(with: fieldNames) {
            template.check(as: type, scope: types, diagnostics: &diagnostics)
            return nil
        }
        guard let value = template.evaluate(as: type, scope: values, diagnostics: &diagnostics) else {
            return nil
        }
        return Resolved(value: value, isSecret: isSecret, range: scalar.range)
    }

    /// Resolves a bytes value.
    func bytes(_ scalar: ScalarValue, diagnostics: inout DiagnosticBag) -> Resolved<[UInt8]>? {
        guard let resolved = resolve(scalar, as: .bytes, diagnostics: &diagnostics),
            case .bytes(let bytes) = resolved.value
        else { return nil }
        return Resolved(value: bytes, isSecret: resolved.isSecret, range: resolved.range)
    }

    /// Resolves an integer value.
    func integer(_ scalar: ScalarValue, diagnostics: inout DiagnosticBag) -> Resolved<Int>? {
        guard let resolved = resolve(scalar, as: .integer, diagnostics: &diagnostics),
            case .integer(let number) = resolved.value
        else { return nil }
        return Resolved(value: number, isSecret: resolved.isSecret, range: resolved.range)
    }

    /// Resolves an integer and checks it lies in `range`, reporting `value.out-of-range` otherwise.
    func integer(
        _ scalar: ScalarValue,
        in range: ClosedRange<Int>,
        what: String,
        diagnostics: inout DiagnosticBag
    ) -> Int? {
        guard let resolved = integer(scalar, diagnostics: &diagnostics) else { return nil }
        guard range.contains(resolved.value) else {
            diagnostics.append(
                .error(
                    .valueRange,
                    "\(what) is \(resolved.value); it must be \(range.lowerBound) to \(range.upperBound)",
                    at: scalar.range
                )
            )
            return nil
        }
        return resolved.value
    }

    /// Resolves bytes and checks the length lies in `lengths`, reporting `value.wrong-length` otherwise.
    func bytes(
        _ scalar: ScalarValue,
        length lengths: ClosedRange<Int>,
        what: String,
        diagnostics: inout DiagnosticBag
    ) -> Resolved<[UInt8]>? {
        guard let resolved = bytes(scalar, diagnostics: &diagnostics) else { return nil }
        guard lengths.contains(resolved.value.count) else {
            let expected =
                lengths.lowerBound == lengths.upperBound
                ? "\(lengths.lowerBound)" : "\(lengths.lowerBound) to \(lengths.upperBound)"
            diagnostics.append(
                .error(
                    .valueLength,
                    "\(what) is \(resolved.value.count) bytes long; expected \(expected)",
                    at: scalar.range
                )
            )
            return nil
        }
        return resolved
    }

    /// Resolves an AID and checks it is 5 to 16 bytes, reporting `value.aid-length` otherwise.
    func aid(_ scalar: ScalarValue, what: String, diagnostics: inout DiagnosticBag) -> [UInt8]? {
        guard let resolved = bytes(scalar, diagnostics: &diagnostics) else { return nil }
        guard (5...16).contains(resolved.value.count) else {
            diagnostics.append(
                .error(
                    .aidLength,
                    "\(what) is \(resolved.value.count) bytes long; an AID is 5 to 16 bytes",
                    at: scalar.range
                )
            )
            return nil
        }
        return resolved.value
    }
}
