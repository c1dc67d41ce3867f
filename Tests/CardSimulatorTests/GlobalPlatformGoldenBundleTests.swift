import APDUTypes
import BundleFormat
import CardCrypto
import CardSimulator
import SecureChannel
import SequenceTestSupport
import Testing

/// The golden bundles of `Tests/SequenceCompilerReferenceTests/Golden` replayed on simulated cards built
/// from the fixture cards (`Sequences/cards/*.yaml`) and keys (`Sequences/keys/test-keys.yaml`).
///
/// The card answers the recorded INITIALIZE UPDATE with exactly the recorded response, accepts every
/// command with one of its expected status words, and afterwards holds the application and its
/// personalization. One flipped byte is refused at that command, and nothing after it runs.
struct GlobalPlatformGoldenBundleTests {
    /// The two GlobalPlatform fixture cards.
    enum FixtureCard: Sendable {
        /// `Sequences/cards/gp-test-card.yaml`: SCP03 i=70, key version 30, AES `40..4F`, not diversified.
        case gpTest
        /// `Sequences/cards/gp-second-card.yaml`: SCP02 i=15, key version 20, VISA2 from the 3DES master `40..4F`.
        case gpSecond

        /// The card's static keys as the card holds them (diversified for the second card).
        func keys() throws -> StaticKeys {
            switch self {
            case .gpTest:
                return try GPFixture.aesKeys(version: 0x30)
            case .gpSecond:
                let master = try GPFixture.tripleDESKeys(version: 0x20)
                return try KeyDiversification.visa2.diversify(master, keyDiversificationData: try kdd())
            }
        }

        func kdd() throws -> [UInt8] {
            switch self {
            case .gpTest: try GPFixture.hex("00001122334455667788")
            case .gpSecond: try GPFixture.hex("00009988776655443322")
            }
        }

        /// The card with the values of its YAML file (GET DATA answers are stored there as whole TLVs:
        /// `iin: 42 01 99` is tag 42, length 1, value 99), and another implementation option if given
        /// (such as `1A` for SCP02 implicit initiation on the second card).
        func card(sequenceCounter: Int? = nil, implementationOption: UInt8? = nil) throws -> GlobalPlatformCard {
            let configuration: GlobalPlatformCard.Configuration
            switch self {
            case .gpTest:
                configuration = GlobalPlatformCard.Configuration(
                    issuerSecurityDomainAID: try GPFixture.aid("A000000151000000"),
                    keySets: [
                        GlobalPlatformCard.KeySet(
                            keys: try keys(),
                            protocolIdentifier: 0x03,
                            implementationOption: implementationOption ?? 0x70,
                            sequenceCounter: sequenceCounter ?? 0x29
                        )
                    ],
                    cardProductionLifeCycle: try GPFixture.hex(
                        "4790 5167 4791 9102 1234 8111 0042ACF3 0001 0000 0000 0000 0000 0000 0000 00000000 0000 0000 00000000"
                    ),
                    keyDiversificationData: try kdd(),
                    issuerIdentificationNumber: [0x99],
                    cardImageNumber: try GPFixture.hex("0000000000000123")
                )
            case .gpSecond:
                configuration = GlobalPlatformCard.Configuration(
                    issuerSecurityDomainAID: try GPFixture.aid("A000000003000000"),
                    keySets: [
                        GlobalPlatformCard.KeySet(
                            keys: try keys(),
                            protocolIdentifier: 0x02,
                            implementationOption: implementationOption ?? 0x15,
                            sequenceCounter: sequenceCounter ?? 0x42
                        )
                    ],
                    cardProductionLifeCycle: try GPFixture.hex(
                        "4090 7891 4791 9102 1234 8111 00C0FFEE 0002 0000 0000 0000 0000 0000 0000 00000000 0000 0000 00000000"
                    ),
                    keyDiversificationData: try kdd(),
                    issuerIdentificationNumber: [0x99],
                    cardImageNumber: try GPFixture.hex("0000000000000987"),
                    cardChallenges: .fixed(try GPFixture.hex("C1C2C3C4C5C6"))
                )
            }
            return try GlobalPlatformCard(configuration: configuration)
        }
    }

    /// One golden bundle, the card it was compiled for, and what the card must hold afterwards.
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        var fixture: FixtureCard
        /// The application instance installed and personalized, if any.
        var instance: String?
        /// The last STORE DATA block as the application must hold it, decrypted.
        var lastBlock: String?

        var testDescription: String { file }

        func payload() throws -> BundlePayload {
            let bytes = try RepositoryLoader.bytes("Tests/SequenceCompilerReferenceTests/Golden/\(file)")
            return try SignedBundle.decode(bytes).payload
        }
    }

    static let cases: [Case] = [
        Case(
            file: "bundle.brokerage.gp-test-card.scp03.bundle.json",
            fixture: .gpTest,
            instance: "F04353510142524B010042ACF3",
            lastBlock: "800110 00112233445566778899AABBCCDDEEFF"
        ),
        Case(
            file: "bundle.brokerage.gp-test-card.scp03-precomputed.bundle.json",
            fixture: .gpTest,
            instance: "F04353510142524B010042ACF3",
            lastBlock: "800110 00112233445566778899AABBCCDDEEFF"
        ),
        Case(
            file: "bundle.brokerage.gp-second-card.scp02.bundle.json",
            fixture: .gpSecond,
            instance: "F04353510142524B0100C0FFEE",
            lastBlock: "800110 F0E1D2C3B4A5968778695A4B3C2D1E0F"
        ),
        Case(
            file: "bundle.piv.gp-test-card.scp03.bundle.json",
            fixture: .gpTest,
            instance: "A000000308000010000100",
            // 24 key bytes, padded by the compiler with ISO 9797-1 method 2 to two AES blocks.
            lastBlock: "9B0320 010203040506070801020304050607080102030405060708 8000000000000000"
        ),
        Case(
            file: "bundle.piv.gp-second-card.scp02.bundle.json",
            fixture: .gpSecond,
            instance: "A000000308000010000100",
            lastBlock: "9B0318 080706050403020108070605040302010807060504030201"
        ),
        Case(file: "bundle.rotate-keys.gp-test-card.scp03.bundle.json", fixture: .gpTest),
    ]

    /// The recorded session values; `nil` for bundles without a GlobalPlatform channel.
    static func session(_ payload: BundlePayload) throws -> BundleSecureChannel.GlobalPlatformSession {
        guard case .globalPlatform(let session) = payload.secureChannel else {
            Issue.record("the bundle has no GlobalPlatform secure channel")
            throw CancellationError()
        }
        return session
    }

    /// The counter a card must hold for the bundle: SCP03 uses one more than it holds, SCP02 what it holds.
    static func counter(_ session: BundleSecureChannel.GlobalPlatformSession) -> Int? {
        guard let bytes = session.sequenceCounter else { return nil }
        let value = bytes.reduce(0) { $0 << 8 | Int($1) }
        return session.scp == .scp03 ? value - 1 : value
    }

    /// Opens the session the bundle was compiled for: in online mode the recorded INITIALIZE UPDATE is
    /// sent and must be answered with the recorded response; precomputed bundles carry it themselves.
    static func open(_ payload: BundlePayload, on card: GlobalPlatformCard) throws {
        let session = try Self.session(payload)
        guard session.mode == .online else { return }
        let answer = card.process(bytes: session.initializeUpdate.command)
        #expect(answer == session.initializeUpdate.response + [0x90, 0x00])
    }

    /// Every status word the card answers the bundle's commands with, in order.
    static func replay(_ commands: [BundleCommand], on card: GlobalPlatformCard) -> [StatusWord] {
        commands.map { command in
            let response = card.process(bytes: command.apdu)
            return StatusWord(sw1: response[response.count - 2], sw2: response[response.count - 1])
        }
    }

    @Test(arguments: cases)
    func replaysOnTheCardItWasCompiledFor(_ golden: Case) throws {
        let payload = try golden.payload()
        let session = try Self.session(payload)
        let card = try golden.fixture.card(sequenceCounter: Self.counter(session))
        try Self.open(payload, on: card)
        var responses: [[UInt8]] = []
        for command in payload.commands {
            let response = card.process(bytes: command.apdu)
            responses.append(response)
            let word = StatusWord(sw1: response[response.count - 2], sw2: response[response.count - 1])
            #expect(command.accepts(word), "command \(command.index) (\(command.note ?? "")) answered \(word)")
        }
        if session.mode == .precomputed {
            // The server predicted the card's answer to INITIALIZE UPDATE; the card gives exactly that.
            #expect(responses.first == session.initializeUpdate.response + [0x90, 0x00])
        }
        if let instance = golden.instance, let lastBlock = golden.lastBlock {
            let application = try #require(card.application(try GPFixture.aid(instance)))
            #expect(application.lifeCycle == GlobalPlatformCard.LifeCycle.selectable)
            #expect(application.personalizationData.last == (try GPFixture.hex(lastBlock)))
            #expect(application.storedData.last?.wasEncrypted == true)
            // The security domain lists it through a new session of its own.
            let isd = card.configuration.issuerSecurityDomainAID.bytes
            #expect(card.process(GPFixture.select(isd)).statusWord == .success)
            var host = try GPFixture.host(
                for: card,
                keys: try golden.fixture.keys(),
                scp: golden.fixture == .gpTest ? .scp03 : .scp02(i: 0x15),
                level: .commandMAC
            )
            try host.authenticate()
            let listed = try host.send(GPFixture.getStatus(p1: 0x40))
            #expect(listed.statusWord == .success)
            #expect(try GPFixture.statusAIDs(listed.data) == [instance])
        }
    }

    /// The brokerage application on the first test card: its three STORE DATA blocks exactly as the
    /// compiler planned them (Golden/brokerage.gp-test-card.apdu), the secret decrypted.
    @Test func brokeragePersonalizationArrivesWhole() throws {
        let golden = Self.cases[0]
        let payload = try golden.payload()
        let card = try golden.fixture.card()
        try Self.open(payload, on: card)
        _ = Self.replay(payload.commands, on: card)
        let application = try #require(card.application(try GPFixture.aid("F04353510142524B010042ACF3")))
        #expect(
            application.personalizationData == [
                try GPFixture.hex("0101155F200A4A414E45205120444F455A064400012345FF"),
                try GPFixture.hex("01020C9F1A040042ACF3420342 0199"),
                try GPFixture.hex("800110 00112233445566778899AABBCCDDEEFF"),
            ]
        )
        #expect(application.storedData.map(\.p1) == [0x08, 0x08, 0xE8])
        #expect(
            application.installParameters
                == (try GPFixture.hex("C910C1040000C350C208432D303030313233EF08C7020200C8021000"))
        )
        #expect(application.privileges == [0x00, 0x00, 0x00])
        let loadFile = try #require(card.loadFile(try GPFixture.aid("F0435351014252")))
        #expect(loadFile.modules == [try GPFixture.aid("F04353510142524B01")])
        #expect(loadFile.size == 5_000)
    }

    /// The online and the precomputed bundle for the same card run one after the other: the card's
    /// SCP03 counter moves from 2A to 2B exactly as the server predicted, and the second install
    /// deletes and replaces the first.
    @Test func onlineThenPrecomputedOnOneCard() throws {
        let card = try FixtureCard.gpTest.card(sequenceCounter: 0x29)
        let online = try Self.cases[0].payload()
        try Self.open(online, on: card)
        #expect(zip(online.commands, Self.replay(online.commands, on: card)).allSatisfy { $0.accepts($1) })
        #expect(card.configuration.keySets[0].sequenceCounter == 0x2A)
        let precomputed = try Self.cases[1].payload()
        let words = Self.replay(precomputed.commands, on: card)
        #expect(zip(precomputed.commands, words).allSatisfy { $0.accepts($1) }, "\(words)")
        #expect(card.configuration.keySets[0].sequenceCounter == 0x2B)
        #expect(card.applications.count == 1)
    }

    /// After the key rotation the card holds key version 31 with the new keys (from the card's data
    /// record), and only those open a channel.
    @Test func rotatedKeysOpenTheNextSession() throws {
        let payload = try Self.cases[5].payload()
        let card = try FixtureCard.gpTest.card()
        try Self.open(payload, on: card)
        #expect(Self.replay(payload.commands, on: card) == [.success, .success, .success])
        #expect(card.configuration.keySets.map(\.keyVersion) == [0x31])
        let newKeys = StaticKeys(
            enc: try CardKey(.aes, bytes: try GPFixture.hex("404142434445464748494A4B4C4D4E4F")),
            mac: try CardKey(.aes, bytes: try GPFixture.hex("505152535455565758595A5B5C5D5E5F")),
            dek: try CardKey(.aes, bytes: try GPFixture.hex("606162636465666768696A6B6C6D6E6F")),
            keyVersion: 0x31
        )
        var host = try GPFixture.host(for: card, keys: newKeys, scp: .scp03, level: .commandMAC)
        try host.authenticate()
        let keyInformation = try host.send(GPFixture.getData(0x00E0))
        #expect(keyInformation.data == (try GPFixture.hex("E012 C00401318810 C00402318810 C00403318810")))
        let old = card.process(try GPFixture.hex("80503000081122334455667788").commandAPDU())
        #expect(old.statusWord == StatusWord(0x6A88))
    }

    /// One byte flipped in the data of command `k`: the card answers `6982` at exactly that command
    /// (the C-MAC no longer verifies), closes the channel, and refuses every secured command after it
    /// (a plain SELECT at the end still selects what exists).
    @Test(
        arguments: [
            (0, 1), (0, 2), (0, 3), (0, 12), (0, 23), (0, 24), (0, 25), (0, 28), (2, 1), (2, 5), (2, 27), (4, 20),
            (5, 1),
        ] as [(Int, Int)]
    )
    func refusesATamperedCommandAndEverythingAfterIt(_ caseIndex: Int, _ k: Int) throws {
        let golden = Self.cases[caseIndex]
        let payload = try golden.payload()
        let card = try golden.fixture.card(sequenceCounter: Self.counter(try Self.session(payload)))
        try Self.open(payload, on: card)
        var commands = payload.commands
        try #require(k < commands.count)
        commands[k].apdu[5] ^= 0x01
        let words = Self.replay(commands, on: card)
        for index in 0..<k {
            #expect(commands[index].accepts(words[index]), "command \(index) before the tampered one")
        }
        #expect(words[k] == StatusWord(0x6982))
        for index in (k + 1)..<commands.count where commands[index].apdu[0] & 0x04 != 0 {
            #expect(words[index] == StatusWord(0x6982), "secured command \(index) after the tampered one")
        }
        let installIndex = commands.firstIndex { $0.note?.hasPrefix("INSTALL [for install") == true }
        if let installIndex, k <= installIndex, let instance = golden.instance {
            #expect(card.application(try GPFixture.aid(instance)) == nil)
        }
    }

    /// EXTERNAL AUTHENTICATE with its C-MAC altered is refused with `6982`; with its host cryptogram
    /// altered with `6300`, which counts towards the retry limit.
    @Test func refusesATamperedExternalAuthenticate() throws {
        for (offset, expected, failures) in [(20, StatusWord(0x6982), 0), (5, StatusWord(0x6300), 1)] {
            let payload = try Self.cases[0].payload()
            let card = try FixtureCard.gpTest.card()
            try Self.open(payload, on: card)
            var commands = payload.commands
            commands[0].apdu[offset] ^= 0x80
            let words = Self.replay(commands, on: card)
            #expect(words[0] == expected)
            #expect(words.dropFirst().allSatisfy { $0 == StatusWord(0x6982) })
            #expect(card.image.consecutiveAuthenticationFailures == failures)
        }
    }

    /// A bundle compiled for one card does not run on another: other keys give another card
    /// cryptogram, the host cryptogram fails (`6300`) and nothing after it runs; a card without the
    /// bundle's key version refuses INITIALIZE UPDATE (`6A88`), then EXTERNAL AUTHENTICATE (`6985`).
    @Test func isRefusedByAnotherCard() throws {
        let payload = try Self.cases[0].payload()
        let session = try Self.session(payload)
        let other = try GPFixture.card(
            keys: try GPFixture.aesKeys(version: 0x30, bytes: Array(0x50...0x5F)),
            protocolIdentifier: 0x03,
            option: 0x70,
            sequenceCounter: 0x29
        ) { configuration in
            configuration.keyDiversificationData = (try? FixtureCard.gpTest.kdd()) ?? []
        }
        let answer = other.process(bytes: session.initializeUpdate.command)
        #expect(answer.suffix(2) == [0x90, 0x00])
        #expect(answer.dropLast(2) != session.initializeUpdate.response[...])
        let words = Self.replay(payload.commands, on: other)
        #expect(words[0] == StatusWord(0x6300))
        #expect(words.dropFirst().allSatisfy { $0 == StatusWord(0x6982) })
        #expect(other.applications.isEmpty)

        let second = try FixtureCard.gpSecond.card()
        #expect(second.process(bytes: session.initializeUpdate.command) == [0x6A, 0x88])
        let refused = Self.replay(payload.commands, on: second)
        #expect(refused[0] == StatusWord(0x6985))
        #expect(refused.dropFirst().allSatisfy { $0 == StatusWord(0x6982) })
    }
}

extension Array where Element == UInt8 {
    /// The bytes as a command APDU, for tests.
    fileprivate func commandAPDU() throws -> CommandAPDU {
        try CommandAPDU(bytes: self)
    }
}
