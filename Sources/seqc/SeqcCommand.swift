import ArgumentParser

/// `seqc`: the author's and server's command-line tool.
@main
struct SeqcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqc",
        abstract: "Check and compile cardseq install scripts into card commands.",
        discussion: """
            Authors write one YAML install script per application; seqc checks it and compiles it \
            for one card into the exact command APDUs that card needs.

            Examples:
              seqc check Sequences/brokerage.yaml
              seqc compile Sequences/brokerage.yaml --card card.yaml
              seqc cap inspect Sequences/brokerage/brokerage.cap
            """,
        version: "0.1.0",
        subcommands: [
            CheckCommand.self, CompileCommand.self, VerifyCommand.self, InspectCommand.self, KeysCommand.self,
            CAPCommand.self,
        ]
    )
}
