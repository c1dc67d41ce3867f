/// Finds declared fields that no template of the document uses.
enum UnusedFields {
    /// Every scalar value inside the steps, found by reflection so that new step kinds are covered without change.
    static func scalars(in value: Any) -> [ScalarValue] {
        if let scalar = value as? ScalarValue {
            return [scalar]
        }
        var result: [ScalarValue] = []
        for child in Mirror(reflecting: value).children {
            result += scalars(in: child.value)
        }
        return result
    }

    /// Warns with `field.unused` about each declared field that no step's template references.
    static func check(_ document: SequenceDocument, diagnostics: inout DiagnosticBag) {
        guard !document.fields.isEmpty else { return }
        var used: Set<String> = []
        var scratch = DiagnosticBag()
        for step in document.steps {
            for scalar in scalars(in: step.action) where scalar.text.contains("{{") {
                let template = TemplateString.parse(scalar.text, at: scalar.contentStart, diagnostics: &scratch)
                used.formUnion(template.references.map(\.name))
            }
        }
        for field in document.fields where !used.contains(field.name.value) {
            diagnostics.append(
                .warning(
                    .fieldUnused,
                    "field '\(field.name.value)' is declared but no step uses it",
                    at: field.name.range
                )
            )
        }
    }
}
