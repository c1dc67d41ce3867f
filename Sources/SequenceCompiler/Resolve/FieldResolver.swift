import APDUTypes

/// Resolves the document's declared fields against one card's data, checking types and bounds.
enum FieldResolver {
    /// The template type of a declared field.
    static func templateType(of type: FieldType) -> TemplateType {
        switch type {
        case .bytes, .aid: .bytes
        case .integer: .integer
        case .string: .string
        }
    }

    /// The value of every declared field for this card; problems become diagnostics.
    static func resolve(
        _ fields: [FieldDeclaration],
        cardData: CardData,
        cardDataPath: String,
        diagnostics: inout DiagnosticBag
    ) -> [String: TemplateValue] {
        var values: [String: TemplateValue] = [:]
        for field in fields where !field.hasErrors {
            let raw: CardDataValue
            if let value = cardData.value(for: field.source.value) {
                raw = value
            } else if let fallback = field.defaultValue {
                raw = .scalar(fallback.text, fallback.range)
            } else {
                diagnostics.append(
                    .error(
                        .fieldMissingValue,
                        "card data '\(cardDataPath)' has no value for field '\(field.name.value)' (from '\(field.source.value.text)')",
                        at: field.name.range
                    )
                )
                continue
            }
            if let value = convert(raw, to: field, diagnostics: &diagnostics) {
                values[field.name.value] = value
            }
        }
        return values
    }

    private static func convert(
        _ raw: CardDataValue,
        to field: FieldDeclaration,
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        let name = field.name.value
        let declared = Diagnostic.Note("field '\(name)' is declared here", at: field.name.range)
        func fail(_ message: String) -> TemplateValue? {
            guard field.isSecret else {
                diagnostics.append(.error(.fieldValue, message, at: raw.range ?? field.name.range, notes: [declared]))
                return nil
            }
            // A secret's card-data line is never shown: point at the declaration and name the place.
            let place = raw.range.map { " (card data \($0.start))" } ?? ""
            diagnostics.append(.error(.fieldValue, message + place, at: field.name.range))
            return nil
        }
        /// The value as a message may quote it: never for secret fields.
        func quoted(_ text: String) -> String {
            field.isSecret ? "(secret, not shown)" : "'\(text)'"
        }
        let text: String
        switch raw {
        case .bytes(let bytes, _):
            switch field.type {
            case .bytes(let length):
                return length.contains(bytes.count)
                    ? .bytes(bytes)
                    : fail("value of field '\(name)' is \(bytes.count) bytes long; expected \(describe(length)) bytes")
            case .aid:
                return (5...16).contains(bytes.count)
                    ? .bytes(bytes) : fail("value of field '\(name)' is not an AID (5 to 16 bytes)")
            case .integer:
                return bytes.count <= 7
                    ? .integer(bytes.reduce(0) { $0 << 8 | Int($1) })
                    : fail("value of field '\(name)' is too long for an integer")
            case .string:
                return fail("value of field '\(name)' is bytes; expected a string")
            }
        case .scalar(let scalar, _):
            text = scalar
        case .mapping, .list:
            return fail(
                "value of field '\(name)' is a \(raw.isMapping ? "mapping" : "list"); expected a single \(field.type.name)"
            )
        }
        switch field.type {
        case .bytes(let length):
            guard let bytes = Hex.bytes(text) else {
                return fail("value of field '\(name)' is not hex bytes: \(quoted(text))")
            }
            guard length.contains(bytes.count) else {
                return fail("value of field '\(name)' is \(bytes.count) bytes long; expected \(describe(length)) bytes")
            }
            return .bytes(bytes)
        case .aid:
            guard let bytes = Hex.bytes(text) else {
                return fail("value of field '\(name)' is not hex bytes: \(quoted(text))")
            }
            guard (5...16).contains(bytes.count) else {
                return fail("value of field '\(name)' is \(bytes.count) bytes long; an AID is 5 to 16 bytes")
            }
            return .bytes(bytes)
        case .integer(let range):
            guard let number = MappingReader.parseInteger(text) else {
                return fail("value of field '\(name)' is not an integer: \(quoted(text))")
            }
            guard range.contains(number) else {
                return fail(
                    "value of field '\(name)' is \(field.isSecret ? "out of range" : String(number)); expected \(range.lowerBound) to \(range.upperBound)"
                )
            }
            return .integer(number)
        case .string(let length):
            guard length.contains(text.utf8.count) else {
                return fail(
                    "value of field '\(name)' is \(text.utf8.count) bytes of UTF-8; expected \(describe(length))"
                )
            }
            return .string(text)
        }
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
    }
}

extension CardDataValue {
    fileprivate var isMapping: Bool {
        if case .mapping = self { return true }
        return false
    }
}
