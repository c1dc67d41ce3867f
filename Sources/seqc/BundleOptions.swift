import APDUTypes
import ArgumentParser
import BundleFormat
import Foundation
import KeyStore
import SecureChannel
import SequenceCompiler

/// The options that turn `seqc compile` into a signed-bundle compile.
struct BundleOptions: ParsableArguments {
    @Option(help: "A key file: with it, compile a signed bundle secured by the card's channel.")
    var keys: String?

    @Option(help: "The bundle signing key (PEM, Ed25519 or P-256 private key).")
    var signingKey: String?

    @Option(
        help:
            "The host challenge sent in INITIALIZE UPDATE (hex, 8 bytes; 16 for SCP03 S16); for secure messaging, RND.IFD (8 bytes)."
    )
    var hostChallenge: String?

    @Option(help: "Secure messaging: the card's answer to GET CHALLENGE, RND.IC (hex, 8 bytes).")
    var cardChallenge: String?

    @Option(help: "Secure messaging: the host's key material K.IFD (hex, 16 bytes; secret, random in production).")
    var keyMaterial: String?

    @Option(
        help:
            "Secure messaging: the card's answer to EXTERNAL AUTHENTICATE (hex). Without it, print the EXTERNAL AUTHENTICATE to send."
    )
    var authenticationResponse: String?

    @Option(help: "The card's INITIALIZE UPDATE response (hex, with or without the 9000 status word).")
    var initializeUpdateResponse: String?

    @Option(
        help:
            "Instead of a response: the SCP03 sequence counter the card will use (hex, 3 bytes), to precompute the session."
    )
    var sequenceCounter: String?

    @Option(
        help:
            "Override the key set's SCP02 i parameter (hex), such as 1A for implicit initiation: then only --sequence-counter (2 bytes) is needed and the level is C-MAC."
    )
    var scpOption: String?

    /// Whether `--scp-option` asks for SCP02 implicit initiation (bit 02 of i).
    var isImplicit: Bool {
        guard let scpOption, let bytes = Hex.bytes(scpOption), bytes.count == 1 else { return false }
        return bytes[0] & 0x02 != 0
    }

    @Option(help: "When the bundle is issued (ISO 8601 UTC, such as 2027-01-01T00:00:00Z); now by default.")
    var issuedAt: String?

    @Option(help: "How long the bundle is valid, in seconds.")
    var validFor: Int64 = 86_400

    @Option(help: "The bundle id (hex, 16 bytes); random by default.")
    var bundleID: String?

    func validate() throws {
        guard keys != nil else {
            if signingKey != nil || hostChallenge != nil || initializeUpdateResponse != nil {
                throw ValidationError("--signing-key, --host-challenge and --initialize-update-response need --keys")
            }
            return
        }
        guard signingKey != nil else { throw ValidationError("--keys needs --signing-key to sign the bundle") }
        if let scpOption, Hex.bytes(scpOption)?.count != 1 {
            throw ValidationError("--scp-option must be one hex byte such as 1A")
        }
        if isImplicit {
            guard let counter = sequenceCounter, Hex.bytes(counter)?.count == 2 else {
                throw ValidationError("SCP02 implicit initiation needs --sequence-counter as 2 bytes of hex")
            }
            guard initializeUpdateResponse == nil, hostChallenge == nil else {
                throw ValidationError(
                    "SCP02 implicit initiation has no INITIALIZE UPDATE: drop --host-challenge and --initialize-update-response"
                )
            }
            return try validateCommon()
        }
        guard let challenge = hostChallenge, Hex.bytes(challenge) != nil else {
            throw ValidationError("--keys needs --host-challenge as hex")
        }
        if cardChallenge != nil || keyMaterial != nil || authenticationResponse != nil {
            guard let cardChallenge, Hex.bytes(cardChallenge)?.count == 8 else {
                throw ValidationError("secure messaging needs --card-challenge as 8 bytes of hex")
            }
            guard let keyMaterial, Hex.bytes(keyMaterial)?.count == 16 else {
                throw ValidationError("secure messaging needs --key-material as 16 bytes of hex")
            }
            if let authenticationResponse, Hex.bytes(authenticationResponse) == nil {
                throw ValidationError("--authentication-response must be hex")
            }
            guard initializeUpdateResponse == nil, sequenceCounter == nil else {
                throw ValidationError(
                    "--initialize-update-response and --sequence-counter are for GlobalPlatform cards, not secure messaging"
                )
            }
            return try validateCommon()
        }
        switch (initializeUpdateResponse, sequenceCounter) {
        case (let response?, nil):
            guard Hex.bytes(response) != nil else { throw ValidationError("--initialize-update-response must be hex") }
        case (nil, let counter?):
            guard Hex.bytes(counter)?.count == 3 else {
                throw ValidationError("--sequence-counter must be 3 bytes of hex")
            }
        default:
            throw ValidationError(
                "--keys needs either --initialize-update-response or --sequence-counter (GlobalPlatform), or --card-challenge and --key-material (secure messaging)"
            )
        }
        try validateCommon()
    }

    private func validateCommon() throws {
        if let issuedAt, BundleTimestamp(iso8601: issuedAt) == nil {
            throw ValidationError("--issued-at must be like 2027-01-01T00:00:00Z")
        }
        if let bundleID, Hex.bytes(bundleID)?.count != 16 {
            throw ValidationError("--bundle-id must be 16 bytes of hex")
        }
        guard validFor > 0 else { throw ValidationError("--valid-for must be positive") }
    }

    func compileBundle(file: String, card: String, diagnosticsFormat: Output.Format) throws {
        let (cardData, cardDiagnostics, cardSources) = try CompileCommand.readCardData(card)
        guard let cardData, !cardDiagnostics.contains(where: { $0.severity == .error }) else {
            try Output.report(cardDiagnostics, sources: cardSources, format: diagnosticsFormat)
            throw ExitCode.failure
        }
        if cardChallenge != nil {
            return try compileSecureMessagingBundle(
                file: file,
                cardData: cardData,
                diagnosticsFormat: diagnosticsFormat
            )
        }
        let request: BundleCompiler.Request
        do {
            let keyPath = keys ?? ""
            let keyFile = try KeyFile(text: try FileSystemResourceLoader.source(keyPath).text, path: keyPath)
            let identity = KeysCommand.identity(cardData)
            let selected = try keyFile.keySet(for: identity)
            let signer = try self.signer()
            var response = Hex.bytes(initializeUpdateResponse ?? "") ?? []
            if !response.isEmpty && !response.suffix(2).elementsEqual([0x90, 0x00]) {
                response += [0x90, 0x00]
            }
            var generator = SystemRandomNumberGenerator()
            var configuration = selected.configuration
            if let option = scpOption.flatMap({ Hex.bytes($0) })?.first {
                guard case .scp02 = configuration.scp else {
                    throw ValidationError(
                        "--scp-option applies to SCP02 key sets; '\(selected.name)' is \(configuration.scp)"
                    )
                }
                configuration.scp = .scp02(i: option)
                if isImplicit {
                    configuration.securityLevel = [.commandMAC]
                }
            }
            request = BundleCompiler.Request(
                keys: selected.keys,
                configuration: configuration,
                hostChallenge: Hex.bytes(hostChallenge ?? "") ?? [],
                initializeUpdateResponse: response,
                signer: signer,
                issuedAt: issuedAt.flatMap(BundleTimestamp.init(iso8601:)) ?? BundleTimestamp(Date()),
                lifetime: validFor,
                bundleID: bundleID.flatMap { Hex.bytes($0) } ?? BundlePayload.randomID(using: &generator),
                sequenceCounter: sequenceCounter.flatMap { Hex.bytes($0) }
            )
        } catch {
            Output.err("error: \(error)\n")
            throw ExitCode.failure
        }
        let source: SourceFile
        do {
            source = try FileSystemResourceLoader.source(file)
        } catch {
            Output.err("\(file): error: \(error)\n")
            throw ExitCode.failure
        }
        do {
            let result = try BundleCompiler.compile(
                source,
                cardData: cardData,
                loader: FileSystemResourceLoader(),
                request: request
            )
            if !result.diagnostics.isEmpty {
                try Output.report(result.diagnostics, sources: result.sources, format: diagnosticsFormat)
            }
            guard let bundle = result.bundle else { throw ExitCode.failure }
            Output.out(String(decoding: bundle.encoded(), as: UTF8.self))
        } catch let failure as BundleCompiler.Failure {
            Output.err("error: \(failure)\n")
            throw ExitCode.failure
        }
    }

    /// The signer from `--signing-key`: the key's own encoding says which algorithm it is,
    /// Ed25519 first, then P-256.
    private func signer() throws -> any BundleSigner {
        let signerText = try FileSystemResourceLoader.source(signingKey ?? "").text
        if let ed25519 = try? Ed25519BundleSigner(pemRepresentation: signerText) {
            return ed25519
        }
        return try P256BundleSigner(pemRepresentation: signerText)
    }

    /// A file-oriented card: print EXTERNAL AUTHENTICATE, or with the card's answer, the bundle.
    private func compileSecureMessagingBundle(
        file: String,
        cardData: CardData,
        diagnosticsFormat: Output.Format
    ) throws {
        let request: BundleCompiler.SecureMessagingRequest
        do {
            let keyPath = keys ?? ""
            let keyFile = try KeyFile(text: try FileSystemResourceLoader.source(keyPath).text, path: keyPath)
            let selected = try keyFile.accessKeys(for: KeysCommand.identity(cardData))
            var generator = SystemRandomNumberGenerator()
            request = BundleCompiler.SecureMessagingRequest(
                accessKeys: selected.keys,
                keyReference: selected.keyReference,
                cardChallenge: Hex.bytes(cardChallenge ?? "") ?? [],
                terminalChallenge: Hex.bytes(hostChallenge ?? "") ?? [],
                terminalKeyMaterial: Hex.bytes(keyMaterial ?? "") ?? [],
                authenticationResponse: Hex.bytes(authenticationResponse ?? "") ?? [],
                signer: try signer(),
                issuedAt: issuedAt.flatMap(BundleTimestamp.init(iso8601:)) ?? BundleTimestamp(Date()),
                lifetime: validFor,
                bundleID: bundleID.flatMap { Hex.bytes($0) } ?? BundlePayload.randomID(using: &generator)
            )
        } catch {
            Output.err("error: \(error)\n")
            throw ExitCode.failure
        }
        do {
            guard authenticationResponse != nil else {
                let command = try BundleCompiler.secureMessagingAuthentication(request)
                Output.out(Hex.string(command.bytes) + "\n")
                Output.err(
                    "send this EXTERNAL AUTHENTICATE to the card, then compile again with --authentication-response and the card's answer\n"
                )
                return
            }
            let source = try FileSystemResourceLoader.source(file)
            let result = try BundleCompiler.compile(
                Compiler.prepare(source, loader: FileSystemResourceLoader()),
                cardData: cardData,
                secureMessaging: request
            )
            if !result.diagnostics.isEmpty {
                try Output.report(result.diagnostics, sources: result.sources, format: diagnosticsFormat)
            }
            guard let bundle = result.bundle else { throw ExitCode.failure }
            Output.out(String(decoding: bundle.encoded(), as: UTF8.self))
        } catch let failure as BundleCompiler.Failure {
            Output.err("error: \(failure)\n")
            throw ExitCode.failure
        }
    }
}
