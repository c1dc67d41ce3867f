import APDUTypes
import Testing

@testable import SequenceCompiler

/// Shared fixtures for the template tests: a scope of every type, and helpers that run a template
/// through parse, check and evaluate and hand back the value and every diagnostic.
enum TemplateFixture {
    /// The file every test template pretends to come from.
    static let path = "Sequences/test.yaml"

    /// The location of column `column` on line `line` of ``path``.
    static func location(_ line: Int, _ column: Int) -> SequenceCompiler.SourceLocation {
        SequenceCompiler.SourceLocation(path: path, line: line, column: column)
    }

    /// The values of the example scope (also used by `Docs/Template-Expressions.md`).
    static let values: [String: TemplateValue] = [
        "serial": .bytes([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]),
        "customer_name": .string("Jane Doe"),
        "customer_id": .integer(4711),
        "pan": .string("4761739001010010"),
        "cap": .record([
            "package": .record([
                "aid": .bytes([0xA0, 0x00, 0x00, 0x01, 0x51, 0x00]),
                "version": .string("1.0"),
                "name": .string("com.example.wallet"),
            ]),
            "applets": .list([.record(["aid": .bytes([0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x01])])]),
            "size": .integer(1234),
        ]),
        "lib": .record([
            "package": .record([
                "aid": .bytes([0xA0, 0x00, 0x00, 0x01, 0x51, 0x10]),
                "version": .string("2.1"),
                "name": .string("com.example.lib"),
            ]),
            "applets": .list([]),
            "size": .integer(99),
        ]),
    ]

    /// The declared types of the example scope.
    static let types: [String: TemplateType] = {
        let capType = TemplateType.record([
            "package": .record(["aid": .bytes, "version": .string, "name": .string]),
            "applets": .list(.record(["aid": .bytes])),
            "size": .integer,
        ])
        return [
            "serial": .bytes,
            "customer_name": .string,
            "customer_id": .integer,
            "pan": .string,
            "cap": capType,
            "lib": capType,
        ]
    }()

    /// What running a template produced.
    struct Outcome {
        /// The parsed template.
        var template: TemplateString
        /// Diagnostics from parsing.
        var parsing: [Diagnostic]
        /// Diagnostics from checking (after parsing).
        var checking: [Diagnostic]
        /// Diagnostics from evaluating (after parsing).
        var evaluating: [Diagnostic]
        /// The value, if evaluation succeeded.
        var value: TemplateValue?

        /// Parse and check diagnostics, the ones `seqc check` shows.
        var staticDiagnostics: [Diagnostic] { parsing + checking }
        /// Parse and evaluate diagnostics, the ones a compile shows.
        var allDiagnostics: [Diagnostic] { parsing + evaluating }
    }

    /// Parses `text` (starting at `start`), checks it against ``types`` and evaluates it with ``values``.
    static func run(
        _ text: String,
        as expected: TemplateType = .bytes,
        at start: SequenceCompiler.SourceLocation = location(1, 1),
        values: [String: TemplateValue] = values,
        types: [String: TemplateType] = types
    ) -> Outcome {
        var parsing = DiagnosticBag()
        let template = TemplateString.parse(text, at: start, diagnostics: &parsing)
        var checking = DiagnosticBag()
        template.check(as: expected, scope: types, diagnostics: &checking)
        var evaluating = DiagnosticBag()
        let value = template.evaluate(as: expected, scope: values, diagnostics: &evaluating)
        return Outcome(
            template: template,
            parsing: parsing.diagnostics,
            checking: checking.diagnostics,
            evaluating: evaluating.diagnostics,
            value: value
        )
    }

    /// The value of a single expression `{{ expression }}` in its own type, with no diagnostics expected.
    static func value(
        of expression: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) -> TemplateValue? {
        var diagnostics = DiagnosticBag()
        let template = TemplateString.parse("{{ \(expression) }}", at: location(1, 1), diagnostics: &diagnostics)
        guard let parsed = template.expressions.first else {
            Issue.record("no expression in '\(expression)'", sourceLocation: sourceLocation)
            return nil
        }
        let type = TemplateChecker(scope: types).type(of: parsed, diagnostics: &diagnostics)
        let value = TemplateEvaluator(scope: values).value(of: parsed, diagnostics: &diagnostics)
        #expect(diagnostics.diagnostics.isEmpty, "\(diagnostics.diagnostics)", sourceLocation: sourceLocation)
        if let value, let type {
            #expect(value.conforms(to: type), sourceLocation: sourceLocation)
        }
        return value
    }

    /// Bytes from hex text; the text is a test constant, so bad hex is a test bug.
    static func bytes(_ hex: String) -> [UInt8] {
        Hex.bytes(hex) ?? []
    }
}

/// Expects exactly one diagnostic, with this id, starting at `line`:`column` and, when given, ending
/// at `endLine`:`endColumn` (the end line defaults to the start line).
func expectOnly(
    _ diagnostics: [Diagnostic],
    _ id: DiagnosticID,
    line: Int,
    column: Int,
    endColumn: Int? = nil,
    endLine: Int? = nil,
    containing text: String? = nil,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    guard diagnostics.count == 1, let diagnostic = diagnostics.first else {
        Issue.record("expected one \(id.rawValue), got \(render(diagnostics))", sourceLocation: sourceLocation)
        return
    }
    expectDiagnostic(
        diagnostic,
        id,
        line: line,
        column: column,
        endColumn: endColumn,
        endLine: endLine,
        containing: text,
        sourceLocation: sourceLocation
    )
}

/// Expects `diagnostic` to have this id and place.
func expectDiagnostic(
    _ diagnostic: Diagnostic,
    _ id: DiagnosticID,
    line: Int,
    column: Int,
    endColumn: Int? = nil,
    endLine: Int? = nil,
    containing text: String? = nil,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    #expect(diagnostic.id == id, "\(render([diagnostic]))", sourceLocation: sourceLocation)
    #expect(diagnostic.severity == .error, sourceLocation: sourceLocation)
    #expect(diagnostic.range?.start.path == TemplateFixture.path, sourceLocation: sourceLocation)
    #expect(diagnostic.range?.start.line == line, "\(render([diagnostic]))", sourceLocation: sourceLocation)
    #expect(diagnostic.range?.start.column == column, "\(render([diagnostic]))", sourceLocation: sourceLocation)
    if let endColumn {
        #expect(
            diagnostic.range?.end.line == endLine ?? line,
            "\(render([diagnostic]))",
            sourceLocation: sourceLocation
        )
        #expect(diagnostic.range?.end.column == endColumn, "\(render([diagnostic]))", sourceLocation: sourceLocation)
    }
    if let text {
        #expect(diagnostic.message.contains(text), "\(diagnostic.message)", sourceLocation: sourceLocation)
    }
}

/// Diagnostics as `line:column-line:column id: message`, for failure messages.
func render(_ diagnostics: [Diagnostic]) -> String {
    let lines = diagnostics.map { diagnostic in
        let place =
            diagnostic.range.map {
                "\($0.start.line):\($0.start.column)-\($0.end.line):\($0.end.column)"
            } ?? "?"
        return "\(place) \(diagnostic.id.rawValue): \(diagnostic.message)"
    }
    return lines.isEmpty ? "no diagnostics" : lines.joined(separator: "\n")
}

/// SplitMix64: a small, fast, seeded generator, so that the generated tests are the same on every run.
struct TemplateRandom {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// A number in `0..<count` (`count` > 0).
    mutating func below(_ count: Int) -> Int {
        Int(next() % UInt64(count))
    }

    /// A number in `range`.
    mutating func within(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `percent`/100.
    mutating func chance(_ percent: Int) -> Bool {
        below(100) < percent
    }

    /// One of `choices` (not empty).
    mutating func pick<T>(_ choices: [T]) -> T {
        choices[below(choices.count)]
    }
}
