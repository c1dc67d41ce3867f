import Foundation
import SequenceCompiler
import SequenceTestSupport
import Testing

/// Golden files pin every byte the compiler emits for every script in `Sequences/`, for the
/// one-feature inputs, and every diagnostic for the invalid inputs.
struct ReferenceTests {
    static func canonicalJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    private func assertPlan(_ testCase: ReferenceCase) throws {
        let result = try #require(try testCase.compile().result)
        let problems = DiagnosticRenderer(sources: result.sources).render(result.diagnostics)
        #expect(result.diagnostics.isEmpty, "unexpected diagnostics:\n\(problems)")
        let plan = try #require(result.plan, "no plan:\n\(problems)")
        let listing = PlanListing.render(plan)
        if let failure = Golden.compare(
            listing,
            with: ReferenceCase.goldenDirectory.appendingPathComponent(testCase.goldenName + ".apdu")
        ) {
            Issue.record(Comment(rawValue: failure))
        }
        let json = try Self.canonicalJSON(PlanRecord(plan))
        if let failure = Golden.compare(
            json,
            with: ReferenceCase.goldenDirectory.appendingPathComponent(testCase.goldenName + ".plan.json")
        ) {
            Issue.record(Comment(rawValue: failure))
        }
        // Same input, same bytes; also when the script is prepared once and compiled from that.
        let again = try #require(try testCase.compile().result?.plan)
        #expect(PlanListing.render(again) == listing)
        if let card = testCase.card {
            var problems = DiagnosticBag()
            let cardData = try #require(CardDataParser.parse(try RepositoryLoader.source(card), diagnostics: &problems))
            let prepared = Compiler.prepare(try RepositoryLoader.source(testCase.script), loader: RepositoryLoader())
            let fromPrepared = try #require(
                Compiler.compile(prepared, cardData: cardData, options: testCase.options).plan
            )
            #expect(PlanListing.render(fromPrepared) == listing)
        }
    }

    @Test(arguments: try ReferenceCase.sequences())
    func sequenceMatchesGolden(_ testCase: ReferenceCase) throws {
        try assertPlan(testCase)
    }

    @Test(arguments: try ReferenceCase.validInputs())
    func validInputMatchesGolden(_ testCase: ReferenceCase) throws {
        try assertPlan(testCase)
    }

    @Test(arguments: ReferenceCase.invalidInputs())
    func invalidInputMatchesGoldenDiagnostics(_ testCase: ReferenceCase) throws {
        let (compiled, checked) = try testCase.compile()
        let diagnostics = compiled?.diagnostics ?? checked?.diagnostics ?? []
        let sources = compiled?.sources ?? checked?.sources ?? []
        #expect(diagnostics.contains { $0.severity == .error }, "an invalid input must produce an error")
        for diagnostic in diagnostics {
            #expect(diagnostic.range != nil, "diagnostic without a position: \(diagnostic.message)")
        }
        var bag = DiagnosticBag()
        bag.append(contentsOf: diagnostics)
        let text = DiagnosticRenderer(sources: sources).render(bag.sorted)
        let golden = ReferenceCase.goldenDirectory.appendingPathComponent(testCase.goldenName + ".diagnostics")
        if let failure = Golden.compare(text, with: golden) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test func everyScriptInSequencesHasAGoldenListing() throws {
        let covered = Set(try ReferenceCase.sequences().map(\.script))
        for script in RepositoryLoader.files(in: "Sequences", withExtension: "yaml") {
            #expect(covered.contains(script), "\(script) is compiled against no fixture card")
        }
    }

    @Test func everyDiagnosticIDHasAnInvalidInput() throws {
        var seen: Set<String> = []
        for testCase in ReferenceCase.invalidInputs() {
            let url = ReferenceCase.goldenDirectory.appendingPathComponent(testCase.goldenName + ".diagnostics")
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            for id in DiagnosticID.allCases where text.contains("[\(id.rawValue)]") {
                seen.insert(id.rawValue)
            }
        }
        let missing = DiagnosticID.allCases.map(\.rawValue).filter { !seen.contains($0) }
        #expect(missing.isEmpty, "diagnostic ids with no invalid input: \(missing)")
    }

    @Test func everyDiagnosticIDIsDocumented() throws {
        let text = try String(
            contentsOf: RepositoryPaths.docs.appendingPathComponent("Diagnostics.md"),
            encoding: .utf8
        )
        for id in DiagnosticID.allCases {
            #expect(text.contains("## `\(id.rawValue)`"), "Docs/Diagnostics.md has no section for \(id.rawValue)")
        }
    }

    @Test func noStaleGoldenFiles() throws {
        let names = Set(
            (try ReferenceCase.sequences() + ReferenceCase.validInputs()).flatMap {
                [$0.goldenName + ".apdu", $0.goldenName + ".plan.json"]
            }
                + ReferenceCase.invalidInputs().map { $0.goldenName + ".diagnostics" }
                + (try BundleCase.all()).map { $0.goldenName + ".bundle.json" }
        )
        let files = try FileManager.default.contentsOfDirectory(atPath: ReferenceCase.goldenDirectory.path)
        for file in files {
            #expect(names.contains(file), "golden \(file) belongs to no test case; remove it")
        }
    }
}
