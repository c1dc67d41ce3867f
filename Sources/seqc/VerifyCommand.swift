import APDUTypes
import ArgumentParser
import BundleFormat
import Foundation
import KeyStore
import SecureChannel
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

    /// The MAC-chain check for a bundle: the key set its card identity selects (diversified with
    /// its KDD for a GlobalPlatform channel, the access keys for secure messaging).
    static func chainCheck(for bundle: SignedBundle, keyFile path: String) throws -> MACChainCheck {
        let keyFile = try KeyFile(text: try FileSystemResourceLoader.source(path).text, path: path)
        let identity = bundle.payload.card.identity
        let card = CardIdentity(
            isdAID: identity.isdAID?.bytes,
            iin: identity.iin,
            cin: identity.cin,
            keyDiversificationData: identity.kdd
        )
        if case .secureMessaging = bundle.payload.secureChannel {
            return MACChainCheck(accessKeys: try keyFile.accessKeys(for: card).keys)
        }
        return MACChainCheck(cardKeys: try keyFile.keySet(for: card).cardKeys(for: card))
    }

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
                verifier.checks.append(try Self.chainCheck(for: decoded, keyFile: keys))
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
        discussion: """
            Sensitive data is shown as '**'. The signature is not checked: use 'seqc verify' for \
            that. With --keys the channel is replayed on the card side and every command is also \
            shown as the card receives it (MAC removed, data decrypted; secrets encrypted under \
            the DEK stay encrypted, and sensitive commands stay hidden).
            """
    )

    @Argument(help: "The bundle file.")
    var bundle: String

    @Option(help: "A key file: also show each command as the card receives it.")
    var keys: String?

    func run() throws {
        let decoded: SignedBundle
        do {
            decoded = try SignedBundle.decode(try FileSystemResourceLoader.read(bundle))
        } catch {
            Output.err("\(bundle): error: \(error)\n")
            throw ExitCode.failure
        }
        Output.out(BundleDescription.render(decoded))
        guard let keys else { return }
        let check: MACChainCheck
        do {
            check = try VerifyCommand.chainCheck(for: decoded, keyFile: keys)
        } catch {
            Output.err("\(bundle): error: \(error)\n")
            throw ExitCode.failure
        }
        switch check.replay(decoded) {
        case .success(let commands):
            var text = "\nas the card receives them (MAC chain verified):\n"
            for plain in commands {
                let sensitive = decoded.payload.commands[plain.index].sensitive
                let apdu = plain.command
                let header = Hex.string([apdu.cla, apdu.ins, apdu.p1, apdu.p2])
                let data = sensitive ? String(repeating: "**", count: apdu.data.count) : Hex.string(apdu.data)
                text += "[\(plain.index)] \(header) \(data)\n"
            }
            Output.out(text)
        case .failure(let error):
            Output.err("\(bundle): command \(error.commandIndex.map(String.init) ?? "-"): error: \(error.message)\n")
            throw ExitCode.failure
        }
    }
}
