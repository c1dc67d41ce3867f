import Foundation
import SequenceCompiler
import SequenceTestSupport
import Testing

/// Thousands of random mutations of the real scripts and of a CAP file: the compiler must never
/// crash, and every problem it reports must be a diagnostic with a position.
struct MutationTests {
    /// A small deterministic generator (SplitMix64), so a failing mutation can be replayed by seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet = Array(" :-{}[]\"'#|>&*!%@,\n\t0123456789ABCDEFxyz{{}}_.")

    static func mutate(_ text: String, using rng: inout SplitMix64) -> String {
        var characters = Array(text)
        let edits = Int.random(in: 1...4, using: &rng)
        for _ in 0..<edits where !characters.isEmpty {
            let index = Int.random(in: 0..<characters.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: characters[index] = alphabet.randomElement(using: &rng) ?? " "
            case 1: characters.remove(at: index)
            case 2: characters.insert(alphabet.randomElement(using: &rng) ?? " ", at: index)
            case 3:
                // Duplicate or drop a whole line.
                let lines = String(characters).split(separator: "\n", omittingEmptySubsequences: false)
                var copy = lines.map(String.init)
                let line = Int.random(in: 0..<copy.count, using: &rng)
                if Bool.random(using: &rng) { copy.insert(copy[line], at: line) } else { copy.remove(at: line) }
                characters = Array(copy.joined(separator: "\n"))
            case 4:
                // Replace a word with a word from elsewhere in the file.
                let other = Int.random(in: 0..<characters.count, using: &rng)
                let length = Int.random(in: 1...8, using: &rng)
                let piece = characters[other..<min(other + length, characters.count)]
                characters.insert(contentsOf: piece, at: index)
            default:
                characters.removeSubrange(index..<min(index + Int.random(in: 1...20, using: &rng), characters.count))
            }
        }
        return String(characters)
    }

    /// Every file the scripts read, in memory, by repository-relative path.
    static func repositoryFiles() throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let paths =
            RepositoryLoader.files(in: "Sequences", withExtension: "yaml")
            + RepositoryLoader.files(in: "Sequences/common", withExtension: "yaml")
            + RepositoryLoader.files(in: "Sequences/cards", withExtension: "yaml")
            + RepositoryLoader.files(in: "Sequences/brokerage", withExtension: "cap")
            + RepositoryLoader.files(in: "Sequences/piv", withExtension: "cap")
            + RepositoryLoader.files(in: "Sequences/loyalty", withExtension: "hex")
        for path in paths {
            files[path] = try RepositoryLoader.bytes(path)
        }
        return files
    }

    static func cardData(_ path: String, _ files: [String: [UInt8]]) throws -> CardData {
        var diagnostics = DiagnosticBag()
        let source = SourceFile(path: path, text: String(decoding: try #require(files[path]), as: UTF8.self))
        return try #require(CardDataParser.parse(source, diagnostics: &diagnostics))
    }

    static func expectPositioned(_ diagnostics: [Diagnostic], _ context: @autoclosure () -> String) {
        for diagnostic in diagnostics where diagnostic.range == nil {
            Issue.record(
                "diagnostic without a position [\(diagnostic.id.rawValue)] \(diagnostic.message) in \(context())"
            )
        }
    }

    @Test func mutatedScriptsNeverCrashAndAlwaysPointAtTheProblem() throws {
        let files = try Self.repositoryFiles()
        let loader = InMemoryResourceLoader(files: files)
        let scripts = RepositoryLoader.files(in: "Sequences", withExtension: "yaml")
        let gpCard = try Self.cardData("Sequences/cards/gp-test-card.yaml", files)
        let isoCard = try Self.cardData("Sequences/cards/iso-test-card.yaml", files)
        var rng = SplitMix64(state: 20_261_125)
        var failures = 0
        let rounds = 3_000
        for round in 0..<rounds {
            let script = scripts[round % scripts.count]
            let original = String(decoding: try #require(files[script]), as: UTF8.self)
            let mutated = Self.mutate(original, using: &rng)
            let source = SourceFile(path: script, text: mutated)
            let checked = Compiler.check(source, loader: loader)
            Self.expectPositioned(checked.diagnostics, "check of mutation \(round) of \(script)")
            let card = script.hasSuffix("loyalty.yaml") ? isoCard : gpCard
            let compiled = Compiler.compile(source, cardData: card, loader: loader)
            Self.expectPositioned(compiled.diagnostics, "compile of mutation \(round) of \(script)")
            if compiled.hasErrors {
                failures += 1
                #expect(compiled.plan == nil)
            } else {
                // A compile without errors lowers every step: no step may vanish silently.
                let plan = try #require(compiled.plan)
                #expect(plan.steps.count == checked.document?.steps.count, "mutation \(round) of \(script) lost a step")
            }
        }
        // Most mutations break something; if none did, the mutator is not doing its job.
        #expect(failures > rounds / 4, "only \(failures) of \(rounds) mutations were rejected")
    }

    @Test func mutatedCardDataNeverCrashes() throws {
        let files = try Self.repositoryFiles()
        let loader = InMemoryResourceLoader(files: files)
        let source = try RepositoryLoader.source("Sequences/brokerage.yaml")
        let original = String(decoding: try #require(files["Sequences/cards/gp-test-card.yaml"]), as: UTF8.self)
        var rng = SplitMix64(state: 7)
        for round in 0..<1_000 {
            var diagnostics = DiagnosticBag()
            let cardSource = SourceFile(
                path: "Sequences/cards/gp-test-card.yaml",
                text: Self.mutate(original, using: &rng)
            )
            let card = CardDataParser.parse(cardSource, diagnostics: &diagnostics) ?? CardData()
            Self.expectPositioned(diagnostics.diagnostics, "card data mutation \(round)")
            let compiled = Compiler.compile(source, cardData: card, loader: loader)
            Self.expectPositioned(compiled.diagnostics, "compile with card data mutation \(round)")
        }
    }

    @Test func mutatedCAPFilesNeverCrashAndAreReportedAtTheComponent() throws {
        var files = try Self.repositoryFiles()
        let capPath = "Sequences/brokerage/brokerage.cap"
        let cap = try #require(files[capPath])
        let source = try RepositoryLoader.source("Sequences/brokerage.yaml")
        let card = try Self.cardData("Sequences/cards/gp-test-card.yaml", files)
        var rng = SplitMix64(state: 42)
        var rejected = 0
        let rounds = 2_000
        for round in 0..<rounds {
            var bytes = cap
            switch round % 3 {
            case 0:
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            case 1:
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            default:
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                bytes.insert(
                    contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in
                        UInt8.random(in: 0...255, using: &rng)
                    },
                    at: index
                )
            }
            files[capPath] = bytes
            let compiled = Compiler.compile(source, cardData: card, loader: InMemoryResourceLoader(files: files))
            Self.expectPositioned(compiled.diagnostics, "CAP mutation \(round)")
            if compiled.hasErrors {
                rejected += 1
                let capProblems = compiled.diagnostics.filter { $0.id == .componentCorrupt }
                for problem in capProblems {
                    #expect(problem.range?.start.path == "Sequences/brokerage.yaml")
                }
            }
        }
        #expect(rejected > rounds / 2, "only \(rejected) of \(rounds) corrupted CAP files were rejected")
    }
}
