import ArgumentParser

/// `seqplay`: the thin client that replays a signed bundle onto a card through PC/SC.
@main
struct SeqplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqplay",
        abstract: "Install from an issuer's seqd, or replay a signed cardseq bundle, onto a card through PC/SC.",
        discussion: """
            The bundle's signature is checked against the pinned public key before anything is \
            sent; then every command goes to the card in order, and the first status word a \
            command does not accept stops the run with the command, its step and source line.

            Exit status: 0 completed, 1 the card refused a command (status word or session), \
            2 the bundle was rejected, 3 the card, reader or PC/SC service failed, 4 the server \
            refused, could not be reached or did not confirm (install), 64 usage.

            Examples:
              seqplay readers
              seqplay verify bundle.json --trusted-key Sequences/keys/test-signing-key.pub.pem
              seqplay run bundle.json --trusted-key Sequences/keys/test-signing-key.pub.pem --trace
              seqplay install brokerage --server https://localhost:8443 \\
                --trusted-key Sequences/keys/test-signing-key.pub.pem --server-certificate .seqd/seqd-certificate.pem
            """,
        version: "0.1.0",
        subcommands: [RunCommand.self, InstallCommand.self, VerifyCommand.self, ReadersCommand.self]
    )
}
