import ArgumentParser
import SequenceCompiler

/// `seqc check`: report every mistake in one or more scripts.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check install scripts and report every mistake in one run.",
        discussion: """
            Prints each problem as 'path:line:col: error: message [id]' with the source line. \
            Without --card, values that depend on card data are type-checked only; with --card \
            the script is compiled for that card as well.

            Example:
              seqc check Sequences/*.yaml
            """
    )

    @Argument(help: "The scripts to check.")
    var files: [String]

    @Option(help: "A card-data file: also compile for this card and report what that finds.")
    var card: String?

    @Option(help: "Output format: text (on standard error) or json (on standard output).")
    var format: Output.Format = .text

    @OptionGroup var security: SecurityOptions

    func run() throws {
        let loader = FileSystemResourceLoader()
        var diagnostics: [Diagnostic] = []
        var sources: [SourceFile] = []
        var cardData: CardData?
        if let card {
            let (data, cardDiagnostics, cardSource) = try CompileCommand.readCardData(card)
            diagnostics += cardDiagnostics
            sources += cardSource
            cardData = data
        }
        for file in files {
            let source: SourceFile
            do {
                source = try FileSystemResourceLoader.source(file)
            } catch {
                Output.err("\(file): error: \(error)\n")
                throw ExitCode.failure
            }
            if let cardData {
                let result = Compiler.compile(source, cardData: cardData, loader: loader, options: security.options)
                diagnostics += result.diagnostics
                sources += result.sources
            } else {
                let result = Compiler.check(source, loader: loader, options: security.options)
                diagnostics += result.diagnostics
                sources += result.sources
            }
        }
        try Output.report(diagnostics, sources: sources, format: format)
        if diagnostics.contains(where: { $0.severity == .error }) {
            throw ExitCode.failure
        }
    }
}
