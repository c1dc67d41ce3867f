import Testing

@testable import SequenceCompiler

/// The parse stage: shapes, positions, includes and card data.
struct ParserTests {
    static func parse(_ text: String, files: [String: String] = [:]) -> (SequenceDocument?, [Diagnostic]) {
        var diagnostics = DiagnosticBag()
        var parser = DocumentParser(loader: InMemoryResourceLoader(files: files.mapValues { Array($0.utf8) }))
        let document = parser.parse(SourceFile(path: "main.yaml", text: text), diagnostics: &diagnostics)
        return (document, diagnostics.diagnostics)
    }

    @Test func scalarsKeepTheirPositionsInsideQuotes() throws {
        let (document, diagnostics) = Self.parse(
            """
            name: positions
            version: "1.0"
            profiles: [globalplatform]
            steps:
              - select: A000000151000000
              - select: "A0 00 00 01 51 00 00 00"
              - apdu: 'A0CA9F7F00'
            """
        )
        #expect(diagnostics.isEmpty)
        let steps = try #require(document?.steps)
        guard case .select(let plain) = steps[0].action, case .aid(let plainValue) = plain.target,
            case .select(let quoted) = steps[1].action, case .aid(let quotedValue) = quoted.target,
            case .apdu(let raw) = steps[2].action
        else {
            Issue.record("unexpected actions \(steps.map(\.action))")
            return
        }
        #expect(plainValue.range.start.description == "main.yaml:5:13")
        #expect(plainValue.contentStart.column == 13)
        #expect(quotedValue.range.start.column == 13)
        #expect(quotedValue.contentStart.column == 14)
        #expect(quotedValue.range.end.column == 13 + 25)
        #expect(raw.command.contentStart.column == 12)
        #expect(steps[2].range.start.description == "main.yaml:7:5")
    }

    @Test func includesExpandInPlaceAndKeepTheirOwnPositions() throws {
        let (document, diagnostics) = Self.parse(
            """
            name: includes
            version: 1.0.0
            profiles: [globalplatform]
            steps:
              - include: common/pre.yaml
              - delete: A0000001515350
            """,
            files: [
                "common/pre.yaml": """
                steps:
                  - select: A000000151000000
                  - include: inner.yaml
                """,
                "common/inner.yaml": """
                steps:
                  - apdu: 80CA9F7F00
                """,
            ]
        )
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let steps = try #require(document?.steps)
        #expect(steps.map(\.action.keyword) == [.select, .apdu, .delete])
        #expect(
            steps.map(\.range.start.description) == ["common/pre.yaml:2:5", "common/inner.yaml:2:5", "main.yaml:6:5"]
        )
        #expect(document?.includedSources.map(\.path) == ["common/pre.yaml", "common/inner.yaml"])
    }

    @Test func includingTheSameFileTwiceIsNotACycle() throws {
        let (document, diagnostics) = Self.parse(
            """
            name: twice
            version: 1.0.0
            profiles: [globalplatform]
            steps:
              - include: pre.yaml
              - include: pre.yaml
            """,
            files: ["pre.yaml": "steps:\n  - select: A000000151000000\n"]
        )
        #expect(diagnostics.isEmpty)
        #expect(document?.steps.count == 2)
    }

    @Test func statusPatternsWithWildcards() throws {
        let pattern = try #require(StatusPattern(text: "63cX"))
        #expect(pattern.matches(0x63C2))
        #expect(!pattern.matches(0x6300))
        #expect(pattern.description == "63CX")
        #expect(StatusPattern(text: "900") == nil)
        #expect(StatusPattern(text: "90G0") == nil)
        #expect(StatusPattern(text: "61XX")?.matches(0x6110) == true)
    }

    @Test func cardDataReadsCPLCFromHexOrFields() throws {
        var diagnostics = DiagnosticBag()
        let hex =
            "9F7F2A" + "4790" + "5167" + String(repeating: "00", count: 8) + "0042ACF3"
            + String(repeating: "00", count: 26)
        let fromHex = try #require(
            CardDataParser.parse(SourceFile(path: "a.yaml", text: "card:\n  cplc: \(hex)\n"), diagnostics: &diagnostics)
        )
        let fromFields = try #require(
            CardDataParser.parse(
                SourceFile(path: "b.yaml", text: "card:\n  cplc:\n    ic-serial-number: 0042ACF3\n"),
                diagnostics: &diagnostics
            )
        )
        #expect(diagnostics.diagnostics.isEmpty, "\(diagnostics.diagnostics)")
        guard case .bytes(let serial, _)? = fromHex.value(for: .cplc(.icSerialNumber)),
            case .bytes(let fabricator, _)? = fromHex.value(for: .cplc(.icFabricator)),
            case .bytes(let mapped, _)? = fromFields.value(for: .cplc(.icSerialNumber))
        else {
            Issue.record("CPLC fields missing")
            return
        }
        #expect(serial == [0x00, 0x42, 0xAC, 0xF3])
        #expect(fabricator == [0x47, 0x90])
        #expect(mapped == serial, "the mapping form reads hex, as the CPLC value does")
        #expect(CPLCField.icSerialNumber.offset == 12)
        #expect(CPLCField.allCases.reduce(0) { $0 + $1.length } == CPLCField.totalLength)
    }

    @Test func cardDataReportsAShortCPLC() {
        var diagnostics = DiagnosticBag()
        _ = CardDataParser.parse(
            SourceFile(path: "c.yaml", text: "card:\n  cplc: 9F7F2A4790\n"),
            diagnostics: &diagnostics
        )
        #expect(diagnostics.diagnostics.map(\.id) == [.fieldValue])
        #expect(diagnostics.diagnostics.first?.range?.start.description == "c.yaml:2:9")
    }

    @Test func suggestionsFindCloseNamesOnly() {
        #expect(Suggestions.closest(to: "instal", in: ["install", "select"]) == "install")
        #expect(Suggestions.closest(to: "xyz", in: ["install", "select"]) == nil)
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)
    }
}
