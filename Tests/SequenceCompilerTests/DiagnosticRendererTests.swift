import SequenceCompiler
import Testing

struct DiagnosticRendererTests {
    static func render(_ text: String, line: Int, column: Int, length: Int) -> String {
        let source = SourceFile(path: "a.yaml", text: text)
        let start = SourceLocation(path: "a.yaml", line: line, column: column)
        let diagnostic = Diagnostic.error(.unknownKey, "unknown key 'x'", at: SourceRange(start: start, length: length))
        return DiagnosticRenderer(sources: [source]).render([diagnostic])
    }

    @Test func printsPositionMessageIdExcerptAndSummary() {
        let text = Self.render("a: 1\n  instal: 2\n", line: 2, column: 3, length: 6)
        #expect(
            text == """
                a.yaml:2:3: error: unknown key 'x' [parse.unknown-key]
                2 |   instal: 2
                  |   ^~~~~~
                1 error, 0 warnings

                """
        )
    }

    @Test func longLinesShowAWindowAroundTheProblem() {
        let line = String(repeating: "a", count: 500) + "BAD" + String(repeating: "b", count: 500)
        let text = Self.render(line, line: 1, column: 501, length: 3)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[1].count < 120)
        #expect(lines[1].contains("BAD"))
        // The caret sits under the B of BAD.
        let excerpt = Array(lines[1].unicodeScalars)
        let caret = Array(lines[2].unicodeScalars)
        let caretIndex = caret.firstIndex(of: "^") ?? 0
        #expect(excerpt[caretIndex] == "B")
        #expect(String(String.UnicodeScalarView(caret[caretIndex...])) == "^~~")
    }

    @Test func diagnosticsWithoutPlaceHaveNoExcerpt() {
        let diagnostic = Diagnostic.error(.yamlSyntax, "broken", at: nil)
        #expect(DiagnosticRenderer(sources: []).render(diagnostic) == "error: broken [parse.yaml-syntax]\n")
    }
}
