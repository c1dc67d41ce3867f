import APDUTypes
import CardSimulator
import SecureChannel
import Testing

/// Access conditions from the compact security attributes, on the loyalty files and in isolation.
struct ISOFileCardAccessTests {
    /// The loyalty files' conditions under secure messaging and in plain: `sm` holds for protected
    /// commands only, `sm+external-auth` for protected commands after EXTERNAL AUTHENTICATE, and
    /// an operation the access mode byte does not list is never allowed.
    @Test func loyaltyFilesGrantWhatTheirAttributesSay() throws {
        let (card, terminal) = try ISOFileCardSecureMessagingTests.personalisedCard()
        // Points (5102, SFI 2): read always, update sm; write (APPEND) not listed.
        #expect(try terminal.send(ISOFixtures.command("00DC011408C0040000012CFFFF")).statusWord == .success)
        #expect(try terminal.send(ISOFixtures.command("00E2001008C0040000012CFFFF")).statusWord == StatusWord(0x6982))
        // Log (5103, SFI 3): write sm.
        let entry = "0102030405060708090A0B0C0D0E0F10"
        #expect(try terminal.send(ISOFixtures.command("00E2001810" + entry)).statusWord == .success)
        // Holder (5101, SFI 1): update sm+external-auth.
        #expect(try terminal.send(ISOFixtures.command("00D6813F02CAFE")).statusWord == StatusWord(0x6A84))
        #expect(try terminal.send(ISOFixtures.command("00D6814001CA")).statusWord == StatusWord(0x6B00))
        #expect(try terminal.send(ISOFixtures.command("00D6813E02CAFE")).statusWord == .success)
        // DF 5100: deactivate not listed.
        #expect(try terminal.send(ISOFixtures.command("00040000025100")).statusWord == StatusWord(0x6982))
        #expect(card.file(at: [0x3F00, 0x5100])?.lifeCycle == .activated)

        // In plain the session ends: reading still works, changing does not.
        #expect(card.process(try ISOFixtures.command("00B2011400")).statusWord == .success)
        #expect(!card.hasSecureMessagingSession)
        #expect(card.process(try ISOFixtures.command("00B2011C00")).data == (try ISOFixtures.hex(entry)))
        #expect(card.process(try ISOFixtures.command("00DC011408C004000000FAFFFF")).statusWord == StatusWord(0x6982))
        #expect(card.process(try ISOFixtures.command("00E2001810" + entry)).statusWord == StatusWord(0x6982))
        #expect(card.process(try ISOFixtures.command("00D6813E02BEEF")).statusWord == StatusWord(0x6982))
        #expect(card.process(try ISOFixtures.command("00A4000C025100")).statusWord == .success)
        let createEF = "00E000000E620C80020004820201218302510F"
        #expect(card.process(try ISOFixtures.command(createEF)).statusWord == StatusWord(0x6982))
        #expect(card.process(try ISOFixtures.command("00A4000C023F00")).statusWord == .success)
        #expect(card.process(try ISOFixtures.command("00E40000025100")).statusWord == StatusWord(0x6982))

        #expect(card.file(at: [0x3F00, 0x5100, 0x5102])?.records.first == (try ISOFixtures.hex("C0040000012CFFFF")))
        #expect(card.file(at: [0x3F00, 0x5100, 0x5101])?.contents.suffix(2) == [0xCA, 0xFE])
        #expect(card.file(at: [0x3F00, 0x5100, 0x510F]) == nil)
        #expect(card.file(at: [0x3F00, 0x5100]) != nil)
    }

    /// `external-auth` alone is satisfied only while the session lasts, and a plain command ends
    /// it, so in practice it needs secure messaging too (as Basic Access Control has it).
    @Test func externalAuthenticationLastsAsLongAsTheSession() throws {
        let (card, terminal) = try ISOFileCardSecureMessagingTests.personalisedCard()
        #expect(try terminal.send(ISOFixtures.command("00A4000C025100")).statusWord == .success)
        // A transparent EF 5110 with update: external-auth.
        let create = "00E00000156213800200048202012183025110880178" + "8C020220"
        #expect(try terminal.send(ISOFixtures.command(create)).statusWord == .success)
        #expect(try terminal.send(ISOFixtures.command("00D68F0001AA")).statusWord == .success)
        #expect(card.process(try ISOFixtures.command("00D68F0001BB")).statusWord == StatusWord(0x6982))
        #expect(card.file(at: [0x3F00, 0x5100, 0x5110])?.contents == [0xAA, 0, 0, 0])
    }

    /// Security condition bytes (ISO/IEC 7816-4 table 21) against every security status.
    @Test func conditionBytes() {
        let none = ISOFileCard.SecurityStatus(secureMessaging: false, externalAuthentication: false)
        let sm = ISOFileCard.SecurityStatus(secureMessaging: true, externalAuthentication: false)
        let auth = ISOFileCard.SecurityStatus(secureMessaging: false, externalAuthentication: true)
        let both = ISOFileCard.SecurityStatus(secureMessaging: true, externalAuthentication: true)
        let cases: [(UInt8, [Bool])] = [
            (0x00, [true, true, true, true]),
            (0xFF, [false, false, false, false]),
            (0x40, [false, true, false, true]),
            (0x20, [false, false, true, true]),
            (0x60, [false, true, true, true]),  // one of them
            (0xE0, [false, false, false, true]),  // both
            (0x10, [false, false, false, false]),  // user authentication: no PIN here
            (0x50, [false, true, false, true]),  // SM or PIN
            (0xD0, [false, false, false, false]),  // SM and PIN
            (0x41, [false, false, false, false]),  // a security environment this card does not have
            (0x80, [false, false, false, false]),
        ]
        for (condition, expected) in cases {
            let results = [none, sm, auth, both].map {
                ISOFileCard.SecurityAttributes.isSatisfied(condition, by: $0)
            }
            #expect(results == expected, "condition \(Hex.string([condition]))")
        }
    }

    /// The condition bytes follow the access mode byte from bit 7 down to bit 1.
    @Test func conditionsFollowTheAccessModeByte() throws {
        let attributes = try #require(ISOFileCard.SecurityAttributes(compact: [0x43, 0x11, 0x22, 0x33]))
        #expect(attributes.condition(for: .delete) == 0x11)
        #expect(attributes.condition(for: .createEF) == 0x22)
        #expect(attributes.condition(for: .deleteChild) == 0x33)
        #expect(attributes.condition(for: .createDF) == nil)
        #expect(attributes.condition(for: .terminate) == nil)
        #expect(ISOFileCard.SecurityAttributes(compact: [0x43, 0x11, 0x22]) == nil)
        #expect(ISOFileCard.SecurityAttributes(compact: [0x83, 0x11, 0x22]) == nil)
        #expect(ISOFileCard.SecurityAttributes(compact: []) == nil)
        let made = ISOFileCard.SecurityAttributes(conditions: [.read: 0x00, .update: 0xE0])
        #expect(made.bytes == [0x03, 0xE0, 0x00])
        #expect(made.description == "03E000")
        #expect(ISOFileCard.Configuration.defaultMasterFileSecurity.bytes == [0x67, 0xFF, 0xFF, 0x20, 0x20, 0x20])
    }
}
