import Foundation
import SequenceTestSupport
import Testing

@testable import SequenceCompiler

/// Keeps `Grammar/sequence.schema.json` and `Grammar/card-data.schema.json` equal to the parser:
/// the same keys in every mapping, the same names in every enum, and examples that parse.
///
/// Each test fails when a key or name is added on one side only, and its message names the keys
/// that differ. `Grammar/validate.py` checks the repository's YAML files against the schemas.
struct SchemaTests {
    // MARK: (a) Keys of every mapping

    @Test func topLevelKeysAreTheDocumentKeys() throws {
        let schema = try GrammarSchema.load("sequence.schema.json")
        expectSameNames(schema.propertyNames(at: ""), DocumentKeys.document, "top-level keys")
        expectSameNames(schema.propertyNames(at: "/$defs/include-document"), DocumentKeys.include, "include-file keys")
        expectSameNames(schema.propertyNames(at: "/$defs/field"), DocumentKeys.field, "field keys")
        expectSameNames(schema.propertyNames(at: "/$defs/component"), DocumentKeys.component, "component keys")
        expectSameNames(schema.propertyNames(at: "/$defs/data-item"), DocumentKeys.dataItem, "data item keys")
        expectSameNames(schema.propertyNames(at: "/$defs/key-item"), DocumentKeys.keyItem, "put-key key keys")
    }

    @Test func componentKindsAreTheComponentKeys() throws {
        let schema = try GrammarSchema.load("sequence.schema.json")
        let kinds = schema.requiredAlternatives(at: "/$defs/component")
        expectSameNames(kinds, ComponentDeclaration.Kind.allCases.map(\.rawValue), "component kinds ('oneOf')")
    }

    @Test func stepKeywordsAreTheParsersKeywords() throws {
        let schema = try GrammarSchema.load("sequence.schema.json")
        let keywords = StepKeyword.allCases.map(\.rawValue)
        expectSameNames(
            schema.propertyNames(at: "/$defs/step"),
            DocumentKeys.stepCommon + keywords,
            "step keys (common keys and action keywords)"
        )
        expectSameNames(schema.requiredAlternatives(at: "/$defs/step"), keywords, "step actions ('oneOf')")
        expectSameNames(
            Array(DocumentKeys.steps.keys.map(\.rawValue)),
            StepKeyword.allCases.filter { $0 != .include }.map(\.rawValue),
            "keywords with a mapping form in DocumentKeys.steps"
        )
        let definitions = schema.object(at: "/$defs")?.keys.filter { $0.hasSuffix("-step") } ?? []
        expectSameNames(
            definitions.map { String($0.dropLast("-step".count)) },
            Array(DocumentKeys.steps.keys.map(\.rawValue)),
            "'$defs/<keyword>-step' definitions"
        )
    }

    @Test(arguments: StepKeyword.allCases.filter { $0 != .include })
    func stepMappingKeys(_ keyword: StepKeyword) throws {
        let schema = try GrammarSchema.load("sequence.schema.json")
        let definition = "/$defs/\(keyword.rawValue)-step"
        expectSameNames(
            schema.propertyNames(at: definition),
            DocumentKeys.steps[keyword] ?? [],
            "keys of step '\(keyword.rawValue)'"
        )
        #expect(
            schema.object(at: definition)?["additionalProperties"] as? Bool == false,
            "'\(definition)' must reject unknown keys, as the parser does"
        )
        let property = try #require(schema.object(at: "/$defs/step/properties/\(keyword.rawValue)"))
        #expect(
            schema.references(in: property).contains("#\(definition)"),
            "step property '\(keyword.rawValue)' does not refer to '\(definition)'"
        )
    }

    @Test func cardDataKeys() throws {
        let schema = try GrammarSchema.load("card-data.schema.json")
        expectSameNames(schema.propertyNames(at: ""), DocumentKeys.cardData, "card-data top-level keys")
        expectSameNames(schema.propertyNames(at: "/$defs/card"), DocumentKeys.cardIdentification, "'card' keys")
        expectSameNames(schema.propertyNames(at: "/$defs/cplc"), CPLCField.allCases.map(\.rawValue), "CPLC fields")
    }

    @Test func systemParametersAndAccessOperations() throws {
        let schema = try GrammarSchema.load("sequence.schema.json")
        expectSameNames(
            schema.propertyNames(at: "/$defs/system-parameters"),
            SystemParameterName.allCases.map(\.rawValue),
            "system parameter names"
        )
        expectSameNames(
            schema.propertyNames(at: "/$defs/security"),
            AccessOperation.allCases.map(\.rawValue),
            "create-file access operations"
        )
    }

    /// Every mapping with `properties` rejects other keys, as every `MappingReader` does, except
    /// the card-data record, which is free-form.
    @Test func everyMappingRejectsUnknownKeys() throws {
        for name in ["sequence.schema.json", "card-data.schema.json"] {
            let schema = try GrammarSchema.load(name)
            for (pointer, object) in schema.allObjects() where object["properties"] != nil {
                // Subschemas of `if`, `then` and `else` narrow a mapping already closed above them.
                guard !pointer.split(separator: "/").contains(where: { ["if", "then", "else"].contains($0) }) else {
                    continue
                }
                #expect(
                    object["additionalProperties"] as? Bool == false,
                    "\(name)#\(pointer) lists properties but does not set 'additionalProperties: false'"
                )
                let properties = Set((object["properties"] as? [String: Any] ?? [:]).keys)
                let required = Set(object["required"] as? [String] ?? [])
                #expect(
                    required.isSubset(of: properties),
                    "\(name)#\(pointer) requires \(required.subtracting(properties).sorted()) without declaring them"
                )
            }
        }
    }

    // MARK: Scalar shorthands

    /// The keywords whose step property accepts a scalar are exactly those the parser accepts one for.
    @Test(arguments: StepKeyword.allCases.filter { $0 != .include })
    func scalarShorthand(_ keyword: StepKeyword) throws {
        let schema = try GrammarSchema.load("sequence.schema.json")
        let property = try #require(schema.object(at: "/$defs/step/properties/\(keyword.rawValue)"))
        let alternatives = property["anyOf"] as? [Any] ?? []
        let schemaAcceptsScalar = alternatives.contains { alternative in
            (alternative as? [String: Any])?["$ref"] as? String != "#/$defs/\(keyword.rawValue)-step"
        }
        let (_, diagnostics) = Self.parse(steps: "  - \(keyword.rawValue): \"A0000001510001\"")
        let parserAcceptsScalar = !diagnostics.contains { $0.id == .wrongType }
        #expect(
            schemaAcceptsScalar == parserAcceptsScalar,
            "step '\(keyword.rawValue)': the schema \(schemaAcceptsScalar ? "accepts" : "rejects") a scalar, the parser \(parserAcceptsScalar ? "accepts" : "rejects") one: \(diagnostics.map(\.message))"
        )
    }

    /// `delete-file:` and `activate-file:` with no value act on the current file.
    @Test(arguments: [StepKeyword.deleteFile, .activateFile])
    func emptyFileStepsActOnTheCurrentFile(_ keyword: StepKeyword) throws {
        let schema = try GrammarSchema.load("sequence.schema.json")
        let alternatives = schema.value(at: "/$defs/step/properties/\(keyword.rawValue)/anyOf") as? [Any] ?? []
        #expect(
            alternatives.contains { ($0 as? [String: Any])?["type"] as? String == "null" },
            "the schema should accept '\(keyword.rawValue):' with no value"
        )
        let (document, diagnostics) = Self.parse(steps: "  - \(keyword.rawValue):", profile: .iso7816)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let action = try #require(document?.steps.first?.action)
        #expect(action == .deleteFile(FileReference(fid: nil)) || action == .activateFile(FileReference(fid: nil)))
    }

    // MARK: (b) Enums

    @Test(arguments: EnumCheck.all)
    func enumEqualsTheCodesNames(_ check: EnumCheck) throws {
        let schema = try GrammarSchema.load(check.schema)
        let values = try #require(
            schema.enumValues(at: check.pointer),
            "\(check.schema) has no enum at '\(check.pointer)'"
        )
        expectSameNames(values, check.names, "enum at \(check.schema)#\(check.pointer) (\(check.source))")
    }

    /// Every `enum` and `const` in the schemas is one that ``EnumCheck/all`` compares with the code,
    /// or a part of one in the same definition (as in `if` conditions), so none can drift unseen.
    @Test func everyEnumIsChecked() throws {
        for name in ["sequence.schema.json", "card-data.schema.json"] {
            let schema = try GrammarSchema.load(name)
            let checks = EnumCheck.all.filter { $0.schema == name }
            for (pointer, object) in schema.allObjects() {
                for keyword in ["enum", "const"] where object[keyword] != nil {
                    let here = pointer + "/" + keyword
                    guard !checks.contains(where: { $0.pointer == here }) else { continue }
                    let values = schema.enumValues(at: here) ?? []
                    let owner = GrammarSchema.definition(of: here)
                    let related = checks.filter { GrammarSchema.definition(of: $0.pointer) == owner }
                    let known = Set(related.flatMap(\.names))
                    #expect(
                        !related.isEmpty && Set(values).isSubset(of: known),
                        "\(name)#\(here) lists \(values.sorted()), which no enum check of '\(owner)' covers (unknown: \(Set(values).subtracting(known).sorted()))"
                    )
                }
            }
        }
    }

    /// Select's `returns` names live in the parser's code, not in a type: each must parse.
    @Test func selectReturnsNamesParse() throws {
        let schema = try GrammarSchema.load("sequence.schema.json")
        let names = try #require(schema.enumValues(at: "/$defs/select-step/properties/returns/enum"))
        for name in names {
            let (_, diagnostics) = Self.parse(steps: "  - select: { aid: A000000151000000, returns: \(name) }")
            #expect(diagnostics.isEmpty, "returns: \(name): \(diagnostics.map(\.message))")
        }
        let (_, diagnostics) = Self.parse(steps: "  - select: { aid: A000000151000000, returns: fcx }")
        #expect(diagnostics.map(\.id) == [.unknownValue], "a name outside the schema's enum must be rejected")
    }

    /// The `+` pattern of security conditions accepts exactly the names that can be combined.
    @Test func securityConditionCombinations() throws {
        let schema = try GrammarSchema.load("sequence.schema.json")
        let patternText = try #require(schema.value(at: "/$defs/security-condition/anyOf/1/pattern") as? String)
        let pattern = try NSRegularExpression(pattern: patternText)
        func matches(_ text: String) -> Bool {
            pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        let combinable = Lowering.conditions.filter { $0.value != 0x00 && $0.value != 0xFF }.keys.sorted()
        for name in Lowering.conditions.keys.sorted() {
            #expect(matches(name) == combinable.contains(name), "'\(name)' and the combination pattern disagree")
        }
        for first in combinable {
            for second in combinable {
                let text = "\(first) + \(second)"
                #expect(matches(text), "the schema rejects '\(text)'")
                let (_, diagnostics) = Self.check(
                    steps: "  - create-file: { type: df, fid: 6000, security: { delete: \"\(text)\" } }",
                    profile: .iso7816
                )
                #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(text): \(diagnostics.map(\.message))")
            }
        }
    }

    // MARK: (c) Examples

    /// Whole-document examples check without any error; every other mapping example, put in a
    /// minimal document, parses without any error.
    @Test func sequenceExamplesParse() throws {
        let schema = try GrammarSchema.load("sequence.schema.json")
        var checked = 0
        for (pointer, example) in schema.allExamples() {
            let place = "example at sequence.schema.json#\(pointer.isEmpty ? "/" : pointer)"
            switch pointer {
            case "":
                let result = Compiler.check(
                    SourceFile(path: "example.yaml", text: try Self.text(example)),
                    loader: InMemoryResourceLoader(files: [:])
                )
                let errors = result.diagnostics.filter { $0.severity == .error }
                #expect(
                    errors.isEmpty,
                    "\(place): \(errors.map { "\($0.range?.start.description ?? ""): \($0.message)" })"
                )
            case "/$defs/include-document":
                let document = Self.document(steps: [["include": "part.yaml"]])
                let result = Compiler.check(
                    SourceFile(path: "example.yaml", text: try Self.text(document)),
                    loader: InMemoryResourceLoader(files: ["part.yaml": Array(try Self.text(example).utf8)])
                )
                let errors = result.diagnostics.filter { $0.severity == .error }
                #expect(errors.isEmpty, "\(place): \(errors.map(\.message))")
            default:
                guard let document = Self.wrap(example, at: pointer) else {
                    #expect(
                        !(example is [String: Any]),
                        "\(place) is a mapping that SchemaTests does not know how to put into a document"
                    )
                    continue
                }
                let text = try Self.text(document)
                let (_, diagnostics) = Self.parse(text: text)
                let errors = diagnostics.filter { $0.severity == .error }
                #expect(errors.isEmpty, "\(place): \(text): \(errors.map(\.message))")
            }
            checked += 1
        }
        #expect(checked >= 30, "only \(checked) examples were checked; did the schema lose its examples?")
    }

    @Test func cardDataExamplesParse() throws {
        let schema = try GrammarSchema.load("card-data.schema.json")
        let examples = schema.allExamples().filter { $0.pointer.isEmpty }
        #expect(!examples.isEmpty)
        for (_, example) in examples {
            var diagnostics = DiagnosticBag()
            let data = CardDataParser.parse(
                SourceFile(path: "card.yaml", text: try Self.text(example)),
                diagnostics: &diagnostics
            )
            #expect(data != nil && diagnostics.diagnostics.isEmpty, "\(diagnostics.diagnostics.map(\.message))")
        }
    }

    // MARK: Helpers

    /// A minimal document around some steps.
    private static func document(
        steps: [Any],
        fields: [String: Any]? = nil,
        components: [String: Any]? = nil
    ) -> [String: Any] {
        var document: [String: Any] = [
            "name": "example", "version": "1.0.0", "profiles": ["globalplatform", "iso7816"], "steps": steps,
        ]
        document["fields"] = fields
        document["components"] = components
        return document
    }

    /// A minimal document holding an example of the definition at `pointer`, or `nil` when the
    /// definition is not one whose examples stand alone in a document.
    private static func wrap(_ example: Any, at pointer: String) -> [String: Any]? {
        let definition = pointer.hasPrefix("/$defs/") ? String(pointer.dropFirst("/$defs/".count)) : ""
        switch definition {
        case "step":
            return document(steps: [example])
        case let name where name.hasSuffix("-step"):
            return document(steps: [[String(name.dropLast("-step".count)): example]])
        case "field":
            return document(steps: [], fields: ["example": example])
        case "field-source":
            return document(steps: [], fields: ["example": ["type": "bytes", "from": example]])
        case "component":
            return document(steps: [], components: ["example": example])
        case "data-item":
            return document(steps: [["store-data": ["data": [example]]]])
        case "key-item":
            return document(steps: [["put-key": ["version": 1, "keys": [example]]]])
        case "system-parameters":
            return document(steps: [
                ["install": ["package": "A000000151", "module": "A00000015101", "system": example]]
            ])
        case "security":
            return document(steps: [
                ["create-file": ["type": "transparent", "fid": "6001", "size": 1, "security": example]]
            ])
        case "security-condition":
            return document(steps: [["create-file": ["type": "df", "fid": "6001", "security": ["delete": example]]]])
        case "expect", "status-word":
            return document(steps: [["apdu": "80CA00E000", "expect": example]])
        default:
            return nil
        }
    }

    /// JSON text, which is YAML too.
    private static func text(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// The parse stage alone, with stub files for the includes examples name.
    private static func parse(text: String) -> (SequenceDocument?, [Diagnostic]) {
        var diagnostics = DiagnosticBag()
        let stub = Array("steps: []".utf8)
        var parser = DocumentParser(
            loader: InMemoryResourceLoader(files: ["common/gp-preamble.yaml": stub, "part.yaml": stub])
        )
        let document = parser.parse(SourceFile(path: "example.yaml", text: text), diagnostics: &diagnostics)
        return (document, diagnostics.diagnostics)
    }

    private static func source(steps: String, profile: CardProfile) -> String {
        """
        name: shorthand
        version: 1.0.0
        profiles: [\(profile.rawValue)]
        steps:
        \(steps)
        """
    }

    private static func parse(
        steps: String,
        profile: CardProfile = .globalplatform
    ) -> (SequenceDocument?, [Diagnostic]) {
        parse(text: source(steps: steps, profile: profile))
    }

    private static func check(steps: String, profile: CardProfile) -> (SequenceDocument?, [Diagnostic]) {
        let result = Compiler.check(
            SourceFile(path: "example.yaml", text: source(steps: steps, profile: profile)),
            loader: InMemoryResourceLoader(files: [:])
        )
        return (result.document, result.diagnostics)
    }
}

/// One schema enum and the names the code defines for it.
struct EnumCheck: Sendable, CustomTestStringConvertible {
    var schema = "sequence.schema.json"
    var pointer: String
    var names: [String]
    /// Where the code's names come from, for failure messages.
    var source: String

    var testDescription: String { "\(schema)#\(pointer)" }

    private static func names<Name: CaseIterable & RawRepresentable>(_ type: Name.Type) -> [String]
    where Name.RawValue == String {
        type.allCases.map(\.rawValue)
    }

    private static let simpleSources: [FieldSource] = [.iin, .cin, .keyDiversificationData, .issuerSecurityDomain]

    static let all: [EnumCheck] =
        [
            EnumCheck(pointer: "/$defs/profile/enum", names: names(CardProfile.self), source: "CardProfile"),
            EnumCheck(
                schema: "card-data.schema.json",
                pointer: "/$defs/card/properties/profile/enum",
                names: names(CardProfile.self),
                source: "CardProfile"
            ),
            EnumCheck(pointer: "/$defs/field/properties/type/enum", names: FieldType.names, source: "FieldType.names"),
            EnumCheck(
                pointer: "/$defs/field-source/anyOf/0/enum",
                names: simpleSources.map(\.text) + CPLCField.allCases.map { FieldSource.cplc($0).text },
                source: "FieldSource.text and CPLCField"
            ),
            EnumCheck(
                pointer: "/$defs/load-step/properties/hash/enum",
                names: names(LoadFileHash.self),
                source: "LoadFileHash"
            ),
            EnumCheck(pointer: "/$defs/privilege/enum", names: names(Privilege.self), source: "Privilege"),
            EnumCheck(
                pointer: "/$defs/set-status-step/properties/scope/enum",
                names: names(SetStatus.Scope.self),
                source: "SetStatus.Scope"
            ),
            EnumCheck(
                pointer: "/$defs/key-item/properties/type/enum",
                names: names(KeyItem.KeyType.self),
                source: "KeyItem.KeyType"
            ),
            EnumCheck(
                pointer: "/$defs/create-file-step/properties/type/enum",
                names: names(CreateFile.FileType.self),
                source: "CreateFile.FileType"
            ),
            EnumCheck(
                pointer: "/$defs/create-file-step/properties/life-cycle/enum",
                names: names(LifeCycle.self),
                source: "LifeCycle"
            ),
            // Operations that apply only to EFs or only to DFs, named in the create-file conditions.
            EnumCheck(
                pointer: "/$defs/create-file-step/allOf/0/then/properties/security/propertyNames/not/enum",
                names: AccessOperation.allCases.filter { $0.appliesToDF == false }.map(\.rawValue),
                source: "AccessOperation.appliesToDF == false"
            ),
            EnumCheck(
                pointer: "/$defs/create-file-step/allOf/1/then/properties/security/propertyNames/not/enum",
                names: AccessOperation.allCases.filter { $0.appliesToDF == true }.map(\.rawValue),
                source: "AccessOperation.appliesToDF == true"
            ),
            EnumCheck(
                pointer: "/$defs/security-condition/anyOf/0/enum",
                names: Array(Lowering.conditions.keys),
                source: "Lowering.conditions"
            ),
            EnumCheck(
                pointer: "/$defs/select-step/properties/returns/enum",
                names: ["fci", "fcp", "fmd", "none"],
                source: "StepParser.parseSelect (also checked by selectReturnsNamesParse)"
            ),
            EnumCheck(
                pointer: "/$defs/install-step/properties/privilege-bytes/anyOf/0/enum",
                names: ["1", "3"],
                source: "StepParser.parseInstall"
            ),
            EnumCheck(
                pointer: "/$defs/step/then/propertyNames/const",
                names: [StepKeyword.include.rawValue],
                source: "an include step takes no other key"
            ),
        ]
        + SetStatus.Scope.allCases.map { scope in
            EnumCheck(
                pointer: "/$defs/state-\(scope.rawValue)/enum",
                names: Array((Lowering.states[scope] ?? [:]).keys),
                source: "Lowering.states[.\(scope)]"
            )
        }
}

/// A schema read with `JSONSerialization`, navigated by JSON pointers.
private struct GrammarSchema {
    let name: String
    let root: Any

    static func load(_ name: String) throws -> GrammarSchema {
        let data = try Data(contentsOf: RepositoryPaths.grammar.appendingPathComponent(name))
        return GrammarSchema(name: name, root: try JSONSerialization.jsonObject(with: data))
    }

    /// The `$defs` entry a pointer lies in (`/$defs/field`), or the empty string for the top level.
    static func definition(of pointer: String) -> String {
        let parts = pointer.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count >= 3 && parts[1] == "$defs" ? parts[0...2].joined(separator: "/") : ""
    }

    func value(at pointer: String) -> Any? {
        var current: Any? = root
        for token in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let object = current as? [String: Any] {
                current = object[key]
            } else if let array = current as? [Any], let index = Int(key), array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }

    func object(at pointer: String) -> [String: Any]? {
        value(at: pointer) as? [String: Any]
    }

    /// The keys of the `properties` of the subschema at `pointer`.
    func propertyNames(at pointer: String) -> [String]? {
        (object(at: pointer)?["properties"] as? [String: Any]).map { Array($0.keys) }
    }

    /// The single key each alternative of the subschema's `oneOf` requires.
    func requiredAlternatives(at pointer: String) -> [String]? {
        (object(at: pointer)?["oneOf"] as? [Any])?.flatMap { ($0 as? [String: Any])?["required"] as? [String] ?? [] }
    }

    /// The values of an `enum` (or a `const`) as text.
    func enumValues(at pointer: String) -> [String]? {
        guard let value = value(at: pointer) else { return nil }
        return (value as? [Any] ?? [value]).map { "\($0)" }
    }

    /// Every `$ref` inside a subschema.
    func references(in value: Any) -> [String] {
        if let object = value as? [String: Any] {
            let own = (object["$ref"] as? String).map { [$0] } ?? []
            return own + object.values.flatMap { references(in: $0) }
        }
        return (value as? [Any])?.flatMap { references(in: $0) } ?? []
    }

    /// Every JSON object in the schema, with its pointer, parents first.
    func allObjects() -> [(pointer: String, object: [String: Any])] {
        var found: [(pointer: String, object: [String: Any])] = []
        func visit(_ value: Any, _ pointer: String) {
            if let object = value as? [String: Any] {
                found.append((pointer, object))
                for key in object.keys.sorted() where key != "examples" {
                    visit(object[key] as Any, pointer + "/" + key)
                }
            } else if let array = value as? [Any] {
                for (index, element) in array.enumerated() {
                    visit(element, pointer + "/\(index)")
                }
            }
        }
        visit(root, "")
        return found
    }

    /// Every `examples` entry, with the pointer of the subschema that carries it.
    func allExamples() -> [(pointer: String, example: Any)] {
        allObjects().flatMap { entry in
            (entry.object["examples"] as? [Any] ?? []).map { (entry.pointer, $0) }
        }
    }
}

/// Records an issue naming the names on only one side, unless the two lists hold the same names once each.
private func expectSameNames(
    _ schemaNames: [String]?,
    _ codeNames: [String],
    _ what: String,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    guard let schemaNames else {
        Issue.record("\(what): the schema has no such list", sourceLocation: sourceLocation)
        return
    }
    let schemaSet = Set(schemaNames)
    let codeSet = Set(codeNames)
    let missing = codeSet.subtracting(schemaSet).sorted()
    let extra = schemaSet.subtracting(codeSet).sorted()
    var problems: [String] = []
    if !missing.isEmpty {
        problems.append("the schema lacks \(missing), which the code has")
    }
    if !extra.isEmpty {
        problems.append("the schema has \(extra), which the code lacks")
    }
    let duplicates = Dictionary(grouping: schemaNames, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
    if !duplicates.isEmpty {
        problems.append("the schema lists \(duplicates) more than once")
    }
    if !problems.isEmpty {
        Issue.record("\(what): \(problems.joined(separator: "; "))", sourceLocation: sourceLocation)
    }
}
