import ArgumentParser
import SequenceCompiler

/// `seqc compile`: compile a script for one card into its command plan.
struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile an install script for one card into its command plan.",
        discussion: """
            Prints the plain command plan: one APDU a line in upper-case hex, grouped under \
            '# step' comments naming the source line, with the status words each command \
            expects. Secret bytes print as '**'. The same inputs always give the same bytes.

            With --keys it opens the card's secure channel from the host challenge and the card's \
            INITIALIZE UPDATE response, secures every command (C-MAC chain, encryption of secrets) \
            and prints the signed bundle instead.

            Examples:
              seqc compile Sequences/brokerage.yaml --card Sequences/cards/gp-test-card.yaml
              seqc compile Sequences/brokerage.yaml --card Sequences/cards/gp-test-card.yaml \\
                --keys Sequences/keys/test-keys.yaml --signing-key Sequences/keys/test-signing-key.pem \\
                --host-challenge 1122334455667788 --initialize-update-response <hex>
            """
    )

    /// The forms of a compiled plan.
    enum PlanFormat: String, CaseIterable, ExpressibleByArgument {
        case listing
        case json
    }

    @Argument(help: "The script to compile.")
    var file: String

    @Option(help: "The card-data file: the card's identification data and per-card fields.")
    var card: String

    @Option(help: "Output format: listing or json.")
    var format: PlanFormat = .listing

    @Option(name: .customLong("diagnostics-format"), help: "How to print problems: text or json.")
    var diagnosticsFormat: Output.Format = .text

    @OptionGroup var security: SecurityOptions

    @OptionGroup var bundleOptions: BundleOptions

    func run() throws {
        if bundleOptions.keys != nil {
            try bundleOptions.compileBundle(file: file, card: card, diagnosticsFormat: diagnosticsFormat)
            return
        }
        let (cardData, cardDiagnostics, cardSources) = try Self.readCardData(card)
        guard let cardData, !cardDiagnostics.contains(where: { $0.severity == .error }) else {
            try Output.report(cardDiagnostics, sources: cardSources, format: diagnosticsFormat)
            throw ExitCode.failure
        }
        let source: SourceFile
        do {
            source = try FileSystemResourceLoader.source(file)
        } catch {
            Output.err("\(file): error: \(error)\n")
            throw ExitCode.failure
        }
        let result = Compiler.compile(
            source,
            cardData: cardData,
            loader: FileSystemResourceLoader(),
            options: security.options
        )
        let diagnostics = cardDiagnostics + result.diagnostics
        if !diagnostics.isEmpty {
            try Output.report(diagnostics, sources: result.sources, format: diagnosticsFormat)
        }
        guard let plan = result.plan, !result.hasErrors else {
            throw ExitCode.failure
        }
        switch format {
        case .listing: Output.out(PlanListing.render(plan))
        case .json: Output.out(try Output.json(PlanRecord(plan)))
        }
    }

    /// Reads and parses a card-data file; an unreadable file is reported and ends the command.
    static func readCardData(_ path: String) throws -> (CardData?, [Diagnostic], [SourceFile]) {
        let source: SourceFile
        do {
            source = try FileSystemResourceLoader.source(path)
        } catch {
            Output.err("\(path): error: \(error)\n")
            throw ExitCode.failure
        }
        var diagnostics = DiagnosticBag()
        let data = CardDataParser.parse(source, diagnostics: &diagnostics)
        return (data, diagnostics.diagnostics, [source])
    }
}
