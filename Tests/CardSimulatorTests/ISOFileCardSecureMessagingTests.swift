import APDUTypes
import CardCrypto
import CardSimulator
import SecureChannel
import Testing

/// GET CHALLENGE, EXTERNAL AUTHENTICATE, the retry counter, and secure messaging as the card
/// enforces it: tampered, unprotected and out-of-session commands.
struct ISOFileCardSecureMessagingTests {
    // MARK: Authentication

    /// The card's answer verifies on the terminal side, the session opens on both, and the card
    /// takes the key reference `00` as well as its own.
    @Test(arguments: [ISOFixtures.keyReference, 0x00])
    func mutualAuthenticationOpensASession(keyReference: UInt8) throws {
        let card = try ISOFixtures.loyaltyCard()
        let terminal = ISOTestTerminal(card: card)
        let answer = try terminal.authenticate(keys: ISOFixtures.testKeys(), keyReference: keyReference)
        #expect(answer.statusWord == .success)
        #expect(answer.data.count == 40)
        #expect(card.hasSecureMessagingSession)
        #expect(terminal.hasSession)
        let select = try terminal.send(ISOFixtures.command("00A4000C023F00"))
        #expect(select.statusWord == .success)
    }

    /// A key reference the card does not have: `6A88`, and no failure counted.
    @Test func unknownKeyReferenceIsRefused() throws {
        let card = try ISOFixtures.loyaltyCard()
        let answer = try ISOTestTerminal(card: card).authenticate(keys: ISOFixtures.testKeys(), keyReference: 0x02)
        #expect(answer.statusWord == StatusWord(0x6A88))
        #expect(card.remainingAuthenticationAttempts == 3)
    }

    /// EXTERNAL AUTHENTICATE needs a fresh challenge: none at all or one already used answers `6985`.
    @Test func externalAuthenticateNeedsAChallenge() throws {
        let card = try ISOFixtures.loyaltyCard()
        let challenge = card.process(ISOMutualAuthentication.getChallengeCommand)
        #expect(challenge.statusWord == .success)
        #expect(challenge.data.count == 8)
        var command = try ISOMutualAuthentication.Terminal(
            accessKeys: ISOFixtures.testKeys(),
            cardChallenge: challenge.data,
            terminalChallenge: [UInt8](repeating: 1, count: 8),
            terminalKeyMaterial: [UInt8](repeating: 2, count: 16)
        ).command()
        command.p2 = ISOFixtures.keyReference
        #expect(card.process(command).statusWord == .success)
        #expect(card.process(command).statusWord == StatusWord(0x6985), "the challenge was used up")

        let fresh = try ISOFixtures.loyaltyCard()
        #expect(fresh.process(command).statusWord == StatusWord(0x6985))
        #expect(fresh.remainingAuthenticationAttempts == 3)
    }

    /// GET CHALLENGE returns 8 bytes for Le 8 only, and differs each time.
    @Test func getChallengeChecksLe() throws {
        let card = try ISOFixtures.loyaltyCard()
        #expect(card.process(try ISOFixtures.command("0084000010")).statusWord == StatusWord(0x6700))
        #expect(card.process(try ISOFixtures.command("00840000")).statusWord == StatusWord(0x6700))
        #expect(card.process(try ISOFixtures.command("0084010008")).statusWord == StatusWord(0x6A86))
        let first = card.process(ISOMutualAuthentication.getChallengeCommand)
        let second = card.process(ISOMutualAuthentication.getChallengeCommand)
        #expect(first.data.count == 8 && second.data.count == 8)
        #expect(first.data != second.data)
    }

    /// Wrong access keys answer `6300` and count; at the limit the card answers `6983` even to the
    /// right keys, and a card made from its image stays blocked.
    @Test func wrongKeysBlockAuthenticationAtTheLimit() throws {
        let card = try ISOFixtures.loyaltyCard(retryLimit: 3)
        let terminal = ISOTestTerminal(card: card)
        for remaining in [2, 1, 0] {
            let answer = try terminal.authenticate(keys: ISOFixtures.wrongKeys())
            #expect(answer.statusWord == StatusWord(0x6300))
            #expect(answer.data.isEmpty)
            #expect(card.remainingAuthenticationAttempts == remaining)
            #expect(!card.hasSecureMessagingSession)
        }
        #expect(card.isAuthenticationBlocked)
        #expect(try terminal.authenticate(keys: ISOFixtures.testKeys()).statusWord == StatusWord(0x6983))

        let restored = try ISOFileCard(image: ISOFileCard.Image(json: card.image.json()))
        #expect(restored.isAuthenticationBlocked)
        let again = try ISOTestTerminal(card: restored).authenticate(keys: ISOFixtures.testKeys())
        #expect(again.statusWord == StatusWord(0x6983))
    }

    /// A success sets the failure count back to zero.
    @Test func successResetsTheRetryCounter() throws {
        let card = try ISOFixtures.loyaltyCard(retryLimit: 3)
        let terminal = ISOTestTerminal(card: card)
        for _ in 0..<2 {
            #expect(try terminal.authenticate(keys: ISOFixtures.wrongKeys()).statusWord == StatusWord(0x6300))
        }
        #expect(card.remainingAuthenticationAttempts == 1)
        #expect(try terminal.authenticate(keys: ISOFixtures.testKeys()).statusWord == .success)
        #expect(card.remainingAuthenticationAttempts == 3)
        for _ in 0..<2 {
            #expect(try terminal.authenticate(keys: ISOFixtures.wrongKeys()).statusWord == StatusWord(0x6300))
        }
        #expect(!card.isAuthenticationBlocked)
    }

    /// A card with AES-128 keys refuses a terminal with triple-DES keys, and the other way round.
    @Test func cipherMismatchFails() throws {
        let aesCard = try ISOFixtures.loyaltyCard(keys: ISOFixtures.aesKeys())
        #expect(try ISOTestTerminal(card: aesCard).authenticate(keys: ISOFixtures.testKeys()).statusWord != .success)
        let desCard = try ISOFixtures.loyaltyCard()
        #expect(try ISOTestTerminal(card: desCard).authenticate(keys: ISOFixtures.aesKeys()).statusWord != .success)
    }

    // MARK: Secure messaging

    /// One flipped bit anywhere in a protected command (header, cryptogram, Le object, checksum)
    /// answers a plain `6988`, ends the session, leaves the file unchanged; the next correctly
    /// protected command answers `6988` as well.
    @Test(arguments: [1, 2, 3, 8, 20, -3, -1])
    func tamperedCommandEndsTheSession(position: Int) throws {
        let (card, terminal) = try Self.personalisedCard()
        let before = try #require(card.file(at: [0x3F00, 0x5100, 0x5101])?.contents)
        var protected = try terminal.protect(try ISOFixtures.command("00D6810004CAFEBABE"))
        var bytes = protected.bytes
        let index = position >= 0 ? position : bytes.count - 1 + position
        bytes[index] ^= 0x01
        protected = try CommandAPDU(bytes: bytes)
        let response = try terminal.deliver(protected)
        #expect(response.data.isEmpty, "the card answers a tampered command in plain")
        #expect(response.statusWord == StatusWord(0x6988))
        #expect(!card.hasSecureMessagingSession)
        #expect(card.file(at: [0x3F00, 0x5100, 0x5101])?.contents == before)

        let later = try Self.protectedWithoutSession(card, ISOFixtures.command("00B0810004"))
        #expect(later.statusWord == StatusWord(0x6988))
        #expect(later.data.isEmpty)
    }

    /// A protected command without DO'8E' answers `6987` and ends the session.
    @Test func missingChecksumAnswers6987() throws {
        let (card, _) = try Self.personalisedCard()
        let response = card.process(try ISOFixtures.command("0CB0810003970100" + "00"))
        #expect(response.statusWord == StatusWord(0x6987))
        #expect(!card.hasSecureMessagingSession)
    }

    /// A protected command before any authentication answers `6988`.
    @Test func protectedCommandWithoutSessionIsRefused() throws {
        let card = try ISOFixtures.loyaltyCard()
        let response = try Self.protectedWithoutSession(card, ISOFixtures.command("00A4000C023F00"))
        #expect(response.statusWord == StatusWord(0x6988))
    }

    /// A plain command ends the session (ICAO Doc 9303 behaviour) and runs without its rights:
    /// reading the holder file (`read: always`) works, updating it (`sm+external-auth`) does not,
    /// and the terminal's next protected command is refused.
    @Test func plainCommandEndsTheSession() throws {
        let (card, terminal) = try Self.personalisedCard()
        let read = card.process(try ISOFixtures.command("00B0810005"))
        #expect(read.statusWord == .success)
        #expect(read.data == Array((try ISOFixtures.hex(ISOFileCardLoyaltyTests.holderData)).prefix(5)))
        #expect(!card.hasSecureMessagingSession)
        #expect(card.process(try ISOFixtures.command("00D6810001FF")).statusWord == StatusWord(0x6982))
        let protected = try terminal.deliver(try terminal.protect(try ISOFixtures.command("00B0810001")))
        #expect(protected.statusWord == StatusWord(0x6988))
    }

    /// EXTERNAL AUTHENTICATE inside a session is refused (protected `6985`), and the session goes on.
    @Test func externalAuthenticateInsideTheSessionIsRefused() throws {
        let (card, terminal) = try Self.personalisedCard()
        let response = try terminal.send(
            CommandAPDU(cla: 0x00, ins: 0x82, p1: 0x00, p2: 0x01, data: [UInt8](repeating: 0, count: 40), le: 40)
        )
        #expect(response.statusWord == StatusWord(0x6985))
        #expect(card.hasSecureMessagingSession)
        #expect(try terminal.send(ISOFixtures.command("00A4000C023F00")).statusWord == .success)
    }

    /// Reset ends the session and the selection; the files stay.
    @Test func resetEndsTheSession() throws {
        let (card, terminal) = try Self.personalisedCard()
        card.reset()
        #expect(!card.hasSecureMessagingSession)
        #expect(card.currentSelection.dedicatedFile == [0x3F00])
        #expect(card.file(at: [0x3F00, 0x5100, 0x5101]) != nil)
        let response = try terminal.deliver(try terminal.protect(try ISOFixtures.command("00A4000C023F00")))
        #expect(response.statusWord == StatusWord(0x6988))
    }

    /// The class byte: proprietary classes `6E00`, chaining `6884`, logical channels `6881`, other
    /// secure messaging formats `6882`, an unknown instruction `6D00`.
    @Test func classAndInstructionChecks() throws {
        let card = try ISOFixtures.openCard()
        #expect(card.process(try ISOFixtures.command("80A4000C023F00")).statusWord == StatusWord(0x6E00))
        #expect(card.process(try ISOFixtures.command("10A4000C023F00")).statusWord == StatusWord(0x6884))
        #expect(card.process(try ISOFixtures.command("01A4000C023F00")).statusWord == StatusWord(0x6881))
        #expect(card.process(try ISOFixtures.command("04A4000C023F00")).statusWord == StatusWord(0x6882))
        #expect(card.process(try ISOFixtures.command("00CA010100")).statusWord == StatusWord(0x6D00))
    }

    /// The loyalty files with an open session: the writable-certificate listing replayed once.
    static func personalisedCard() throws -> (ISOFileCard, ISOTestTerminal) {
        let commands = try ISOFileCardLoyaltyTests.writableCertificateListing(
            "Tests/SequenceCompilerReferenceTests/Golden/loyalty.iso-test-card.apdu"
        )
        let card = try ISOFixtures.loyaltyCard()
        let terminal = ISOTestTerminal(card: card)
        try #require(try terminal.authenticate(keys: ISOFixtures.testKeys()).statusWord == .success)
        let outcome = try terminal.replay(commands)
        try #require(outcome.failure == nil)
        return (card, terminal)
    }

    /// A command protected with keys of a session the card does not have.
    static func protectedWithoutSession(_ card: ISOFileCard, _ command: CommandAPDU) throws -> CardResponse {
        let messaging = ISOSecureMessaging(keys: try ISOFixtures.wrongKeys())
        var host = try ISOSecureMessagingHost(messaging: messaging, counter: .zero(for: .tripleDES))
        return card.process(try host.protect(command))
    }
}

/// The card with every key length and through a card channel.
struct ISOFileCardKeyLengthTests {
    /// Mutual authentication and a protected write and read with two-key triple DES and AES-128,
    /// AES-192 and AES-256 access keys.
    @Test(arguments: [("3des", 16), ("aes", 16), ("aes", 24), ("aes", 32)])
    func everyKeyLengthOpensASession(algorithm: String, length: Int) throws {
        let cardAlgorithm: CardKey.Algorithm = algorithm == "aes" ? .aes : .tripleDES
        let keys = try ISOSecureMessaging.Keys(
            encryption: CardKey(cardAlgorithm, bytes: (0..<length).map { UInt8($0 * 7 & 0xFF) }),
            mac: CardKey(cardAlgorithm, bytes: (0..<length).map { UInt8(0xA0 ^ $0) })
        )
        let card = try ISOFixtures.loyaltyCard(keys: keys)
        let terminal = ISOTestTerminal(card: card)
        #expect(try terminal.authenticate(keys: keys).statusWord == .success)
        let create = try ISOFixtures.createFile("80020300 82020121 83020101 880108")
        #expect(try terminal.send(create).statusWord == .success)
        let data = (0..<239).map { UInt8($0 & 0xFF) }
        let update = CommandAPDU(cla: 0x00, ins: 0xD6, p1: 0x81, p2: 0x00, data: data)
        #expect(try terminal.send(update).statusWord == .success)
        let read = try terminal.send(CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0x00, p2: 0x00, le: 256))
        let limit = ISOSecureMessaging.maximumResponseDataLength(cipher: keys.cipher, instruction: 0xB0)
        #expect(read.data == Array(data.prefix(limit)), "Le 00 reads what one protected response carries")
    }

    /// The card behind a ``SimulatedCardChannel``: the channel resets it and passes commands through.
    @Test func worksThroughACardChannel() async throws {
        let card = try ISOFixtures.openCard()
        let channel = SimulatedCardChannel(card: card)
        #expect(channel.answerToReset == card.answerToReset)
        let create = try ISOFixtures.createFile("820138 83021000 8402F001")
        #expect(try await channel.transmit(create).statusWord == .success)
        let select = try await channel.transmit(try ISOFixtures.command("00A4040402F00100"))
        #expect(select.statusWord == .success)
        #expect(select.data.first == 0x62)
        let isCurrent = channel.withCard { ($0 as? ISOFileCard)?.currentSelection.dedicatedFile == [0x3F00, 0x1000] }
        #expect(isCurrent)
    }
}
