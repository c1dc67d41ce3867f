/// Reads one YAML mapping of the language: known keys, required keys, typed values.
///
/// Unknown keys are reported when the reader is finished, with a suggestion from the keys allowed
/// here, so an author sees every misspelling in one run.
struct MappingReader {
    let node: YAMLNode
    let allowed: [String]
    /// Where "missing key" errors point: the key that introduces this mapping, when there is one.
    let anchor: SourceRange
    /// How many keys were rejected as unknown.
    private(set) var unknownKeyCount = 0
    private var values: [String: (key: YAMLNode, value: YAMLNode)] = [:]
    private var order: [String] = []

    /// Creates a reader, or reports `parse.wrong-type` and returns `nil` when the node is not a mapping.
    init?(
        _ node: YAMLNode,
        allowed: [String],
        what: String,
        anchor: SourceRange? = nil,
        diagnostics: inout DiagnosticBag
    ) {
        guard let pairs = node.mappingPairs else {
            diagnostics.append(
                .error(.wrongType, "expected a mapping for \(what), found \(node.kindName)", at: node.range)
            )
            return nil
        }
        self.node = node
        self.allowed = allowed
        self.anchor = anchor ?? node.range
        for pair in pairs {
            guard let key = pair.key.scalarString else {
                diagnostics.append(
                    .error(
                        .wrongType,
                        "expected a plain key in \(what), found \(pair.key.kindName)",
                        at: pair.key.range
                    )
                )
                continue
            }
            if !allowed.contains(key) {
                unknownKeyCount += 1
                diagnostics.append(
                    .error(
                        .unknownKey,
                        "unknown key '\(key)' in \(what)\(Suggestions.hint(for: key, in: allowed))",
                        at: pair.key.range
                    )
                )
                continue
            }
            values[key] = pair
            order.append(key)
        }
    }

    /// The keys present that the language allows here, in source order.
    var presentKeys: [String] { order }

    /// Whether the key is present.
    func has(_ key: String) -> Bool { values[key] != nil }

    /// The value node of a key.
    func value(_ key: String) -> YAMLNode? { values[key]?.value }

    /// The key node of a key, for pointing at it.
    func keyNode(_ key: String) -> YAMLNode? { values[key]?.key }

    /// The value of a required key, or reports `parse.missing-key` at the mapping.
    func required(_ key: String, in what: String, diagnostics: inout DiagnosticBag) -> YAMLNode? {
        if let value = values[key]?.value {
            return value
        }
        diagnostics.append(.error(.missingKey, "missing key '\(key)' in \(what)", at: anchor))
        return nil
    }

    /// A scalar value, or `nil` with `parse.wrong-type` when the node is a mapping or list.
    func scalar(_ key: String, diagnostics: inout DiagnosticBag) -> ScalarValue? {
        guard let value = values[key]?.value else { return nil }
        return Self.scalar(value, what: "'\(key)'", diagnostics: &diagnostics)
    }

    /// A required scalar value.
    func requiredScalar(_ key: String, in what: String, diagnostics: inout DiagnosticBag) -> ScalarValue? {
        guard let value = required(key, in: what, diagnostics: &diagnostics) else { return nil }
        return Self.scalar(value, what: "'\(key)'", diagnostics: &diagnostics)
    }

    static func scalar(_ node: YAMLNode, what: String, diagnostics: inout DiagnosticBag) -> ScalarValue? {
        if node.isNull {
            diagnostics.append(
                .error(
                    .wrongType,
                    "expected a value for \(what), found nothing (write \"\" for an empty value)",
                    at: node.range
                )
            )
            return nil
        }
        guard let scalar = node.scalarValue else {
            diagnostics.append(
                .error(.wrongType, "expected a value for \(what), found \(node.kindName)", at: node.range)
            )
            return nil
        }
        return scalar
    }

    /// A plain string value.
    func string(_ key: String, diagnostics: inout DiagnosticBag) -> Located<String>? {
        scalar(key, diagnostics: &diagnostics).map { Located($0.text, at: $0.range) }
    }

    /// A boolean (`true`/`false`, YAML 1.1 `yes`/`no` too), or `defaultValue` when absent.
    func bool(_ key: String, default defaultValue: Bool, diagnostics: inout DiagnosticBag) -> Bool {
        guard let value = values[key]?.value else { return defaultValue }
        guard let scalar = value.scalarValue else {
            diagnostics.append(
                .error(.wrongType, "expected true or false for '\(key)', found \(value.kindName)", at: value.range)
            )
            return defaultValue
        }
        switch scalar.text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            diagnostics.append(
                .error(.wrongType, "expected true or false for '\(key)', found '\(scalar.text)'", at: scalar.range)
            )
            return defaultValue
        }
    }

    /// A non-negative integer literal (decimal or `0x` hex), without templates.
    func integer(_ key: String, diagnostics: inout DiagnosticBag) -> Located<Int>? {
        guard let scalar = scalar(key, diagnostics: &diagnostics) else { return nil }
        guard let number = Self.parseInteger(scalar.text) else {
            diagnostics.append(
                .error(.wrongType, "expected an integer for '\(key)', found '\(scalar.text)'", at: scalar.range)
            )
            return nil
        }
        return Located(number, at: scalar.range)
    }

    /// A name from a fixed set, reported with a suggestion when it is not one of them.
    func name<Name: RawRepresentable & CaseIterable & Hashable & Sendable>(
        _ key: String,
        as type: Name.Type,
        diagnostics: inout DiagnosticBag
    ) -> Located<Name>? where Name.RawValue == String {
        guard let scalar = scalar(key, diagnostics: &diagnostics) else { return nil }
        return Self.name(scalar, as: type, what: "'\(key)'", diagnostics: &diagnostics)
    }

    static func name<Name: RawRepresentable & CaseIterable & Hashable & Sendable>(
        _ scalar: ScalarValue,
        as type: Name.Type,
        what: String,
        diagnostics: inout DiagnosticBag
    ) -> Located<Name>? where Name.RawValue == String {
        if let value = Name(rawValue: scalar.text) {
            return Located(value, at: scalar.range)
        }
        let names = Name.allCases.map(\.rawValue)
        let hint =
            Suggestions.closest(to: scalar.text, in: names).map { "; did you mean '\($0)'?" }
            ?? "; expected one of \(names.map { "'\($0)'" }.joined(separator: ", "))"
        diagnostics.append(.error(.unknownValue, "unknown value '\(scalar.text)' for \(what)\(hint)", at: scalar.range))
        return nil
    }

    /// Decimal, or hex with a `0x` prefix; `nil` otherwise.
    static func parseInteger(_ text: String) -> Int? {
        let trimmed = text.trimmingSpaces
        if trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X") {
            return Int(trimmed.dropFirst(2), radix: 16)
        }
        return Int(trimmed, radix: 10)
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
