import APDUTypes
import BundleFormat
import CardCrypto
import Foundation
import KeyStore
import SecureChannel
import SequenceCompiler
import SequenceTestSupport
import Testing

/// One signed bundle whose bytes a golden file pins: a script, a fixture card, its key set.
struct BundleCase: CustomTestStringConvertible, Sendable {
    var script: String
    var card: String
    var scp: String
    var testDescription: String { goldenName }
    var goldenName: String { "bundle.\(ReferenceCase.baseName(script)).\(ReferenceCase.baseName(card)).\(scp)" }

    /// Every GlobalPlatform script under SCP03 (the first test card) and SCP02 with VISA2 keys (the
    /// second), except rotate-keys under SCP02: it loads AES keys, which an SCP02 DEK cannot carry.
    static func all() throws -> [BundleCase] {
        try allPairs().filter { !($0.script.hasSuffix("rotate-keys.yaml") && $0.scp == "scp02") }
            + [
                BundleCase(
                    script: "Sequences/brokerage.yaml",
                    card: "Sequences/cards/gp-test-card.yaml",
                    scp: "scp03-precomputed"
                ),
                BundleCase(
                    script: "Sequences/brokerage.yaml",
                    card: "Sequences/cards/gp-second-card.yaml",
                    scp: "scp02-implicit"
                ),
            ] + secureMessagingCases()
    }

    /// Every file-oriented script under ISO 7816-4 secure messaging on the ISO test card.
    static func secureMessagingCases() throws -> [BundleCase] {
        try ReferenceCase.sequences()
            .filter { $0.options == CompileOptions() && $0.card?.contains("iso-") == true }
            .compactMap { testCase in
                testCase.card.map { BundleCase(script: testCase.script, card: $0, scp: "sm") }
            }
    }

    static func allPairs() throws -> [BundleCase] {
        try ReferenceCase.sequences()
            .filter { $0.options == CompileOptions() && $0.card?.contains("gp-") == true }
            .compactMap { testCase in
                guard let card = testCase.card else { return nil }
                return BundleCase(script: testCase.script, card: card, scp: card.contains("second") ? "scp02" : "scp03")
            }
    }

    /// Fixed inputs, so the bundle's bytes are the same on every run.
    static let hostChallenge: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
    static let issuedAt = BundleTimestamp(secondsSince1970: 1_798_761_600)  // 2027-01-01T00:00:00Z
    static let bundleID = [UInt8](repeating: 0xB0, count: 16)
    static func signer() throws -> Ed25519BundleSigner {
        try Ed25519BundleSigner(rawRepresentation: [UInt8](repeating: 0x5A, count: 32))
    }

    /// The secure messaging values: RND.IC, RND.IFD (the host challenge), K.IC and K.IFD.
    static let cardChallenge: [UInt8] = [0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8]
    static let cardKeyMaterial = [UInt8](repeating: 0x1C, count: 16)
    static let terminalKeyMaterial = [UInt8](repeating: 0x1F, count: 16)

    /// The secure messaging request, with the card's answer made by the card side of the protocol.
    func secureMessagingRequest(
        cardData: CardData,
        answer: [UInt8]? = nil
    ) throws
        -> BundleCompiler.SecureMessagingRequest
    {
        let keyFile = try KeyFile(text: try RepositoryLoader.source("Sequences/keys/test-keys.yaml").text, path: "keys")
        let selected = try keyFile.accessKeys(for: KeysIdentity.of(cardData))
        var request = BundleCompiler.SecureMessagingRequest(
            accessKeys: selected.keys,
            keyReference: selected.keyReference,
            cardChallenge: Self.cardChallenge,
            terminalChallenge: Self.hostChallenge,
            terminalKeyMaterial: Self.terminalKeyMaterial,
            authenticationResponse: [],
            signer: try Self.signer(),
            issuedAt: Self.issuedAt,
            bundleID: Self.bundleID
        )
        if let answer {
            request.authenticationResponse = answer
        } else {
            let command = try BundleCompiler.secureMessagingAuthentication(request)
            let card = try ISOMutualAuthentication.Card(
                accessKeys: selected.keys,
                cardChallenge: Self.cardChallenge,
                cardKeyMaterial: Self.cardKeyMaterial
            )
            request.authenticationResponse = try card.respond(to: command).response.bytes
        }
        return request
    }

    func compile(source: SourceFile? = nil) throws -> BundleCompiler.Result {
        var problems = DiagnosticBag()
        if scp == "sm" {
            let cardData = try #require(CardDataParser.parse(try RepositoryLoader.source(card), diagnostics: &problems))
            return try BundleCompiler.compile(
                Compiler.prepare(try source ?? RepositoryLoader.source(script), loader: RepositoryLoader()),
                cardData: cardData,
                secureMessaging: try secureMessagingRequest(cardData: cardData)
            )
        }
        let cardData = try #require(CardDataParser.parse(try RepositoryLoader.source(card), diagnostics: &problems))
        let keyFile = try KeyFile(text: try RepositoryLoader.source("Sequences/keys/test-keys.yaml").text, path: "keys")
        let identity = KeysIdentity.of(cardData)
        let selected = try keyFile.keySet(for: identity)
        let cardKeys = try selected.cardKeys(for: identity)
        let kdd = try #require(identity.keyDiversificationData)
        let response: [UInt8]
        var configuration = selected.configuration
        if scp == "scp02-implicit" {
            configuration.scp = .scp02(i: 0x1A)
            configuration.securityLevel = [.commandMAC]
            response = []
        } else if scp == "scp03-precomputed" {
            response = []
        } else if scp == "scp03" {
            response = try TestCard.scp03Response(
                keys: cardKeys,
                kdd: kdd,
                i: 0x70,
                sequenceCounter: [0x00, 0x00, 0x2A],
                aid: try #require(selected.configuration.securityDomainAID),
                hostChallenge: Self.hostChallenge
            )
        } else {
            response = try TestCard.scp02Response(
                keys: cardKeys,
                kdd: kdd,
                sequenceCounter: [0x00, 0x42],
                cardChallenge: [0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6],
                hostChallenge: Self.hostChallenge
            )
        }
        let request = BundleCompiler.Request(
            keys: selected.keys,
            configuration: configuration,
            hostChallenge: Self.hostChallenge,
            initializeUpdateResponse: response,
            signer: try Self.signer(),
            issuedAt: Self.issuedAt,
            bundleID: Self.bundleID,
            sequenceCounter: scp == "scp03-precomputed"
                ? [0x00, 0x00, 0x2B] : scp == "scp02-implicit" ? [0x00, 0x43] : nil
        )
        return try BundleCompiler.compile(
            try source ?? RepositoryLoader.source(script),
            cardData: cardData,
            loader: RepositoryLoader(),
            request: request
        )
    }
}

/// The identification a key store matches, from card data.
enum KeysIdentity {
    static func of(_ data: CardData) -> CardIdentity {
        CardIdentity(
            isdAID: data.bytes(for: .issuerSecurityDomain),
            iin: data.bytes(for: .iin),
            cin: data.bytes(for: .cin),
            keyDiversificationData: data.bytes(for: .keyDiversificationData)
        )
    }
}

/// Golden signed bundles for every GlobalPlatform script under SCP03 and SCP02, and what a client checks.
struct BundleReferenceTests {
    @Test(arguments: try BundleCase.all())
    func bundleMatchesGoldenAndVerifies(_ testCase: BundleCase) throws {
        let result = try testCase.compile()
        #expect(result.diagnostics.isEmpty)
        let bundle = try #require(result.bundle)
        let text = String(decoding: bundle.encoded(), as: UTF8.self)
        let golden = ReferenceCase.goldenDirectory.appendingPathComponent(testCase.goldenName + ".bundle.json")
        if let failure = Golden.compare(text, with: golden) {
            Issue.record(Comment(rawValue: failure))
        }
        // The client's view: the signature verifies with the pinned key, the structure holds.
        let signer = try BundleCase.signer()
        let verifier = BundleVerifier.standard(trustedKeys: [signer.publicKey], now: BundleCase.issuedAt)
        let result2 = verifier.verify(bytes: bundle.encoded())
        #expect(result2.isValid, "\(result2.failures)")
        // EXTERNAL AUTHENTICATE first, then every planned command but the leading SELECT of the
        // security domain (the probe selected it before INITIALIZE UPDATE); SELECT is never wrapped.
        let plan = try #require(result.plan)
        if testCase.scp == "sm" {
            // Every planned command, SELECT included, protected (CLA 0C); the session opened before.
            #expect(bundle.payload.commands.count == plan.commands.count)
            #expect(bundle.payload.commands.allSatisfy { $0.apdu[0] == 0x0C })
            #expect(try testCase.compile().bundle?.encoded() == bundle.encoded())
            return
        }
        if testCase.scp == "scp02-implicit" {
            // No INITIALIZE UPDATE, no EXTERNAL AUTHENTICATE: the plan's commands but the leading
            // SELECT of the security domain, each with a C-MAC (CLA 84) and plain data.
            #expect(bundle.payload.commands.count == plan.commands.count - 1)
            #expect(bundle.payload.commands.allSatisfy { $0.apdu[1] == 0xA4 ? $0.apdu[0] == 0x00 : $0.apdu[0] == 0x84 })
            #expect(!bundle.payload.commands.contains { $0.apdu[1] == 0x50 || $0.apdu[1] == 0x82 })
            #expect(try testCase.compile().bundle?.encoded() == bundle.encoded())
            return
        }
        let precomputed = testCase.scp.hasSuffix("precomputed")
        #expect(bundle.payload.commands.count == plan.commands.count + (precomputed ? 1 : 0))
        #expect(bundle.payload.commands.first?.apdu.prefix(2) == (precomputed ? [0x80, 0x50] : [0x84, 0x82]))
        #expect(
            bundle.payload.commands.dropFirst().allSatisfy {
                $0.apdu[1] == 0xA4 ? $0.apdu[0] == 0x00 : $0.apdu[0] == 0x84
            }
        )
        // Same inputs, same bytes.
        #expect(try testCase.compile().bundle?.encoded() == bundle.encoded())
    }

    @Test(arguments: try BundleCase.all())
    func flippingAnyCommandByteBreaksTheSignature(_ testCase: BundleCase) throws {
        let bundle = try #require(try testCase.compile().bundle)
        let signer = try BundleCase.signer()
        let verifier = BundleVerifier.standard(trustedKeys: [signer.publicKey], now: BundleCase.issuedAt)
        for index in bundle.payload.commands.indices {
            var tampered = bundle
            let apdu = tampered.payload.commands[index].apdu
            tampered.payload.commands[index].apdu[index % apdu.count] ^= 0x01
            #expect(!verifier.verify(tampered).isValid, "a flipped byte in command \(index) still verifies")
        }
        var forged = bundle
        forged.signature.value[0] ^= 0x80
        #expect(!verifier.verify(forged).isValid)
    }

    /// The offline check for a bundle case, with the keys the key file gives.
    static func chainCheck(_ testCase: BundleCase) throws -> MACChainCheck {
        guard testCase.scp == "sm" else { return MACChainCheck(cardKeys: try cardKeys(testCase)) }
        var problems = DiagnosticBag()
        let cardData = try #require(
            CardDataParser.parse(try RepositoryLoader.source(testCase.card), diagnostics: &problems)
        )
        let keyFile = try KeyFile(text: try RepositoryLoader.source("Sequences/keys/test-keys.yaml").text, path: "keys")
        return MACChainCheck(accessKeys: try keyFile.accessKeys(for: KeysIdentity.of(cardData)).keys)
    }

    /// The card's keys for a bundle case, as the key file gives them.
    static func cardKeys(_ testCase: BundleCase) throws -> StaticKeys {
        var problems = DiagnosticBag()
        let cardData = try #require(
            CardDataParser.parse(try RepositoryLoader.source(testCase.card), diagnostics: &problems)
        )
        let keyFile = try KeyFile(text: try RepositoryLoader.source("Sequences/keys/test-keys.yaml").text, path: "keys")
        let identity = KeysIdentity.of(cardData)
        return try keyFile.keySet(for: identity).cardKeys(for: identity)
    }

    /// Offline, with the keys, the whole MAC chain verifies as the card would check it.
    @Test(arguments: try BundleCase.all())
    func theMACChainVerifiesOnTheCardSide(_ testCase: BundleCase) throws {
        let bundle = try #require(try testCase.compile().bundle)
        let failures = try Self.chainCheck(testCase).check(bundle)
        #expect(failures.isEmpty, "\(failures)")
    }

    /// Flipping one byte of any secured command makes the MAC-chain check fail at exactly that command.
    @Test(
        arguments: try BundleCase.all().filter { $0.script.hasSuffix("brokerage.yaml") || $0.scp == "sm" }
    )
    func aFlippedByteFailsTheChainAtThatCommand(_ testCase: BundleCase) throws {
        let bundle = try #require(try testCase.compile().bundle)
        let check = try Self.chainCheck(testCase)
        var checked = 0
        let secureMessaging = testCase.scp == "sm"
        for command in bundle.payload.commands
        where secureMessaging || (command.apdu[1] != 0xA4 && command.apdu[1] != 0x50) {
            // Flip a byte of the data field (the MAC's last byte when there is no Le), never the length bytes.
            let position = command.apdu.count - (command.apdu.count > 5 && command.apdu.last == 0x00 ? 2 : 1)
            for mask: UInt8 in [0x01, 0x80] {
                var tampered = bundle
                tampered.payload.commands[command.index].apdu[position] ^= mask
                let failures = check.check(tampered)
                #expect(failures.first?.commandIndex == command.index, "command \(command.index): \(failures)")
                #expect(failures.first?.code == .macChainInvalid)
            }
            checked += 1
        }
        #expect(checked == bundle.payload.commands.count - (testCase.scp.hasSuffix("precomputed") ? 1 : 0))
        if secureMessaging {
            // Wrong access keys: the recorded authentication does not open.
            let wrong = try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x47, count: 16))
            let failures = MACChainCheck(accessKeys: try ISOSecureMessaging.Keys(encryption: wrong, mac: wrong))
                .check(bundle)
            #expect(failures.first?.code == .macChainInvalid)
            #expect(failures.first?.commandIndex == nil)
            return
        }
        // Wrong keys: the card's INITIALIZE UPDATE response cannot be reproduced.
        let wrong = try CardKey(.aes, bytes: [UInt8](repeating: 0x47, count: 16))
        let wrongKeys = StaticKeys(
            sameKey: testCase.scp == "scp03"
                ? wrong : try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x47, count: 16)),
            keyVersion: try Self.cardKeys(testCase).keyVersion
        )
        #expect(MACChainCheck(cardKeys: wrongKeys).check(bundle).first?.code == .macChainInvalid)
    }

    @Test func commandsAfterSelectingAnotherApplicationAreRefused() throws {
        let testCase = try #require(try BundleCase.all().first { $0.scp == "scp03" })
        let script = SourceFile(
            path: "inline.yaml",
            text: """
                name: inline
                version: 1.0.0
                profiles: [globalplatform]
                steps:
                  - select: A000000151000000
                  - delete: A0000001515350
                  - select: A0000003080000100001
                  - delete: A0000001515351
                """
        )
        var secured = testCase
        secured.script = "inline.yaml"
        do {
            _ = try secured.compile(source: script)
            Issue.record("a command after SELECT of another application was secured")
        } catch {
            let failure = try #require(error as? BundleCompiler.Failure)
            let underlying = try #require(failure.underlying as? SecureChannelError)
            #expect(underlying.code == .invalidState)
            #expect(underlying.description.contains("step 4 (inline.yaml:8:5)"))
            #expect(underlying.description.contains("ended with the SELECT of step 3"))
        }
    }

    @Test func aesKeysCannotTravelUnderAnSCP02DEK() throws {
        let testCase = try #require(
            try BundleCase.allPairs().first { $0.script.hasSuffix("rotate-keys.yaml") && $0.scp == "scp02" }
        )
        do {
            _ = try testCase.compile()
            Issue.record("AES keys were wrapped under a triple-DES DEK")
        } catch {
            let failure = try #require(error as? BundleCompiler.Failure)
            let underlying = try #require(failure.underlying as? SecureChannelError)
            #expect(underlying.code == .invalidKeys)
            #expect(underlying.description.contains("Sequences/rotate-keys.yaml:40:5"))
        }
    }

    /// A card answer that does not verify (another card, wrong keys, or a forged answer) makes no bundle.
    @Test func aWrongSecureMessagingAnswerMakesNoBundle() throws {
        let testCase = try #require(try BundleCase.secureMessagingCases().first)
        var problems = DiagnosticBag()
        let cardData = try #require(
            CardDataParser.parse(try RepositoryLoader.source(testCase.card), diagnostics: &problems)
        )
        var answer = try testCase.secureMessagingRequest(cardData: cardData).authenticationResponse
        for position in [0, 35] {
            answer[position] ^= 0x01
            let request = try testCase.secureMessagingRequest(cardData: cardData, answer: answer)
            do {
                _ = try BundleCompiler.compile(
                    Compiler.prepare(try RepositoryLoader.source(testCase.script), loader: RepositoryLoader()),
                    cardData: cardData,
                    secureMessaging: request
                )
                Issue.record("a bundle was made from a tampered card answer (byte \(position))")
            } catch {
                let failure = try #require(error as? BundleCompiler.Failure)
                let underlying = try #require(failure.underlying as? SecureChannelError)
                #expect(underlying.code == .cardCryptogramMismatch)
            }
            answer[position] ^= 0x01
        }
    }

    @Test func wrongKeysFailAtTheCardCryptogramAndMakeNoBundle() throws {
        let testCase = try #require(try BundleCase.all().first { $0.scp == "scp03" })
        var problems = DiagnosticBag()
        let cardData = try #require(
            CardDataParser.parse(try RepositoryLoader.source(testCase.card), diagnostics: &problems)
        )
        let wrong = try CardKey(.aes, bytes: [UInt8](repeating: 0x47, count: 16))
        let keyFile = try KeyFile(text: try RepositoryLoader.source("Sequences/keys/test-keys.yaml").text, path: "keys")
        let selected = try keyFile.keySet(for: KeysIdentity.of(cardData))
        let response = try TestCard.scp03Response(
            keys: selected.keys,
            kdd: [UInt8](repeating: 0, count: 10),
            i: 0x70,
            sequenceCounter: [0, 0, 1],
            aid: try #require(selected.configuration.securityDomainAID),
            hostChallenge: BundleCase.hostChallenge
        )
        let request = BundleCompiler.Request(
            keys: StaticKeys(sameKey: wrong, keyVersion: selected.keys.keyVersion),
            configuration: selected.configuration,
            hostChallenge: BundleCase.hostChallenge,
            initializeUpdateResponse: response,
            signer: try BundleCase.signer(),
            issuedAt: BundleCase.issuedAt,
            bundleID: BundleCase.bundleID
        )
        do {
            _ = try BundleCompiler.compile(
                try RepositoryLoader.source(testCase.script),
                cardData: cardData,
                loader: RepositoryLoader(),
                request: request
            )
            Issue.record("a bundle was made with the wrong keys")
        } catch {
            let failure = try #require(error as? BundleCompiler.Failure)
            let underlying = try #require(failure.underlying as? SecureChannelError)
            #expect(underlying.code == .cardChallengeMismatch || underlying.code == .cardCryptogramMismatch)
        }
    }
}
