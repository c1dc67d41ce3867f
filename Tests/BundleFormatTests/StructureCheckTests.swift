import APDUTypes
import BundleFormat
import Testing

/// The rules beyond JSON shape: the sealer refuses to sign a payload that breaks them, and the
/// verifier reports them with the command index where there is one.
struct StructureCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var code: BundleError.Code
        var commandIndex: Int?
        var edit: @Sendable (inout BundlePayload) -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no commands", code: .invalidStructure) { $0.commands = [] },
        Case(name: "index gap", code: .commandInvalid, commandIndex: 3) { $0.commands[3].index = 4 },
        Case(name: "APDU too short", code: .malformedBundle, commandIndex: 2) {
            $0.commands[2].apdu = [0x84, 0xE4, 0x00]
        },
        Case(name: "Lc disagrees", code: .commandInvalid, commandIndex: 4) { $0.commands[4].apdu[4] = 0x05 },
        Case(name: "no expected status word", code: .commandInvalid, commandIndex: 2) { $0.commands[2].expect = [] },
        Case(name: "status word twice", code: .commandInvalid, commandIndex: 2) {
            $0.commands[2].expect = [.success, .success]
        },
        Case(name: "wildcard first nibble", code: .malformedBundle, commandIndex: 2) {
            $0.commands[2].expect = [StatusWordPattern(value: 0x0000, mask: 0x0FFF)]
        },
        Case(name: "step without origin", code: .commandInvalid, commandIndex: 2) { $0.commands[2].origin = nil },
        Case(name: "origin without position", code: .commandInvalid, commandIndex: 2) {
            $0.commands[2].origin = "Sequences/brokerage.yaml"
        },
        Case(name: "secure channel command without note", code: .commandInvalid, commandIndex: 0) {
            $0.commands[0].note = nil
        },
        Case(name: "empty note", code: .commandInvalid, commandIndex: 3) { $0.commands[3].note = "" },
        Case(name: "expires before issue", code: .invalidStructure) { $0.expiresAt = $0.issuedAt },
        Case(name: "unbound card", code: .invalidStructure) {
            $0.card.identity = BundleCardIdentity(isdAID: ApplicationIdentifier(hex: "A000000151000000"))
        },
        Case(name: "KDD of another card", code: .invalidStructure) {
            $0.card.identity.kdd = [0x00, 0x00, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22]
        },
        Case(name: "wrong-length KDD", code: .malformedBundle) { $0.card.identity.kdd = [0x01] },
        Case(name: "host challenge not in INITIALIZE UPDATE", code: .invalidStructure) {
            $0.editSession { $0.hostChallenge[0] ^= 1 }
        },
        Case(name: "card challenge not in the response", code: .invalidStructure) {
            $0.editSession { $0.cardChallenge[7] ^= 1 }
        },
        Case(name: "counter not in the response", code: .invalidStructure) {
            $0.editSession { $0.sequenceCounter = [0x00, 0x00, 0x2B] }
        },
        Case(name: "key version not in the response", code: .invalidStructure) {
            $0.editSession { $0.keyVersion = 0x31 }
        },
        Case(name: "response of the wrong length", code: .invalidStructure) {
            $0.editSession { $0.initializeUpdate.response.removeLast() }
        },
        Case(name: "not INITIALIZE UPDATE", code: .invalidStructure) {
            $0.editSession { $0.initializeUpdate.command[1] = 0x52 }
        },
        Case(name: "security level not set by EXTERNAL AUTHENTICATE", code: .commandInvalid, commandIndex: 0) {
            $0.editSession { $0.securityLevel = .cMAC }
        },
        Case(name: "online bundle starting with something else", code: .commandInvalid, commandIndex: 0) {
            $0.commands.swapAt(0, 1)
            $0.commands[0].index = 0
            $0.commands[1].index = 1
        },
        Case(name: "precomputed bundle without INITIALIZE UPDATE", code: .commandInvalid, commandIndex: 0) {
            $0.editSession { $0.mode = .precomputed }
        },
        Case(name: "empty sequence version", code: .malformedBundle) { $0.sequence.version = "" },
        Case(name: "short digest", code: .malformedBundle) { $0.sequence.sourceDigest = [0x01] },
        Case(name: "short id", code: .malformedBundle) { $0.id = [0x01] },
        Case(name: "other format", code: .unsupportedFormat) { $0.format = "cardseq-bundle/0" },
    ]

    @Test(arguments: cases)
    func sealerRefusesAndVerifierReports(_ testCase: Case) throws {
        var payload = TestFixtures.payload()
        testCase.edit(&payload)
        let signer = try TestFixtures.signer()
        let error = #expect(throws: BundleError.self) {
            try BundleSealer(signer: signer).seal(payload)
        }
        #expect(error?.code == testCase.code, "\(String(describing: error))")
        // A bundle signed anyway (by a faulty server) fails verification with the same code.
        let signature = BundleSignature(
            algorithm: .ed25519,
            keyID: signer.publicKey.keyID,
            value: try signer.sign(payload.canonicalBytes())
        )
        let result = try TestFixtures.verifier().verify(SignedBundle(payload: payload, signature: signature))
        let failure = try #require(result.failures.first { $0.error.code == testCase.code }, "\(result.failures)")
        #expect(failure.commandIndex == testCase.commandIndex)
    }

    @Test func plainAndSecureMessagingChannels() throws {
        let signer = try TestFixtures.signer()
        for channel: BundleSecureChannel in [
            .none,
            .secureMessaging(TestFixtures.secureMessagingSession),
        ] {
            var payload = TestFixtures.payload()
            payload.secureChannel = channel
            payload.commands = Array(payload.commands.dropFirst()).enumerated().map { offset, command in
                var command = command
                command.index = offset
                return command
            }
            let bundle = try BundleSealer(signer: signer).seal(payload)
            #expect(try SignedBundle.decode(bundle.encoded()) == bundle)
            #expect(try TestFixtures.verifier().verify(bytes: bundle.encoded()).isValid)
        }
    }

    @Test func securityLevels() {
        #expect(BundleSecurityLevel(rawValue: 0x33)?.names == ["C-MAC", "C-DECRYPTION", "R-MAC", "R-ENCRYPTION"])
        #expect(BundleSecurityLevel(rawValue: 0x00)?.names == [])
        let valid = (0...255).compactMap { BundleSecurityLevel(rawValue: UInt8($0))?.rawValue }
        #expect(valid == [0x00, 0x01, 0x03, 0x11, 0x13, 0x33])
        for invalid: UInt8 in [0x02, 0x10 | 0x20, 0x04, 0x40, 0x80, 0x31, 0x21, 0x12] {
            #expect(BundleSecurityLevel(rawValue: invalid) == nil, "\(invalid)")
        }
    }

    @Test func verifierReportsEveryFailure() throws {
        var payload = TestFixtures.payload()
        payload.commands[2].expect = []
        payload.commands[5].index = 9
        let signer = try TestFixtures.signer()
        let signature = BundleSignature(
            algorithm: .ed25519,
            keyID: signer.publicKey.keyID,
            value: Array(repeating: 0, count: 64)
        )
        let result = try TestFixtures.verifier(now: TestFixtures.expiresAt).verify(
            SignedBundle(payload: payload, signature: signature)
        )
        #expect(result.failures.map(\.check) == ["structure", "structure", "signature", "validity"])
        #expect(result.failures.map(\.commandIndex) == [2, 5, nil, nil])
        #expect(result.codes == [.commandInvalid, .commandInvalid, .signatureInvalid, .expired])
    }

    /// A check from another module (here: a stand-in for the MAC-chain recomputation) plugs in.
    @Test func customChecksPlugIn() throws {
        struct EveryCommandIsMACed: BundleCheck {
            var name: String { "mac-chain" }
            func check(_ bundle: SignedBundle) -> [BundleError] {
                bundle.payload.commands.filter { $0.apdu[0] & 0x04 == 0 }.map {
                    BundleError(code: .macChainInvalid, reason: "no C-MAC", commandIndex: $0.index)
                }
            }
        }
        var verifier = try TestFixtures.verifier()
        verifier.checks.append(EveryCommandIsMACed())
        #expect(verifier.verify(try TestFixtures.bundle()).isValid)
        let precomputed = try TestFixtures.bundle(mode: .precomputed)
        let result = verifier.verify(precomputed)
        #expect(result.codes == [.macChainInvalid])
        #expect(result.failures.first?.commandIndex == 0)
        #expect(result.failures.first?.check == "mac-chain")
    }

    @Test func errorsCompareByCode() {
        let first = BundleError(code: .expired, reason: "one", commandIndex: 1)
        let second = BundleError(code: .expired, reason: "two")
        #expect(first == second)
        #expect(first != BundleError(code: .wrongCard, reason: "one"))
        #expect(
            first.description.hasPrefix("bundle.expired: one (command 1) [BundleFormatTests/StructureCheckTests.swift:")
        )
    }
}

extension BundlePayload {
    /// Edits the GlobalPlatform session in place.
    mutating func editSession(_ edit: (inout BundleSecureChannel.GlobalPlatformSession) -> Void) {
        guard case .globalPlatform(var session) = secureChannel else { return }
        edit(&session)
        secureChannel = .globalPlatform(session)
    }
}
