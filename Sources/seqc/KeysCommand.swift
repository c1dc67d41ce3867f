import APDUTypes
import ArgumentParser
import CardCrypto
import KeyStore
import SecureChannel
import SequenceCompiler

/// `seqc keys`: which key set a card gets, and the check values of its keys; never the keys.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show which key set a card gets and the check values of its keys.",
        discussion: """
            Picks the key set of the key file that matches the card (by ISD AID, IIN, CIN), shows \
            its protocol, security level, key version and diversification, and the key check \
            values (KCV) of the stored keys and of the card's keys after diversification with the \
            card's KDD. Key bytes are never printed.

            Example:
              seqc keys --keys Sequences/keys/test-keys.yaml --card Sequences/cards/gp-test-card.yaml
            """
    )

    @Option(help: "The key file (YAML key sets).")
    var keys: String

    @Option(help: "The card-data file whose identification picks the key set.")
    var card: String

    func run() throws {
        let keyFile: KeyFile
        do {
            let source = try FileSystemResourceLoader.source(keys)
            keyFile = try KeyFile(text: source.text, path: keys)
        } catch {
            Output.err("\(keys): error: \(error)\n")
            throw ExitCode.failure
        }
        let (cardData, problems, sources) = try CompileCommand.readCardData(card)
        guard let cardData, !problems.contains(where: { $0.severity == .error }) else {
            try Output.report(problems, sources: sources, format: .text)
            throw ExitCode.failure
        }
        let identity = Self.identity(cardData)
        if cardData.profile?.value == .iso7816 {
            do {
                let selected = try keyFile.accessKeys(for: identity)
                Output.out(
                    [
                        "key set:          \(selected.name) (\(keys))",
                        "protocol:         ISO 7816-4 secure messaging, key reference \(Hex.string([selected.keyReference]))",
                        "access keys:      \(selected.keys)",
                    ].joined(separator: "\n") + "\n"
                )
            } catch {
                Output.err("\(card): error: \(error)\n")
                throw ExitCode.failure
            }
            return
        }
        do {
            let selected = try keyFile.keySet(for: identity)
            let configuration = selected.configuration
            var lines = [
                "key set:          \(selected.name) (\(keys))",
                "protocol:         \(configuration.scp), security level \(configuration.securityLevel)",
                "key version:      \(Hex.string([selected.keys.keyVersion]))",
                "diversification:  \(configuration.diversification)",
                "stored keys:      \(selected.keys.enc.name), KCV \(selected.keys.checkValueSummary)",
            ]
            if configuration.diversification != .none {
                let cardKeys = try selected.cardKeys(for: identity)
                let kdd = identity.keyDiversificationData.map { Hex.string($0) } ?? ""
                lines.append("card keys:        KCV \(cardKeys.checkValueSummary) (KDD \(kdd))")
            }
            Output.out(lines.joined(separator: "\n") + "\n")
        } catch {
            Output.err("\(card): error: \(error)\n")
            throw ExitCode.failure
        }
    }

    /// The identification data of a card-data file, as the key store matches it.
    static func identity(_ data: CardData) -> CardIdentity {
        CardIdentity(
            isdAID: data.bytes(for: .issuerSecurityDomain),
            iin: data.bytes(for: .iin),
            cin: data.bytes(for: .cin),
            keyDiversificationData: data.bytes(for: .keyDiversificationData)
        )
    }
}
