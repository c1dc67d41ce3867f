import Testing

@testable import SequenceCompiler

/// How a whole template string becomes a value of the type its place expects.
struct TemplateCoercionTests {
    // MARK: - Bytes

    static let bytesCases: [(String, String)] = [
        ("A0 00 00 01 51 {{ serial[0:4] }}", "A00000015101020304"),
        ("{{ u8(1) }}{{ u8(2) }}", "0102"),
        ("{{ tlv(0x5F20, ascii(customer_name)) }}", "5F20084A616E6520446F65"),
        ("A0:00:00", "A00000"),
        ("a0 0b", "A00B"),
        ("A0 00\n  00 01\n", "A0000001"),
        ("", ""),
        ("   ", ""),
        ("80 E6 0C 00 {{ berlen(len(cap.package.aid)) || cap.package.aid }} 00", "80E60C0006A0000001510000"),
    ]

    @Test(arguments: bytesCases)
    func bytesJoinsHexTextAndSegments(_ text: String, _ expected: String) {
        let outcome = TemplateFixture.run(text, as: .bytes)
        #expect(outcome.allDiagnostics.isEmpty, "\(render(outcome.allDiagnostics))")
        #expect(outcome.staticDiagnostics.isEmpty, "\(render(outcome.staticDiagnostics))")
        #expect(outcome.value == .bytes(TemplateFixture.bytes(expected)))
    }

    @Test func bytesLiteralTextIsNotPairedAcrossASegment() {
        let outcome = TemplateFixture.run("A{{ u8(1) }}0")
        #expect(outcome.checking.map(\.id) == [.invalidHex, .invalidHex])
        #expect(outcome.checking.map(\.range?.start.column) == [1, 13])
    }

    // MARK: - String

    @Test func stringTakesLiteralTextVerbatimAndIntegersInDecimal() {
        let outcome = TemplateFixture.run("Hello {{ customer_name }}, #{{ customer_id }} {{ -3 }}", as: .string)
        #expect(outcome.allDiagnostics.isEmpty, "\(render(outcome.allDiagnostics))")
        #expect(outcome.value == .string("Hello Jane Doe, #4711 -3"))
    }

    @Test func stringKeepsTextThatIsNotHex() {
        let outcome = TemplateFixture.run("GG } { é\n", as: .string)
        #expect(outcome.allDiagnostics.isEmpty)
        #expect(outcome.value == .string("GG } { é\n"))
        #expect(outcome.template.isLiteral)
    }

    @Test func stringCanHoldLiteralBracesThroughAStringLiteral() {
        let outcome = TemplateFixture.run("a {{ '{{' }} b {{ \"}}\" }}", as: .string)
        #expect(outcome.allDiagnostics.isEmpty, "\(render(outcome.allDiagnostics))")
        #expect(outcome.value == .string("a {{ b }}"))
    }

    // MARK: - Integer

    static let integerCases: [(String, Int)] = [
        ("42", 42),
        (" 42 ", 42),
        ("-12", -12),
        ("0x1F", 31),
        ("0X1f", 31),
        ("0x7FFFFFFFFFFFFFFF", Int.max),
        ("{{ customer_id + 1 }}", 4712),
        ("  {{ len(serial) }}\n", 8),
        ("{{ cap.size }}", 1234),
    ]

    @Test(arguments: integerCases)
    func integerIsALiteralOrOneSegment(_ text: String, _ expected: Int) {
        let outcome = TemplateFixture.run(text, as: .integer)
        #expect(outcome.allDiagnostics.isEmpty, "\(render(outcome.allDiagnostics))")
        #expect(outcome.staticDiagnostics.isEmpty, "\(render(outcome.staticDiagnostics))")
        #expect(outcome.value == .integer(expected))
    }

    /// Integer texts that are not one integer, the diagnostic, and the place it points at.
    static let notIntegerCases: [(text: String, id: DiagnosticID, column: Int, endColumn: Int)] = [
        ("abc", .templateType, 1, 4),
        ("  12 34 ", .templateType, 3, 8),
        ("", .templateType, 1, 2),
        ("   ", .templateType, 1, 4),
        ("0x", .templateType, 1, 3),
        ("-", .templateType, 1, 2),
        ("x{{ 1 }}", .templateType, 1, 2),
        ("{{ 1 }} px", .templateType, 9, 11),
        ("{{ 1 }}{{ 2 }}", .templateType, 8, 15),
        ("{{ serial }}", .templateType, 4, 10),
        ("99999999999999999999", .templateValue, 1, 21),
        (" 0xFFFFFFFFFFFFFFFF", .templateValue, 2, 20),
    ]

    @Test(arguments: notIntegerCases)
    func integerRejectsAnythingElse(_ text: String, _ id: DiagnosticID, _ column: Int, _ endColumn: Int) {
        let outcome = TemplateFixture.run(text, as: .integer)
        expectOnly(outcome.checking, id, line: 1, column: column, endColumn: endColumn)
        #expect(outcome.evaluating == outcome.checking)
        #expect(outcome.value == nil)
    }

    @Test func namesInAMalformedIntegerTextAreStillChecked() {
        let outcome = TemplateFixture.run("{{ seral }} {{ 2 }}", as: .integer)
        #expect(outcome.checking.map(\.id) == [.templateType, .templateUnknownName])
    }

    // MARK: - Records and lists

    @Test func recordAndListPlacesTakeOneSegment() {
        let cap = TemplateFixture.run(" {{ cap }} ", as: TemplateFixture.types["cap"] ?? .bytes)
        #expect(cap.allDiagnostics.isEmpty)
        #expect(cap.value == TemplateFixture.values["cap"])
        let applets = TemplateFixture.run("{{ lib.applets }}", as: .list(.record(["aid": .bytes])))
        #expect(applets.allDiagnostics.isEmpty)
        #expect(applets.value == .list([]))
        let literal = TemplateFixture.run("42", as: .list(.integer))
        expectOnly(literal.checking, .templateType, line: 1, column: 1, endColumn: 3, containing: "a single '{{ }}'")
    }

    // MARK: - Literal and references

    @Test func referencesListRootNamesInOrder() {
        var diagnostics = DiagnosticBag()
        let template = TemplateString.parse(
            "A0 {{ tlv(0x01, serial) || cap.package.aid }} {{ serial[customer_id:] }}",
            at: TemplateFixture.location(2, 7),
            diagnostics: &diagnostics
        )
        #expect(diagnostics.diagnostics.isEmpty)
        #expect(!template.isLiteral)
        #expect(template.references.map(\.name) == ["serial", "cap", "serial", "customer_id"])
        #expect(
            template.references.map(\.range) == [
                SourceRange(start: TemplateFixture.location(2, 23), end: TemplateFixture.location(2, 29)),
                SourceRange(start: TemplateFixture.location(2, 34), end: TemplateFixture.location(2, 37)),
                SourceRange(start: TemplateFixture.location(2, 56), end: TemplateFixture.location(2, 62)),
                SourceRange(start: TemplateFixture.location(2, 63), end: TemplateFixture.location(2, 74)),
            ]
        )
        #expect(
            template.range == SourceRange(start: TemplateFixture.location(2, 7), end: TemplateFixture.location(2, 79))
        )
    }

    @Test func literalTextHasNoReferences() {
        var diagnostics = DiagnosticBag()
        let template = TemplateString.parse("A0 00 } {", at: TemplateFixture.location(1, 1), diagnostics: &diagnostics)
        #expect(template.isLiteral)
        #expect(template.references.isEmpty)
        #expect(diagnostics.diagnostics.isEmpty)
    }

    @Test func evaluateWithoutCheckReportsTheSameProblems() {
        let text = "{{ seral }} {{ tlv(0x5F20, 'AB') }} GG {{ len() }}"
        let outcome = TemplateFixture.run(text)
        #expect(outcome.checking.count == 4)
        #expect(outcome.evaluating == outcome.checking)
    }
}
