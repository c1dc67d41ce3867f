import ArgumentParser

/// `seqd`: the issuer's server.
@main
struct SeqdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqd",
        abstract: "The issuer's server: identifies cards, authenticates them, and issues signed install bundles.",
        discussion: """
            seqd serve answers the install protocol (Docs/Protocol.md) over HTTPS; seqd registry \
            shows what the registry recorded.
            """,
        subcommands: [ServeCommand.self, RegistryCommand.self]
    )
}
