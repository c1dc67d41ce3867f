import APDUTypes
import ArgumentParser
import BundleFormat
import Foundation
import KeyStore
import SequenceCompiler

/// The options that turn `seqc compile` into a signed-bundle compile.
struct BundleOptions: ParsableArguments {
    @Option(help: "A key file: with it, compile a signed bundle secured by the card's channel.")
    var keys: String?

    @Option(help: "The bundle signing key (PEM, Ed25519 or P-256 private key).")
    var signingKey: String?

    @Option(help: "The host challenge sent in INITIALIZE UPDATE (hex, 8 bytes; 16 for SCP03 S16).")
    var hostChallenge: String?

    @Option(help: "The card's INITIALIZE UPDATE response (hex, with or without the 9000 status word).")
    var initializeUpdateResponse: String?

    @Option(
        help:
            "Instead of a response: the SCP03 sequence counter the card will use (hex, 3 bytes), to precompute the session."
    )
    var sequenceCounter: String?

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
        guard let challenge = hostChallenge, Hex.bytes(challenge) != nil else {
            throw ValidationError("--keys needs --host-challenge as hex")
        }
        switch (initializeUpdateResponse, sequenceCounter) {
        case (let response?, nil):
            guard Hex.bytes(response) != nil else { throw ValidationError("--initialize-update-response must be hex") }
        case (nil, let counter?):
            guard Hex.bytes(counter)?.count == 3 else {
                throw ValidationError("--sequence-counter must be 3 bytes of hex")
            }
        default:
            throw ValidationError("--keys needs either --initialize-update-response or --sequence-counter")
        }
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
        let request: BundleCompiler.Request
        do {
            let keyPath = keys ?? ""
            let keyFile = try KeyFile(text: try FileSystemResourceLoader.source(keyPath).text, path: keyPath)
            let identity = KeysCommand.identity(cardData)
            let selected = try keyFile.keySet(for: identity)
            let signerText = try FileSystemResourceLoader.source(signingKey ?? "").text
            // The key's own encoding says which algorithm it is: Ed25519 first, then P-256.
            let signer: any BundleSigner
            if let ed25519 = try? Ed25519BundleSigner(pemRepresentation: signerText) {
                signer = ed25519
            } else {
                signer = try P256BundleSigner(pemRepresentation: signerText)
            }
            var response = Hex.bytes(initializeUpdateResponse ?? "") ?? []
            if !response.isEmpty && !response.suffix(2).elementsEqual([0x90, 0x00]) {
                response += [0x90, 0x00]
            }
            var generator = SystemRandomNumberGenerator()
            request = BundleCompiler.Request(
                keys: selected.keys,
                configuration: selected.configuration,
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
}
