import Foundation
import SequenceCompiler
import SequenceTestSupport
import Testing

/// One compile whose output a golden file pins.
struct ReferenceCase: CustomTestStringConvertible, Sendable {
    /// The script, relative to the repository root.
    var script: String
    /// The card-data file, relative to the repository root, if the case compiles for a card.
    var card: String?
    /// The options, when not the defaults.
    var options: CompileOptions
    /// The golden file's base name (without extension).
    var goldenName: String

    var testDescription: String { goldenName }

    static let testDirectory = "Tests/SequenceCompilerReferenceTests"
    static let goldenDirectory = RepositoryPaths.root.appendingPathComponent(testDirectory + "/Golden")

    static func baseName(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.hasSuffix(".yaml") ? String(file.dropLast(5)) : file
    }

    /// The cards in `Sequences/cards` with the profile each declares.
    static func cards() throws -> [(path: String, profile: CardProfile?)] {
        try RepositoryLoader.files(in: "Sequences/cards", withExtension: "yaml").map { path in
            var diagnostics = DiagnosticBag()
            let data = CardDataParser.parse(try RepositoryLoader.source(path), diagnostics: &diagnostics)
            return (path, data?.profile?.value)
        }
    }

    /// Every script in `Sequences/` against every fixture card of a profile it targets, plus extra option variants.
    static func sequences() throws -> [ReferenceCase] {
        try cases(forScriptsIn: "Sequences", prefix: "")
            + [
                ReferenceCase(
                    script: "Sequences/brokerage.yaml",
                    card: "Sequences/cards/gp-test-card.yaml",
                    options: CompileOptions(secureChannel: .scp02, securityLevel: .macEncrypt),
                    goldenName: "brokerage.gp-test-card.scp02-mac-enc"
                ),
                ReferenceCase(
                    script: "Sequences/brokerage.yaml",
                    card: "Sequences/cards/gp-test-card.yaml",
                    options: CompileOptions(secureChannel: .scp03, securityLevel: .macEncrypt, macLength: 16),
                    goldenName: "brokerage.gp-test-card.scp03-s16-mac-enc"
                ),
                ReferenceCase(
                    script: "Sequences/loyalty.yaml",
                    card: "Sequences/cards/iso-test-card.yaml",
                    options: CompileOptions(secureChannel: .sm, securityLevel: .macEncrypt),
                    goldenName: "loyalty.iso-test-card.sm-mac-enc"
                ),
            ]
    }

    /// The one-feature inputs under `Inputs/valid`.
    static func validInputs() throws -> [ReferenceCase] {
        try cases(forScriptsIn: testDirectory + "/Inputs/valid", prefix: "valid.")
    }

    private static func cases(forScriptsIn directory: String, prefix: String) throws -> [ReferenceCase] {
        let cards = try cards()
        var result: [ReferenceCase] = []
        for script in RepositoryLoader.files(in: directory, withExtension: "yaml") {
            let check = Compiler.check(try RepositoryLoader.source(script), loader: RepositoryLoader())
            let profiles = Set(check.document?.profiles.map(\.value) ?? [])
            for card in cards where card.profile.map(profiles.contains) ?? false {
                result.append(
                    ReferenceCase(
                        script: script,
                        card: card.path,
                        options: CompileOptions(),
                        goldenName: prefix + baseName(script) + "." + baseName(card.path)
                    )
                )
            }
        }
        return result
    }

    /// The invalid inputs; each compiles with `<name>.card.yaml` beside it when there is one, or is only checked.
    static func invalidInputs() -> [ReferenceCase] {
        let directory = testDirectory + "/Inputs/invalid"
        return RepositoryLoader.files(in: directory, withExtension: "yaml")
            .filter { !$0.hasSuffix(".card.yaml") }
            .map { script in
                let card = String(script.dropLast(5)) + ".card.yaml"
                let hasCard = FileManager.default.fileExists(
                    atPath: RepositoryPaths.root.appendingPathComponent(card).path
                )
                return ReferenceCase(
                    script: script,
                    card: hasCard ? card : nil,
                    options: CompileOptions(),
                    goldenName: "invalid." + baseName(script)
                )
            }
    }

    /// Compiles the case; returns the result and the card-data diagnostics.
    func compile() throws -> (result: Compiler.CompileResult?, check: Compiler.CheckResult?) {
        let source = try RepositoryLoader.source(script)
        guard let card else {
            return (nil, Compiler.check(source, loader: RepositoryLoader(), options: options))
        }
        var diagnostics = DiagnosticBag()
        let cardSource = try RepositoryLoader.source(card)
        let cardData = try #require(CardDataParser.parse(cardSource, diagnostics: &diagnostics))
        #expect(diagnostics.diagnostics.isEmpty, "card data \(card) has problems: \(diagnostics.diagnostics)")
        return (Compiler.compile(source, cardData: cardData, loader: RepositoryLoader(), options: options), nil)
    }
}
