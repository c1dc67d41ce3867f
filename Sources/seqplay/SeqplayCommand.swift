import ArgumentParser

/// `seqplay`: the thin client that replays a signed bundle onto a card through PC/SC.
@main
struct SeqplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqplay",
        abstract: "Replay a signed cardseq bundle onto a card through a PC/SC reader.",
        discussion: """
            The bundle's signature is checked against the pinned public key before anything is \
            sent; then every command goes to the card in order, and the first status word a \
            command does not accept stops the run with the command, its step and source line.

            Exit status: 0 completed, 1 the card refused a command (status word or session), \
            2 the bundle was rejected, 3 the card, reader or PC/SC service failed, 64 usage.

            Examples:
              seqplay readers
              seqplay verify bundle.json --trusted-key Sequences/keys/test-signing-key.pub.pem
              seqplay run bundle.json --trusted-key Sequences/keys/test-signing-key.pub.pem --trace
            """,
        version: "0.1.0",
        subcommands: [RunCommand.self, InstallCommand.self, VerifyCommand.self, ReadersCommand.self]
    )
}
