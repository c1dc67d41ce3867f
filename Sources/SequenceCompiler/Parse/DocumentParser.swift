/// The parse stage: YAML text to a ``SequenceDocument``, includes expanded.
///
/// Every author mistake becomes a diagnostic; parsing goes on past each one so that all of them
/// are reported in one run.
struct DocumentParser {
    let loader: any ResourceLoader
    private(set) var includedSources: [SourceFile] = []
    private var includeStack: [String] = []

    init(loader: any ResourceLoader) {
        self.loader = loader
    }

    /// Parses a sequence document; returns `nil` only when the text is not a YAML mapping at all.
    mutating func parse(_ source: SourceFile, diagnostics: inout DiagnosticBag) -> SequenceDocument? {
        guard let root = YAMLLoader.compose(source, diagnostics: &diagnostics),
            let top = MappingReader(
                root,
                allowed: DocumentKeys.document,
                what: "the document",
                diagnostics: &diagnostics
            )
        else {
            return nil
        }
        includeStack = [InMemoryResourceLoader.normalize(source.path)]
        let unnamed = Located("", at: root.range)
        let name =
            top.requiredScalar("name", in: "the document", diagnostics: &diagnostics)
            .map { Located($0.text, at: $0.range) } ?? unnamed
        let version =
            top.requiredScalar("version", in: "the document", diagnostics: &diagnostics)
            .map { Located($0.text, at: $0.range) } ?? unnamed
        let summary = top.scalar("description", diagnostics: &diagnostics)?.text
        let profiles = parseProfiles(
            top.required("profiles", in: "the document", diagnostics: &diagnostics),
            &diagnostics
        )
        let fields = top.value("fields").map { parseFields($0, &diagnostics) } ?? []
        let components = top.value("components").map { parseComponents($0, &diagnostics) } ?? []
        var steps: [Step] = []
        if let stepsNode = top.required("steps", in: "the document", diagnostics: &diagnostics) {
            steps = parseSteps(stepsNode, &diagnostics)
        }
        return SequenceDocument(
            source: source,
            name: name,
            version: version,
            summary: summary,
            profiles: profiles,
            fields: fields,
            components: components,
            steps: steps,
            includedSources: includedSources
        )
    }

    // MARK: Profiles

    private func parseProfiles(_ node: YAMLNode?, _ diagnostics: inout DiagnosticBag) -> [Located<CardProfile>] {
        guard let node else { return [] }
        let items = node.sequenceItems ?? [node]
        var profiles: [Located<CardProfile>] = []
        for item in items {
            guard let scalar = MappingReader.scalar(item, what: "a profile", diagnostics: &diagnostics) else {
                continue
            }
            if let profile = MappingReader.name(
                scalar,
                as: CardProfile.self,
                what: "'profiles'",
                diagnostics: &diagnostics
            ) {
                if profiles.contains(where: { $0.value == profile.value }) {
                    diagnostics.append(
                        .error(.duplicateKey, "profile '\(profile.value.rawValue)' is listed twice", at: profile.range)
                    )
                } else {
                    profiles.append(profile)
                }
            }
        }
        if profiles.isEmpty && items.isEmpty {
            diagnostics.append(.error(.wrongType, "'profiles' lists no card profile", at: node.range))
        }
        return profiles
    }

    // MARK: Fields

    private func parseFields(_ node: YAMLNode, _ diagnostics: inout DiagnosticBag) -> [FieldDeclaration] {
        guard let pairs = node.mappingPairs else {
            diagnostics.append(
                .error(
                    .wrongType,
                    "expected a mapping of field names for 'fields', found \(node.kindName)",
                    at: node.range
                )
            )
            return []
        }
        var fields: [FieldDeclaration] = []
        for (keyNode, valueNode) in pairs {
            guard let name = keyNode.scalarString else { continue }
            guard Self.isIdentifier(name) else {
                diagnostics.append(
                    .error(
                        .unknownValue,
                        "field name '\(name)' is not an identifier (letters, digits and '_', not starting with a digit)",
                        at: keyNode.range
                    )
                )
                continue
            }
            if let field = parseField(Located(name, at: keyNode.range), valueNode, &diagnostics) {
                fields.append(field)
            }
        }
        return fields
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCIILetterOrUnderscore else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCIILetterOrUnderscore || ("0"..."9").contains($0) }
    }

    private func parseField(
        _ name: Located<String>,
        _ node: YAMLNode,
        _ diagnostics: inout DiagnosticBag
    ) -> FieldDeclaration? {
        let what = "field '\(name.value)'"
        guard let map = MappingReader(node, allowed: DocumentKeys.field, what: what, diagnostics: &diagnostics) else {
            return nil
        }
        let errorsBefore = diagnostics.errorCount
        let typeName = map.requiredScalar("type", in: what, diagnostics: &diagnostics)
        let sourceText = map.requiredScalar("from", in: what, diagnostics: &diagnostics)
        var type: FieldType?
        if let typeName {
            switch typeName.text {
            case "bytes":
                type = .bytes(length: lengthBounds(map, what: what, default: 0...4096, &diagnostics) ?? 0...4096)
            case "string":
                type = .string(length: lengthBounds(map, what: what, default: 0...4096, &diagnostics) ?? 0...4096)
            case "integer":
                let lower = map.integer("min", diagnostics: &diagnostics)
                let upper = map.integer("max", diagnostics: &diagnostics)
                let low = lower?.value ?? 0
                let high = upper?.value ?? Int(UInt32.max)
                if low > high {
                    diagnostics.append(
                        .error(
                            .fieldBounds,
                            "'min' \(low) is greater than 'max' \(high) in \(what)",
                            at: lower?.range ?? map.node.range
                        )
                    )
                    type = .integer(Int.min...Int.max)
                } else {
                    type = .integer(low...high)
                }
                rejectKeys(["length", "min-length", "max-length"], in: map, for: "integer", &diagnostics)
            case "aid":
                type = .aid
                rejectKeys(["length", "min-length", "max-length", "min", "max"], in: map, for: "aid", &diagnostics)
            default:
                _ = MappingReader.name(typeName, as: FieldTypeName.self, what: "'type'", diagnostics: &diagnostics)
            }
            if typeName.text == "bytes" || typeName.text == "string" {
                rejectKeys(["min", "max"], in: map, for: typeName.text, &diagnostics)
            }
        }
        var source: Located<FieldSource>?
        if let sourceText {
            source = Self.parseSource(sourceText, &diagnostics)
        }
        // A field with a mistake stays declared, so templates that use it do not report it unknown.
        return FieldDeclaration(
            name: name,
            type: type ?? .bytes(length: 0...4096),
            source: source ?? Located(.data([name.value]), at: name.range),
            isSecret: map.bool("secret", default: false, diagnostics: &diagnostics),
            defaultValue: map.scalar("default", diagnostics: &diagnostics),
            summary: map.scalar("description", diagnostics: &diagnostics)?.text,
            range: name.range,
            hasErrors: diagnostics.errorCount > errorsBefore
        )
    }

    private enum FieldTypeName: String, CaseIterable, Hashable, Sendable {
        case bytes, integer, string, aid
    }

    private func rejectKeys(
        _ keys: [String],
        in map: MappingReader,
        for type: String,
        _ diagnostics: inout DiagnosticBag
    ) {
        for key in keys {
            if let keyNode = map.keyNode(key) {
                diagnostics.append(
                    .error(.unknownKey, "key '\(key)' does not apply to a field of type '\(type)'", at: keyNode.range)
                )
            }
        }
    }

    private func lengthBounds(
        _ map: MappingReader,
        what: String,
        default defaultRange: ClosedRange<Int>,
        _ diagnostics: inout DiagnosticBag
    ) -> ClosedRange<Int>? {
        for key in ["length", "min-length", "max-length"] {
            if let value = map.integer(key, diagnostics: &diagnostics), value.value < 0 {
                diagnostics.append(.error(.fieldBounds, "'\(key)' cannot be negative in \(what)", at: value.range))
                return nil
            }
        }
        if let exact = map.integer("length", diagnostics: &diagnostics) {
            if map.has("min-length") || map.has("max-length") {
                diagnostics.append(
                    .error(
                        .fieldBounds,
                        "give either 'length' or 'min-length'/'max-length' in \(what), not both",
                        at: exact.range
                    )
                )
            }
            return exact.value...exact.value
        }
        let lower = map.integer("min-length", diagnostics: &diagnostics)
        let upper = map.integer("max-length", diagnostics: &diagnostics)
        let low = lower?.value ?? defaultRange.lowerBound
        let high = upper?.value ?? max(defaultRange.upperBound, low)
        guard low <= high else {
            diagnostics.append(
                .error(
                    .fieldBounds,
                    "'min-length' \(low) is greater than 'max-length' \(high) in \(what)",
                    at: lower?.range ?? map.node.range
                )
            )
            return nil
        }
        return low...high
    }

    /// Parses a field source such as `cplc.ic-serial-number`, `iin` or `data.customer.name`.
    static func parseSource(_ scalar: ScalarValue, _ diagnostics: inout DiagnosticBag) -> Located<FieldSource>? {
        let text = scalar.text
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let simple: [String: FieldSource] = [
            "iin": .iin, "cin": .cin, "kdd": .keyDiversificationData, "isd-aid": .issuerSecurityDomain,
        ]
        if let source = simple[text] {
            return Located(source, at: scalar.range)
        }
        if parts.count == 2, parts[0] == "cplc" {
            if let field = CPLCField(rawValue: parts[1]) {
                return Located(.cplc(field), at: scalar.range)
            }
            let hint = Suggestions.hint(for: parts[1], in: CPLCField.allCases.map(\.rawValue))
            diagnostics.append(.error(.fieldSource, "unknown CPLC field '\(parts[1])'\(hint)", at: scalar.range))
            return nil
        }
        if parts.count >= 2, parts[0] == "data", parts.dropFirst().allSatisfy({ !$0.isEmpty }) {
            return Located(.data(Array(parts.dropFirst())), at: scalar.range)
        }
        let known = ["iin", "cin", "kdd", "isd-aid", "cplc.<field>", "data.<path>"]
        let hint =
            Suggestions.closest(to: text, in: Array(simple.keys)).map { "; did you mean '\($0)'?" }
            ?? "; expected one of \(known.map { "'\($0)'" }.joined(separator: ", "))"
        diagnostics.append(.error(.fieldSource, "unknown field source '\(text)'\(hint)", at: scalar.range))
        return nil
    }

    // MARK: Components

    private func parseComponents(_ node: YAMLNode, _ diagnostics: inout DiagnosticBag) -> [ComponentDeclaration] {
        guard let pairs = node.mappingPairs else {
            diagnostics.append(
                .error(
                    .wrongType,
                    "expected a mapping of component names for 'components', found \(node.kindName)",
                    at: node.range
                )
            )
            return []
        }
        var components: [ComponentDeclaration] = []
        for (keyNode, valueNode) in pairs {
            guard let name = keyNode.scalarString else { continue }
            guard Self.isIdentifier(name) else {
                diagnostics.append(
                    .error(.unknownValue, "component name '\(name)' is not an identifier", at: keyNode.range)
                )
                continue
            }
            let what = "component '\(name)'"
            guard
                let map = MappingReader(
                    valueNode,
                    allowed: DocumentKeys.component,
                    what: what,
                    diagnostics: &diagnostics
                )
            else { continue }
            let kinds = ComponentDeclaration.Kind.allCases.filter { map.has($0.rawValue) }
            guard kinds.count == 1, let kind = kinds.first,
                let path = map.scalar(kind.rawValue, diagnostics: &diagnostics)
            else {
                if kinds.count != 1 {
                    diagnostics.append(
                        .error(
                            kinds.isEmpty ? .missingKey : .stepAction,
                            "\(what) needs exactly one of 'cap', 'binary' or 'hex' naming its file",
                            at: keyNode.range
                        )
                    )
                }
                continue
            }
            components.append(
                ComponentDeclaration(
                    name: Located(name, at: keyNode.range),
                    kind: kind,
                    path: Located(path.text, at: path.range),
                    range: keyNode.range
                )
            )
        }
        return components
    }

    // MARK: Steps

    mutating func parseSteps(_ node: YAMLNode, _ diagnostics: inout DiagnosticBag) -> [Step] {
        guard let items = node.sequenceItems else {
            diagnostics.append(
                .error(.wrongType, "expected a list of steps for 'steps', found \(node.kindName)", at: node.range)
            )
            return []
        }
        var steps: [Step] = []
        for item in items {
            steps += parseStep(item, &diagnostics)
        }
        return steps
    }

    private mutating func parseStep(_ node: YAMLNode, _ diagnostics: inout DiagnosticBag) -> [Step] {
        let allowed = DocumentKeys.stepCommon + StepKeyword.allCases.map(\.rawValue)
        guard let map = MappingReader(node, allowed: allowed, what: "a step", diagnostics: &diagnostics) else {
            return []
        }
        let actions = map.presentKeys.compactMap(StepKeyword.init(rawValue:))
        guard actions.count == 1, let keyword = actions.first, let keyNode = map.keyNode(keyword.rawValue),
            let valueNode = map.value(keyword.rawValue)
        else {
            if actions.isEmpty && map.unknownKeyCount == 0 {
                diagnostics.append(
                    .error(
                        .stepAction,
                        "step has no action; expected one of \(StepKeyword.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))",
                        at: node.range
                    )
                )
            } else if actions.count > 1, let second = map.keyNode(actions[1].rawValue) {
                diagnostics.append(
                    .error(
                        .stepAction,
                        "step has more than one action ('\(actions[0].rawValue)' and '\(actions[1].rawValue)'); put each in its own list item",
                        at: second.range
                    )
                )
            }
            return []
        }
        if keyword == .include {
            if map.has("expect") || map.has("name"), let extra = map.keyNode(map.has("expect") ? "expect" : "name") {
                diagnostics.append(
                    .error(.unknownKey, "an 'include' step takes no '\(extra.scalarString ?? "")'", at: extra.range)
                )
            }
            guard let path = MappingReader.scalar(valueNode, what: "'include'", diagnostics: &diagnostics) else {
                return []
            }
            return include(path, &diagnostics)
        }
        let name = map.scalar("name", diagnostics: &diagnostics)?.text
        let expect = map.value("expect").flatMap { parseExpect($0, &diagnostics) }
        var parser = StepParser(keyword: keyword, keyNode: keyNode, valueNode: valueNode)
        guard let action = parser.parse(&diagnostics) else { return [] }
        return [Step(name: name, action: action, expect: expect, range: keyNode.range)]
    }

    private func parseExpect(_ node: YAMLNode, _ diagnostics: inout DiagnosticBag) -> [StatusPattern]? {
        let items = node.sequenceItems ?? [node]
        var patterns: [StatusPattern] = []
        for item in items {
            guard let scalar = MappingReader.scalar(item, what: "'expect'", diagnostics: &diagnostics) else { continue }
            guard let pattern = StatusPattern(text: scalar.text.trimmingSpaces) else {
                diagnostics.append(
                    .error(
                        .invalidHex,
                        "expected a status word such as '9000' or '61XX' in 'expect', found '\(scalar.text)'",
                        at: scalar.range
                    )
                )
                continue
            }
            patterns.append(pattern)
        }
        if items.isEmpty {
            diagnostics.append(.error(.wrongType, "'expect' lists no status word", at: node.range))
        }
        return patterns.isEmpty ? nil : patterns
    }

    private mutating func include(_ path: ScalarValue, _ diagnostics: inout DiagnosticBag) -> [Step] {
        let referrer = path.range.start.path
        let resource: LoadedResource
        do {
            resource = try loader.load(path.text, relativeTo: referrer)
        } catch {
            diagnostics.append(
                .error(.includeUnreadable, "cannot read included file '\(path.text)': \(error)", at: path.range)
            )
            return []
        }
        if includeStack.contains(resource.displayPath) {
            let chain = (includeStack + [resource.displayPath]).joined(separator: " -> ")
            diagnostics.append(.error(.includeCycle, "include cycle: \(chain)", at: path.range))
            return []
        }
        guard let text = String(validating: resource.bytes, as: UTF8.self) else {
            diagnostics.append(
                .error(.includeUnreadable, "included file '\(path.text)' is not UTF-8 text", at: path.range)
            )
            return []
        }
        let source = SourceFile(path: resource.displayPath, text: text)
        if !includedSources.contains(source) {
            includedSources.append(source)
        }
        guard let root = YAMLLoader.compose(source, diagnostics: &diagnostics),
            let top = MappingReader(
                root,
                allowed: DocumentKeys.include,
                what: "an included step list",
                diagnostics: &diagnostics
            ),
            let stepsNode = top.required("steps", in: "an included step list", diagnostics: &diagnostics)
        else {
            return []
        }
        includeStack.append(resource.displayPath)
        defer { includeStack.removeLast() }
        return parseSteps(stepsNode, &diagnostics)
    }
}

extension Unicode.Scalar {
    var isASCIILetterOrUnderscore: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || self == "_"
    }
}
