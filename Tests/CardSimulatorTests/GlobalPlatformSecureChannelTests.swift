import APDUTypes
import CardCrypto
import CardSimulator
import SecureChannel
import Testing

/// The issuer security domain's secure channel: retry limit, closing on a bad MAC, security levels,
/// commands outside a session, and the sequence counters.
struct GlobalPlatformSecureChannelTests {
    /// INITIALIZE UPDATE with the host challenge `11..18` for a key version.
    static func initializeUpdate(keyVersion: UInt8 = 0x30, challengeLength: Int = 8) -> CommandAPDU {
        CommandAPDU(
            cla: 0x80,
            ins: 0x50,
            p1: keyVersion,
            p2: 0x00,
            data: Array(0x11..<(0x11 + UInt8(challengeLength))),
            le: 256
        )
    }

    /// EXTERNAL AUTHENTICATE with a made-up host cryptogram and C-MAC.
    static let wrongExternalAuthenticate = CommandAPDU(
        cla: 0x84,
        ins: 0x82,
        p1: 0x01,
        p2: 0x00,
        data: [UInt8](repeating: 0x5A, count: 16)
    )

    /// Three wrong host cryptograms in a row block the channel: INITIALIZE UPDATE then answers `6983`,
    /// even with the right keys and after a restart from the card image.
    @Test func blocksAfterTheRetryLimit() throws {
        let card = try GPFixture.scp03Card()
        for attempt in 1...3 {
            #expect(card.process(Self.initializeUpdate()).statusWord == .success)
            #expect(card.process(Self.wrongExternalAuthenticate).statusWord == StatusWord(0x6300))
            #expect(card.image.consecutiveAuthenticationFailures == attempt)
        }
        #expect(card.image.isAuthenticationBlocked)
        #expect(card.process(Self.initializeUpdate()).statusWord == StatusWord(0x6983))
        let host = try GPFixture.host(
            for: card,
            keys: try GPFixture.aesKeys(version: 0x30),
            scp: .scp03,
            level: .commandMAC
        )
        let built = host.session.initializeUpdateCommand
        #expect(card.process(try #require(built)).statusWord == StatusWord(0x6983))

        let restarted = try GlobalPlatformCard(image: try GlobalPlatformCard.Image(decoding: try card.image.encoded()))
        #expect(restarted.process(Self.initializeUpdate()).statusWord == StatusWord(0x6983))
        // GET DATA needs no channel and still answers.
        #expect(restarted.process(GPFixture.getData(0x9F7F)).statusWord == .success)
    }

    /// The limit counts failures in a row: a good authentication resets the count.
    @Test func aGoodAuthenticationResetsTheCount() throws {
        let card = try GPFixture.scp03Card { $0.authenticationRetryLimit = 2 }
        #expect(card.process(Self.initializeUpdate()).statusWord == .success)
        #expect(card.process(Self.wrongExternalAuthenticate).statusWord == StatusWord(0x6300))
        _ = try GPFixture.scp03Host(card)
        #expect(card.image.consecutiveAuthenticationFailures == 0)
        #expect(card.process(Self.initializeUpdate()).statusWord == .success)
        #expect(card.process(Self.wrongExternalAuthenticate).statusWord == StatusWord(0x6300))
        #expect(!card.image.isAuthenticationBlocked)
        #expect(card.process(Self.initializeUpdate()).statusWord == .success)
        #expect(card.process(Self.wrongExternalAuthenticate).statusWord == StatusWord(0x6300))
        #expect(card.image.isAuthenticationBlocked)
    }

    /// A command whose C-MAC does not verify gets `6982` and closes the channel: the next correctly
    /// wrapped command is refused too, until a new authentication.
    @Test func aBadMACClosesTheChannel() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        #expect(try host.status(GPFixture.getStatus(p1: 0x80)) == .success)
        var tampered = try host.session.wrap(GPFixture.getStatus(p1: 0x80))
        tampered.data[tampered.data.count - 1] ^= 0x01
        #expect(card.process(tampered).statusWord == StatusWord(0x6982))
        #expect(card.securityLevel == nil)
        let next = try host.session.wrap(GPFixture.getStatus(p1: 0x80))
        #expect(card.process(next).statusWord == StatusWord(0x6982))
        var again = try GPFixture.scp03Host(card)
        #expect(try again.status(GPFixture.getStatus(p1: 0x80)) == .success)
    }

    /// Inside a channel with C-MAC a plain command is refused and closes the channel.
    @Test func aPlainCommandInsideTheChannelIsRefused() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        #expect(card.process(GPFixture.getData(0x9F7F)).statusWord == StatusWord(0x6982))
        #expect(try host.status(GPFixture.getStatus(p1: 0x80)) == StatusWord(0x6982))
    }

    /// Card content management needs a channel with at least C-MAC: without a session, secured or
    /// not, and at security level 00 it gets `6982`; GET DATA works everywhere.
    @Test func contentManagementNeedsTheChannel() throws {
        let card = try GPFixture.scp03Card()
        let commands = [
            GPFixture.getStatus(p1: 0x80),
            try GPFixture.installForLoad(GPFixture.packageAID),
            try GPFixture.delete(GPFixture.packageAID),
            GPFixture.storeData(p1: 0x80, block: 0, [0x01, 0x02]),
            CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x80, p2: 0x0F),
            CommandAPDU(cla: 0x80, ins: 0xD8, p1: 0x00, p2: 0x81, data: [0x31]),
            CommandAPDU(cla: 0x80, ins: 0xDA, p1: 0x00, p2: 0x42, data: [0x01]),
        ]
        for command in commands {
            #expect(card.process(command).statusWord == StatusWord(0x6982), "\(command)")
            var secured = command
            secured.cla = 0x84
            #expect(card.process(secured).statusWord == StatusWord(0x6982), "\(secured)")
        }
        #expect(card.process(GPFixture.getData(0x9F7F)).statusWord == .success)
        var host = try GPFixture.scp03Host(card, level: [])
        #expect(card.securityLevel == [])
        for command in commands {
            #expect(try host.status(command) == StatusWord(0x6982), "\(command)")
        }
        #expect(try host.status(GPFixture.getData(0x0066)) == .success)
    }

    /// The card's policy: EXTERNAL AUTHENTICATE below the minimum level gets `6982`; a channel below
    /// the content management level opens but cannot install.
    @Test func enforcesConfiguredLevels() throws {
        let strict = try GPFixture.scp03Card { $0.minimumSecurityLevel = [.commandMAC, .commandEncryption] }
        var weak = try GPFixture.host(
            for: strict,
            keys: try GPFixture.aesKeys(version: 0x30),
            scp: .scp03,
            level: .commandMAC
        )
        let built = weak.session.initializeUpdateCommand
        let response = strict.process(try #require(built))
        try weak.session.receiveInitializeUpdateResponse(response.bytes)
        #expect(strict.process(try weak.session.externalAuthenticateCommand()).statusWord == StatusWord(0x6982))

        let encrypted = try GPFixture.scp03Card {
            $0.contentManagementSecurityLevel = [.commandMAC, .commandEncryption]
        }
        var macOnly = try GPFixture.scp03Host(encrypted, level: .commandMAC)
        #expect(try macOnly.status(GPFixture.getStatus(p1: 0x80)) == StatusWord(0x6982))
        var both = try GPFixture.scp03Host(encrypted)
        #expect(try both.status(GPFixture.getStatus(p1: 0x80)) == .success)
    }

    /// Wrong INITIALIZE UPDATE and EXTERNAL AUTHENTICATE framing gets the ISO status words.
    @Test func refusesMalformedHandshakes() throws {
        let card = try GPFixture.scp03Card()
        #expect(card.process(Self.initializeUpdate(keyVersion: 0x31)).statusWord == StatusWord(0x6A88))
        #expect(card.process(Self.initializeUpdate(challengeLength: 7)).statusWord == StatusWord(0x6700))
        var wrongP2 = Self.initializeUpdate()
        wrongP2.p2 = 0x01
        #expect(card.process(wrongP2).statusWord == StatusWord(0x6A86))
        var wrongClass = Self.initializeUpdate()
        wrongClass.cla = 0x00
        #expect(card.process(wrongClass).statusWord == StatusWord(0x6E00))
        #expect(card.process(Self.wrongExternalAuthenticate).statusWord == StatusWord(0x6985))
        // Anything but EXTERNAL AUTHENTICATE after INITIALIZE UPDATE abandons the half-open session.
        #expect(card.process(Self.initializeUpdate()).statusWord == .success)
        #expect(card.process(GPFixture.getData(0x0042)).statusWord == .success)
        #expect(card.process(Self.wrongExternalAuthenticate).statusWord == StatusWord(0x6985))
        #expect(card.image.consecutiveAuthenticationFailures == 0)
        // Key version 00 asks for the default key set.
        #expect(card.process(Self.initializeUpdate(keyVersion: 0x00)).data[10] == 0x30)
    }

    /// SCP03 with pseudo-random challenges advances its counter at every INITIALIZE UPDATE, and GET
    /// DATA `C1` reads the last one used; SCP02 advances once a session is established.
    @Test func sequenceCountersAdvanceAsOnARealCard() throws {
        let scp03 = try GPFixture.scp03Card()
        #expect(scp03.process(GPFixture.getData(0x00C1)).data == [0xC1, 0x03, 0x00, 0x00, 0x00])
        let first = scp03.process(Self.initializeUpdate())
        #expect(first.data.suffix(3) == [0x00, 0x00, 0x01])
        let second = scp03.process(Self.initializeUpdate())
        #expect(second.data.suffix(3) == [0x00, 0x00, 0x02])
        #expect(first.data[13..<21] != second.data[13..<21])
        #expect(scp03.process(GPFixture.getData(0x00C1)).data == [0xC1, 0x03, 0x00, 0x00, 0x02])

        let scp02 = try GPFixture.scp02Card(option: 0x15)
        #expect(scp02.process(GPFixture.getData(0x00C1)).data == [0xC1, 0x02, 0x00, 0x42])
        let unused = scp02.process(CommandAPDU(cla: 0x80, ins: 0x50, p1: 0x20, p2: 0x00, data: Array(0x11...0x18)))
        #expect(unused.data[12..<14] == [0x00, 0x42])
        #expect(scp02.configuration.keySets[0].sequenceCounter == 0x42)
        var host = try GPFixture.host(
            for: scp02,
            keys: try GPFixture.tripleDESKeys(version: 0x20),
            scp: .scp02(i: 0x15),
            level: .commandMAC
        )
        try host.authenticate()
        #expect(scp02.configuration.keySets[0].sequenceCounter == 0x43)
        #expect(scp02.process(GPFixture.getData(0x00C1)).statusWord == StatusWord(0x6982))
        scp02.reset()
        #expect(scp02.process(GPFixture.getData(0x00C1)).data == [0xC1, 0x02, 0x00, 0x43])
    }

    /// Seeded challenges differ from session to session but repeat for a card made from the same image.
    @Test func seededChallengesAreReproducible() throws {
        func makeCard() throws -> GlobalPlatformCard {
            try GPFixture.card(
                keys: try GPFixture.aesKeys(version: 0x30),
                protocolIdentifier: 0x03,
                option: 0x60
            ) { $0.cardChallenges = .seeded([0x01, 0x02]) }
        }
        let one = try makeCard()
        let two = try makeCard()
        let a1 = one.process(Self.initializeUpdate()).data[13..<21]
        let a2 = one.process(Self.initializeUpdate()).data[13..<21]
        let b1 = two.process(Self.initializeUpdate()).data[13..<21]
        #expect(a1 == b1)
        #expect(a1 != a2)
        #expect(one.image.challengeCounter == 2)
    }

    /// Random challenges: two sessions of the same card get different card challenges.
    @Test func randomChallengesDiffer() throws {
        let card = try GPFixture.card(
            keys: try GPFixture.aesKeys(version: 0x30),
            protocolIdentifier: 0x03,
            option: 0x00
        ) {
            $0.cardChallenges = .random
        }
        let first = card.process(Self.initializeUpdate()).data[13..<21]
        let second = card.process(Self.initializeUpdate()).data[13..<21]
        #expect(first != second)
        var host = try GPFixture.host(
            for: card,
            keys: try GPFixture.aesKeys(version: 0x30),
            scp: .scp03,
            level: .commandMAC
        )
        try host.authenticate()
        #expect(try host.status(GPFixture.getStatus(p1: 0x80)) == .success)
    }

    /// A reset ends the channel and selects the issuer security domain again.
    @Test func resetEndsTheChannel() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        card.reset()
        #expect(card.securityLevel == nil)
        #expect(try host.status(GPFixture.getStatus(p1: 0x80)) == StatusWord(0x6982))
    }
}
