import APDUTypes
import CardSimulator
import SecureChannel
import Testing

/// The loyalty sequence's golden listings replayed on the simulated file card under secure
/// messaging, as the player would replay its bundle, and the card's files read back afterwards.
struct ISOFileCardLoyaltyTests {
    /// A listing and the access keys to replay it with.
    struct Setup: Sendable, CustomTestStringConvertible {
        var listing: String
        var aes: Bool

        var testDescription: String { "\(listing) (\(aes ? "AES-128" : "3DES"))" }

        func keys() throws -> ISOSecureMessaging.Keys {
            try aes ? ISOFixtures.aesKeys() : ISOFixtures.testKeys()
        }
    }

    static let setups = [
        Setup(listing: "Tests/SequenceCompilerReferenceTests/Golden/loyalty.iso-test-card.apdu", aes: false),
        Setup(listing: "Tests/SequenceCompilerReferenceTests/Golden/loyalty.iso-test-card.sm-mac-enc.apdu", aes: true),
    ]

    /// The holder data that step 6 writes (card number, holder name, expiry as TLVs).
    static let holderData =
        "5A0862801234567890125F20104552494B41204D5553544552465241555F2403281231"

    /// The certificate file is written while still in its initialisation state, then activated:
    /// from then on its `update: never` holds, and a strict card refuses another write with `6982`.
    @Test(arguments: setups)
    func theActivatedCertificateFileRefusesUpdates(_ setup: Setup) throws {
        let commands = try ISOCommandListing.read(setup.listing)
        #expect(commands.count == 16)
        let card = try ISOFixtures.loyaltyCard(keys: setup.keys())
        let terminal = ISOTestTerminal(card: card)
        #expect(try terminal.authenticate(keys: setup.keys()).statusWord == .success)
        let outcome = try terminal.replay(commands)
        #expect(outcome.failure == nil, "stopped at \(String(describing: outcome.failure))")
        #expect(commands.last?.apdu.ins == 0x44, "the last command activates the certificate file")
        let written = try #require(card.file(at: [0x3F00, 0x5100, 0x5104])?.contents)

        #expect(try terminal.send(ISOFixtures.command("00A4000C025104")).statusWord == .success)
        let rewrite = CommandAPDU(cla: 0x00, ins: 0xD6, p1: 0x00, p2: 0x00, data: [0xFF, 0xFF])
        #expect(try terminal.send(rewrite).statusWord == StatusWord(0x6982))
        #expect(card.file(at: [0x3F00, 0x5100, 0x5104])?.contents == written, "the refused write changed nothing")
        #expect(terminal.hasSession, "a refused command keeps the session")
    }

    /// The whole listing runs, the certificate is written in three protected chunks, and a
    /// second install deletes the DF (`9000` instead of `6A82`) and writes everything again.
    @Test(arguments: setups)
    func listingWithWritableCertificateInstallsTwice(_ setup: Setup) throws {
        let commands = try Self.writableCertificateListing(setup.listing)
        let card = try ISOFixtures.loyaltyCard(keys: setup.keys())
        let terminal = ISOTestTerminal(card: card)
        #expect(try terminal.authenticate(keys: setup.keys()).statusWord == .success)
        let first = try terminal.replay(commands)
        #expect(first.failure == nil, "first install stopped at \(String(describing: first.failure))")
        #expect(first.statusWords[1] == StatusWord(0x6A82))
        try checkPersonalisation(card, terminal: terminal)
        try checkCertificate(card, terminal: terminal, commands: commands)

        card.reset()
        #expect(!card.hasSecureMessagingSession)
        #expect(try terminal.authenticate(keys: setup.keys()).statusWord == .success)
        let second = try terminal.replay(commands)
        #expect(second.failure == nil, "second install stopped at \(String(describing: second.failure))")
        #expect(second.statusWords[1] == .success, "the second install deletes the loyalty DF of the first")
        try checkPersonalisation(card, terminal: terminal)
        try checkCertificate(card, terminal: terminal, commands: commands)
        #expect(card.file(at: [0x3F00])?.children.map(\.fid) == [0x5100])
    }

    /// The listing protected ahead of time, as a bundle is, with one byte of one command flipped:
    /// every command before it runs, that command gets a plain `6988`, and every command after it
    /// is refused (`6988`, nothing changes) because the card ended the session.
    @Test(arguments: [2, 7, 13])
    func tamperedCommandStopsTheRestOfTheBundle(tampered: Int) throws {
        let commands = try Self.writableCertificateListing(Self.setups[0].listing)
        let card = try ISOFixtures.loyaltyCard()
        let terminal = ISOTestTerminal(card: card)
        #expect(try terminal.authenticate(keys: ISOFixtures.testKeys()).statusWord == .success)
        var protected = try commands.map { try terminal.protect($0.apdu) }
        var bytes = protected[tampered].bytes
        bytes[bytes.count / 2] ^= 0x80
        protected[tampered] = try CommandAPDU(bytes: bytes)

        for (index, command) in protected.enumerated() {
            let response = card.process(command)
            if index < tampered {
                #expect(commands[index].expected.contains(response.statusWord), "command \(index + 1)")
                #expect(!response.data.isEmpty, "command \(index + 1) is answered protected")
            } else {
                #expect(response.statusWord == StatusWord(0x6988), "command \(index + 1)")
                #expect(response.data.isEmpty, "command \(index + 1) is answered in plain")
            }
        }
        #expect(!card.hasSecureMessagingSession)
        switch tampered {
        case 2:
            #expect(card.file(at: [0x3F00, 0x5100]) == nil)
        case 7:
            #expect(
                card.file(at: [0x3F00, 0x5100, 0x5102])?.records
                    == [[UInt8]](repeating: [0, 0, 0, 0, 0, 0, 0, 0], count: 2)
            )
            #expect(card.file(at: [0x3F00, 0x5100, 0x5103]) == nil)
        default:
            let certificate = try #require(card.file(at: [0x3F00, 0x5100, 0x5104])?.contents)
            #expect(certificate.prefix(239) == commands[12].apdu.data[...])
            #expect(certificate.dropFirst(239).allSatisfy { $0 == 0 })
        }
    }

    /// The same listing without authentication: CREATE FILE of the DF needs external
    /// authentication at the MF, so the plain replay stops there with `6982`.
    @Test func plainListingStopsAtTheFirstCreate() throws {
        let commands = try ISOCommandListing.read(Self.setups[0].listing)
        let card = try ISOFixtures.loyaltyCard()
        var statusWords: [StatusWord] = []
        for listed in commands {
            let response = card.process(listed.apdu)
            statusWords.append(response.statusWord)
            if !listed.expected.contains(response.statusWord) { break }
        }
        #expect(statusWords == [.success, StatusWord(0x6A82), StatusWord(0x6982)])
        #expect(card.file(at: [0x3F00, 0x5100]) == nil)
    }

    /// The files that steps 1 to 12 leave, read back through the card (protected READ BINARY and
    /// READ RECORD by SFI) and through the test API.
    private func checkPersonalisation(_ card: ISOFileCard, terminal: ISOTestTerminal) throws {
        let directory = try #require(card.file(at: [0x3F00, 0x5100]))
        #expect(directory.dfName == (try ISOFixtures.hex("A0000000774C5901")))
        #expect(directory.children.map(\.fid) == [0x5101, 0x5102, 0x5103, 0x5104])
        #expect(directory.lifeCycle == .activated)

        let holder = try ISOFixtures.hex(Self.holderData)
        let expectedHolder = holder + [UInt8](repeating: 0, count: 64 - holder.count)
        #expect(card.file(at: [0x3F00, 0x5100, 0x5101])?.contents == expectedHolder)
        let readHolder = try terminal.send(ISOFixtures.command("00B0810000"))
        #expect(readHolder.statusWord == .success)
        #expect(readHolder.data == expectedHolder)

        let balance = try ISOFixtures.hex("C004000000FAFFFF")
        #expect(card.file(at: [0x3F00, 0x5100, 0x5102])?.records == [balance, [UInt8](repeating: 0, count: 8)])
        let readBalance = try terminal.send(ISOFixtures.command("00B2011400"))
        #expect(readBalance.statusWord == .success)
        #expect(readBalance.data == balance)

        let issued = try ISOFixtures.hex("49535355454428123100000000000000")
        #expect(card.file(at: [0x3F00, 0x5100, 0x5103])?.records == [issued])
        let readLog = try terminal.send(ISOFixtures.command("00B2011C00"))
        #expect(readLog.data == issued)
        #expect(try terminal.send(ISOFixtures.command("00B2021C00")).statusWord == StatusWord(0x6A83))

        let selectByName = try terminal.send(ISOFixtures.command("00A4040408A0000000774C590100"))
        #expect(selectByName.statusWord == .success)
        #expect(selectByName.data.starts(with: [0x62]))
        #expect(selectByName.data.contains(0x84))
    }

    /// The certificate file holds the three UPDATE BINARY chunks of step 13, read back in pieces no
    /// larger than one protected response.
    private func checkCertificate(
        _ card: ISOFileCard,
        terminal: ISOTestTerminal,
        commands: [ISOListedCommand]
    ) throws {
        // The three UPDATE BINARY chunks before the final ACTIVATE FILE.
        let written = commands.dropLast().suffix(3).flatMap(\.apdu.data)
        #expect(commands.dropLast().suffix(3).allSatisfy { $0.apdu.ins == 0xD6 })
        #expect(
            written
                == (try ISOFixtures.hex(
                    String(decoding: try ISOFixtures.bytes("Sequences/loyalty/issuer-certificate.hex"), as: UTF8.self)
                ))
        )
        let expected = written + [UInt8](repeating: 0, count: 1024 - written.count)
        #expect(card.file(at: [0x3F00, 0x5100, 0x5104])?.contents == expected)

        #expect(try terminal.send(ISOFixtures.command("00A4000C025104")).statusWord == .success)
        var read: [UInt8] = []
        while read.count < 1024 {
            let response = try terminal.send(
                CommandAPDU(cla: 0x00, ins: 0xB0, p1: UInt8(read.count >> 8), p2: UInt8(read.count & 0xFF), le: 256)
            )
            try #require(response.statusWord == .success)
            try #require(!response.data.isEmpty && response.data.count <= 231)
            read += response.data
        }
        #expect(read == expected)
    }

    /// The loyalty listing: the certificate file is written before it is activated.
    static func writableCertificateListing(_ path: String) throws -> [ISOListedCommand] {
        try ISOCommandListing.read(path)
    }
}
