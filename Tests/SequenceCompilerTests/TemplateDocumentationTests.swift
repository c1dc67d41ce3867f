import Foundation
import Testing

@testable import SequenceCompiler

/// `Docs/Template-Expressions.md` and `Grammar/template-expression.ebnf` agree with the code:
/// every example table evaluates to what it says, every function and diagnostic is documented,
/// and the grammar names exactly the library's functions.
struct TemplateDocumentationTests {
    /// The repository root, found from this file's place.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// One row of an example table.
    struct Row: CustomStringConvertible {
        /// The expression, or the template string.
        var source: String
        /// `bytes`, `integer`, `string` or `error` (for expressions), or the expected type (for templates).
        var type: String
        /// The value as `TemplateValue.description` writes it, or a diagnostic id.
        var value: String
        /// Whether `source` is a whole template string rather than one expression.
        var isTemplate: Bool

        var description: String { "\(source) | \(type) | \(value)" }
    }

    /// The rows of every table headed `expression | type | value` or `template string | expected | value`.
    static func exampleRows(_ markdown: String) -> [Row] {
        var rows: [Row] = []
        var table: Bool?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("| expression | type | value |") {
                table = false
            } else if line.hasPrefix("| template string | expected | value |") {
                table = true
            } else if !line.hasPrefix("|") {
                table = nil
            } else if let isTemplate = table, !line.hasPrefix("| ---") {
                let cells = line.replacingOccurrences(of: "\\|", with: "\u{1}")
                    .split(separator: "|", omittingEmptySubsequences: false)
                    .dropFirst()
                    .dropLast()
                    .map { cell in
                        var text = cell.replacingOccurrences(of: "\u{1}", with: "|")
                        if text.hasPrefix(" ") {
                            text.removeFirst()
                        }
                        if text.hasSuffix(" ") {
                            text.removeLast()
                        }
                        if text.hasPrefix("`") && text.hasSuffix("`") && text.count >= 2 {
                            text = String(text.dropFirst().dropLast())
                        }
                        return text
                    }
                if cells.count == 3 {
                    rows.append(Row(source: cells[0], type: cells[1], value: cells[2], isTemplate: isTemplate))
                }
            }
        }
        return rows
    }

    @Test func everyExampleInTheDocumentationHolds() throws {
        let rows = Self.exampleRows(try Self.read("Docs/Template-Expressions.md"))
        #expect(rows.count > 80)
        for row in rows {
            if row.isTemplate {
                let expected: TemplateType = row.type == "integer" ? .integer : row.type == "string" ? .string : .bytes
                let outcome = TemplateFixture.run(row.source, as: expected)
                #expect(outcome.allDiagnostics.isEmpty, "\(row): \(render(outcome.allDiagnostics))")
                #expect(outcome.value?.description == row.value, "\(row)")
                continue
            }
            var diagnostics = DiagnosticBag()
            let template = TemplateString.parse(
                "{{ \(row.source) }}",
                at: TemplateFixture.location(1, 1),
                diagnostics: &diagnostics
            )
            let expression = try #require(template.expressions.first)
            let type = TemplateChecker(scope: TemplateFixture.types).type(of: expression, diagnostics: &diagnostics)
            var value: TemplateValue?
            if !diagnostics.hasErrors {
                value = TemplateEvaluator(scope: TemplateFixture.values).value(
                    of: expression,
                    diagnostics: &diagnostics
                )
            }
            if row.type == "error" {
                #expect(
                    diagnostics.diagnostics.map(\.id.rawValue) == [row.value],
                    "\(row): \(render(diagnostics.diagnostics))"
                )
            } else {
                #expect(diagnostics.diagnostics.isEmpty, "\(row): \(render(diagnostics.diagnostics))")
                #expect(type?.description == row.type, "\(row)")
                #expect(value?.description == row.value, "\(row)")
            }
        }
    }

    @Test func everyFunctionHasExamplesAndASection() throws {
        let markdown = try Self.read("Docs/Template-Expressions.md")
        let rows = Self.exampleRows(markdown)
        let headings = markdown.split(separator: "\n").filter { $0.hasPrefix("### ") }.joined(separator: "\n")
        for function in TemplateFunctionLibrary.all {
            let examples = rows.filter { $0.source.contains(function.name + "(") }
            #expect(examples.contains { $0.type != "error" }, "no example of '\(function.name)'")
            #expect(headings.contains(function.name), "no section for '\(function.name)'")
        }
    }

    @Test func functionSignaturesInTheDocumentationMatchTheLibrary() throws {
        let markdown = try Self.read("Docs/Template-Expressions.md")
        let shorthand: Set = ["lpad", "u8", "u16", "u32"]
        for function in TemplateFunctionLibrary.all where !shorthand.contains(function.name) {
            #expect(markdown.contains("`\(function.signature)`"), "missing signature `\(function.signature)`")
        }
    }

    @Test func everyTemplateDiagnosticIsDocumented() throws {
        let markdown = try Self.read("Docs/Template-Expressions.md")
        let ids = DiagnosticID.allCases.filter { $0.rawValue.hasPrefix("template.") } + [.invalidHex]
        for id in ids {
            #expect(markdown.contains("| `\(id.rawValue)` |"), "'\(id.rawValue)' is not in the diagnostics table")
        }
    }

    @Test func grammarNamesExactlyTheLibrarysFunctions() throws {
        let grammar = try Self.read("Grammar/template-expression.ebnf")
        let start = try #require(grammar.range(of: "function name ="))
        let end = try #require(grammar[start.upperBound...].firstIndex(of: ";"))
        let names = grammar[start.upperBound..<end]
            .split(separator: "|")
            .map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(
                    in: CharacterSet(charactersIn: "\"")
                )
            }
        #expect(Set(names) == Set(TemplateFunctionLibrary.functions.keys))
        #expect(names.count == TemplateFunctionLibrary.all.count)
    }

    @Test func grammarStatesTheDepthLimit() throws {
        let grammar = try Self.read("Grammar/template-expression.ebnf")
        #expect(grammar.contains("\(TemplateParser.maximumDepth) levels deep"))
    }
}
