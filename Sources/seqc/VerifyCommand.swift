import APDUTypes
import ArgumentParser
import BundleFormat
import Foundation
import KeyStore
import SequenceCompiler

/// `seqc verify`: check a bundle's signature and structure offline.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a signed bundle's signature, structure and validity period.",
        discussion: """
            Verifies the signature against the given public key (the key the client pins), the \
            bundle's structure (command order, EXTERNAL AUTHENTICATE first, consistent channel \
            values) and that it is valid now. With --keys it also replays the MAC chain offline \
            as the card would and names the first command the card would refuse. Prints every \
            failure with the command it concerns.

            Example:
              seqc verify bundle.json --public-key Sequences/keys/test-signing-key.pub.pem
            """
    )

    @Argument(help: "The bundle file.")
    var bundle: String

    @Option(help: "The trusted bundle-signing public key (PEM).")
    var publicKey: String

    @Option(help: "Check validity at this time (ISO 8601 UTC) instead of now.")
    var now: String?

    @Option(help: "A key file: also replay the whole MAC chain as the card would, offline.")
    var keys: String?

    func run() throws {
        let bytes: [UInt8]
        let key: BundlePublicKey
        do {
            bytes = try FileSystemResourceLoader.read(bundle)
            key = try BundlePublicKey(pemRepresentation: try FileSystemResourceLoader.source(publicKey).text)
        } catch {
            Output.err("error: \(error)\n")
            throw ExitCode.failure
        }
        guard let time = now.map({ BundleTimestamp(iso8601: $0) }) ?? BundleTimestamp(Date()) else {
            throw ValidationError("--now must be like 2027-01-01T00:00:00Z")
        }
        var verifier = BundleVerifier.standard(trustedKeys: [key], now: time)
        if let keys {
            do {
                let decoded = try SignedBundle.decode(bytes)
                let keyFile = try KeyFile(text: try FileSystemResourceLoader.source(keys).text, path: keys)
                let identity = decoded.payload.card.identity
                let card = CardIdentity(
                    isdAID: identity.isdAID?.bytes,
                    iin: identity.iin,
                    cin: identity.cin,
                    keyDiversificationData: identity.kdd
                )
                verifier.checks.append(MACChainCheck(cardKeys: try keyFile.keySet(for: card).cardKeys(for: card)))
            } catch {
                Output.err("\(bundle): error: \(error)\n")
                throw ExitCode.failure
            }
        }
        let result = verifier.verify(bytes: bytes)
        guard result.isValid, let verified = result.bundle else {
            for failure in result.failures {
                let place = failure.commandIndex.map { " command \($0):" } ?? ""
                Output.err("\(bundle):\(place) error: \(failure.error.message) [\(failure.error.code)]\n")
            }
            throw ExitCode.failure
        }
        let payload = verified.payload
        Output.out(
            "\(bundle): OK: \(payload.sequence.name) \(payload.sequence.version), \(payload.commands.count) commands"
                + (keys != nil ? " (MAC chain verified)" : "") + ", "
                + "signed by key \(Hex.string(key.keyID)), valid until \(payload.expiresAt)\n"
        )
    }
}

/// `seqc inspect`: a bundle in human terms.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a signed bundle in human terms: steps, source lines, decoded commands.",
        discussion: "Sensitive data is shown as '**'. The signature is not checked: use 'seqc verify' for that."
    )

    @Argument(help: "The bundle file.")
    var bundle: String

    func run() throws {
        do {
            let decoded = try SignedBundle.decode(try FileSystemResourceLoader.read(bundle))
            Output.out(BundleDescription.render(decoded))
        } catch {
            Output.err("\(bundle): error: \(error)\n")
            throw ExitCode.failure
        }
    }
}
