import APDUTypes
import BundleFormat
import CardCrypto
import CardSimulator
import SecureChannel
import Testing

/// SCP02 implicit initiation (GPCS 2.3.1 appendix E.1.2 and E.3.3, options `0A`, `0B`, `1A`, `1B`):
/// no INITIALIZE UPDATE, no EXTERNAL AUTHENTICATE; with the issuer security domain selected, the first
/// command with a valid C-MAC (chained from the MAC of the ISD's AID, under session keys from the
/// sequence counter) opens a C-MAC session, and only then does the counter advance.
///
/// The golden bundle `bundle.brokerage.gp-second-card.scp02-implicit.bundle.json` was compiled with
/// `seqc compile … --scp-option 1A --sequence-counter 0043` for the second fixture card.
struct GlobalPlatformImplicitInitiationTests {
    static let goldenFile = "bundle.brokerage.gp-second-card.scp02-implicit.bundle.json"
    static let instance = "F04353510142524B0100C0FFEE"

    static func goldenPayload() throws -> BundlePayload {
        let golden = GlobalPlatformGoldenBundleTests.Case(file: goldenFile, fixture: .gpSecond)
        return try golden.payload()
    }

    /// The second fixture card (VISA2 keys from master `40..4F`, KDD `00009988776655443322`, ISD
    /// `A000000003000000`) with option 1A and the counter the golden bundle was compiled for.
    static func implicitCard(sequenceCounter: Int = 0x43) throws -> GlobalPlatformCard {
        try GlobalPlatformGoldenBundleTests.FixtureCard.gpSecond.card(
            sequenceCounter: sequenceCounter,
            implementationOption: 0x1A
        )
    }

    static func counter(of card: GlobalPlatformCard) -> Int {
        card.configuration.keySets[0].sequenceCounter
    }

    static func selectISD(_ card: GlobalPlatformCard) -> StatusWord {
        card.process(GPFixture.select(card.configuration.issuerSecurityDomainAID.bytes)).statusWord
    }

    /// An implicit host session (the code the compiler secures bundles with) for a card's ISD.
    static func host(
        for card: GlobalPlatformCard,
        keys: StaticKeys,
        option: UInt8,
        counter: Int,
        aid: ApplicationIdentifier? = nil
    ) throws -> GPHost {
        let session = try SecureChannelSession(
            implicitInitiation: keys,
            configuration: .init(scp: .scp02(i: option), securityLevel: .commandMAC),
            sequenceCounter: [UInt8(counter >> 8), UInt8(counter & 0xFF)],
            aid: aid ?? card.configuration.issuerSecurityDomainAID
        )
        return GPHost(card: card, session: session)
    }

    /// A card with one implicit key set: triple-DES test keys, key version 20, the given option and counter.
    static func card(option: UInt8, counter: Int = 0x0102) throws -> GlobalPlatformCard {
        try GPFixture.card(
            keys: try GPFixture.tripleDESKeys(version: 0x20),
            protocolIdentifier: 0x02,
            option: option,
            sequenceCounter: counter
        )
    }

    // MARK: - The golden bundle

    /// GET DATA tells the host the counter; after SELECT of the ISD every command of the bundle gets an
    /// expected status word, the first one opens the session and advances the counter once, and the
    /// application ends up installed and personalized.
    @Test func replaysTheGoldenImplicitBundle() throws {
        let payload = try Self.goldenPayload()
        let session = try GlobalPlatformGoldenBundleTests.session(payload)
        #expect(session.mode == .implicit)
        #expect(session.iParameter == 0x1A)
        #expect(session.sequenceCounter == [0x00, 0x43])
        let card = try Self.implicitCard()
        #expect(card.process(GPFixture.getData(0x00C1)).data == [0xC1, 0x02, 0x00, 0x43])
        #expect(Self.selectISD(card) == .success)
        #expect(card.securityLevel == nil)
        var counters: [Int] = []
        for command in payload.commands {
            let response = card.process(bytes: command.apdu)
            let word = StatusWord(sw1: response[response.count - 2], sw2: response[response.count - 1])
            #expect(command.accepts(word), "command \(command.index) (\(command.note ?? "")) answered \(word)")
            counters.append(Self.counter(of: card))
        }
        #expect(counters.allSatisfy { $0 == 0x44 }, "the counter advances once, at the first command: \(counters)")
        #expect(card.securityLevel == .commandMAC)
        let application = try #require(card.application(try GPFixture.aid(Self.instance)))
        #expect(application.lifeCycle == GlobalPlatformCard.LifeCycle.selectable)
        #expect(
            application.personalizationData.last == (try GPFixture.hex("800110 F0E1D2C3B4A5968778695A4B3C2D1E0F"))
        )
        #expect(application.storedData.last?.wasEncrypted == true)
        let loadFile = try #require(card.loadFile(try GPFixture.aid("F0435351014252")))
        #expect(loadFile.modules == [try GPFixture.aid("F04353510142524B01")])
        // SELECT ends the session; GET DATA then reports the counter the next session will use.
        #expect(Self.selectISD(card) == .success)
        #expect(card.securityLevel == nil)
        #expect(card.process(GPFixture.getData(0x00C1)).data == [0xC1, 0x02, 0x00, 0x44])
    }

    /// The same bundle a second time: the card's counter has moved on, so its session keys differ and
    /// the recording is refused at its first command, with nothing after it run.
    @Test func aRecordedImplicitSessionCannotBeReplayed() throws {
        let payload = try Self.goldenPayload()
        let card = try Self.implicitCard()
        #expect(Self.selectISD(card) == .success)
        _ = GlobalPlatformGoldenBundleTests.replay(payload.commands, on: card)
        #expect(Self.selectISD(card) == .success)
        let applicationsBefore = card.applications
        let words = GlobalPlatformGoldenBundleTests.replay(payload.commands, on: card)
        #expect(words.allSatisfy { $0 == StatusWord(0x6982) }, "\(words)")
        #expect(card.applications == applicationsBefore)
        #expect(Self.counter(of: card) == 0x44)
    }

    /// A card that holds another counter derives other session keys: the bundle is refused at once.
    @Test func isRefusedWithAnotherCounter() throws {
        let payload = try Self.goldenPayload()
        let card = try Self.implicitCard(sequenceCounter: 0x42)
        #expect(Self.selectISD(card) == .success)
        let words = GlobalPlatformGoldenBundleTests.replay(payload.commands, on: card)
        #expect(words.allSatisfy { $0 == StatusWord(0x6982) }, "\(words)")
        #expect(card.applications.isEmpty)
        #expect(Self.counter(of: card) == 0x42)
    }

    /// One byte flipped in command `k` (in the data, the header or the C-MAC): `6982` at exactly that
    /// command, and every command after it refused too, so nothing after it runs.
    @Test(
        arguments: [
            (0, 5), (0, 2), (0, -2), (1, 5), (2, 5), (12, 40), (22, 5), (23, 5), (23, -2), (24, 3), (25, 5), (27, 5),
        ] as [(Int, Int)]
    )
    func refusesATamperedCommandAndEverythingAfterIt(_ k: Int, _ offset: Int) throws {
        let payload = try Self.goldenPayload()
        let card = try Self.implicitCard()
        #expect(Self.selectISD(card) == .success)
        var commands = payload.commands
        try #require(k < commands.count)
        let position = offset >= 0 ? offset : commands[k].apdu.count + offset
        commands[k].apdu[position] ^= 0x01
        let words = GlobalPlatformGoldenBundleTests.replay(commands, on: card)
        for index in 0..<k {
            #expect(commands[index].accepts(words[index]), "command \(index) before the tampered one")
        }
        #expect(words[k] == StatusWord(0x6982))
        for index in (k + 1)..<commands.count {
            #expect(words[index] == StatusWord(0x6982), "command \(index) after the tampered one")
        }
        #expect(card.securityLevel == nil)
        // Only a session that opened (a valid first C-MAC) advanced the counter.
        #expect(Self.counter(of: card) == (k == 0 ? 0x43 : 0x44))
        let installIndex = try #require(
            commands.firstIndex { $0.note?.hasPrefix("INSTALL [for install") == true }
        )
        if k <= installIndex {
            #expect(card.application(try GPFixture.aid(Self.instance)) == nil)
        }
        if k <= 1 {
            #expect(card.loadFiles.isEmpty)
        }
    }

    /// A bad first C-MAC opens no session: `6982`, the counter stays, and plain commands still run
    /// outside a channel (GET DATA reports the unchanged counter).
    @Test func aBadFirstMACOpensNoSession() throws {
        let payload = try Self.goldenPayload()
        let card = try Self.implicitCard()
        #expect(Self.selectISD(card) == .success)
        var first = payload.commands[0].apdu
        first[first.count - 3] ^= 0x80
        #expect(card.process(bytes: first).suffix(2) == [0x69, 0x82])
        #expect(card.securityLevel == nil)
        #expect(Self.counter(of: card) == 0x43)
        #expect(card.process(GPFixture.getData(0x00C1)).data == [0xC1, 0x02, 0x00, 0x43])
        // The untouched bundle still runs afterwards: a failed attempt consumed nothing.
        #expect(Self.selectISD(card) == .success)
        let words = GlobalPlatformGoldenBundleTests.replay(payload.commands, on: card)
        #expect(zip(payload.commands, words).allSatisfy { $0.accepts($1) }, "\(words)")
    }

    // MARK: - Host sessions

    /// Every implicit option opens a C-MAC session with the host that computes the same chain; the
    /// response carries no R-MAC, and the counter advances once per session, not per command.
    @Test(arguments: [0x0A, 0x0B, 0x1A, 0x1B] as [UInt8])
    func everyImplicitOptionOpensASession(_ option: UInt8) throws {
        let card = try Self.card(option: option)
        let keys = try GPFixture.tripleDESKeys(version: 0x20)
        var host = try Self.host(for: card, keys: keys, option: option, counter: 0x0102)
        let status = try host.send(GPFixture.getStatus(p1: 0x80))
        #expect(status.statusWord == .success)
        #expect(status.data.starts(with: [0xE3]))
        #expect(card.securityLevel == .commandMAC)
        #expect(try host.status(GPFixture.getData(0x00CF)) == .success)
        #expect(Self.counter(of: card) == 0x0103)
        // A second session after SELECT uses the new counter.
        #expect(Self.selectISD(card) == .success)
        var next = try Self.host(for: card, keys: keys, option: option, counter: 0x0103)
        #expect(try next.status(GPFixture.getStatus(p1: 0x80)) == .success)
        #expect(Self.counter(of: card) == 0x0104)
    }

    /// The first C-MAC must chain from the MAC of the selected ISD's AID: a host that chains from
    /// another AID, holds other keys or uses the old counter is refused, and the counter stays.
    @Test func refusesAHostWithTheWrongChain() throws {
        let card = try Self.card(option: 0x1A)
        let keys = try GPFixture.tripleDESKeys(version: 0x20)
        #expect(card.configuration.issuerSecurityDomainAID == (try GPFixture.aid("A000000151000000")))
        var otherAID = try Self.host(
            for: card,
            keys: keys,
            option: 0x1A,
            counter: 0x0102,
            aid: try GPFixture.aid("A000000003000000")
        )
        let wrongKeys = try GPFixture.tripleDESKeys(version: 0x20, bytes: Array(0x50...0x5F))
        var otherKeys = try Self.host(for: card, keys: wrongKeys, option: 0x1A, counter: 0x0102)
        var oldCounter = try Self.host(for: card, keys: keys, option: 0x1A, counter: 0x0101)
        for command in [
            try otherAID.session.wrap(GPFixture.getStatus(p1: 0x80)),
            try otherKeys.session.wrap(GPFixture.getStatus(p1: 0x80)),
            try oldCounter.session.wrap(GPFixture.getStatus(p1: 0x80)),
        ] {
            #expect(card.process(command).statusWord == StatusWord(0x6982))
            #expect(card.securityLevel == nil)
        }
        #expect(Self.counter(of: card) == 0x0102)
    }

    /// Implicit initiation needs the ISD selected: with an application selected a secured command goes
    /// to the application (which knows no instruction), and no session opens.
    @Test func needsTheSecurityDomainSelected() throws {
        let payload = try Self.goldenPayload()
        let card = try Self.implicitCard()
        #expect(Self.selectISD(card) == .success)
        _ = GlobalPlatformGoldenBundleTests.replay(payload.commands, on: card)
        #expect(card.process(GPFixture.select(try GPFixture.hex(Self.instance))).statusWord == .success)
        var host = try Self.host(
            for: card,
            keys: try GlobalPlatformGoldenBundleTests.FixtureCard.gpSecond.keys(),
            option: 0x1A,
            counter: 0x44
        )
        let command = try host.session.wrap(GPFixture.getStatus(p1: 0x80))
        #expect(card.process(command).statusWord == StatusWord(0x6D00))
        #expect(card.securityLevel == nil)
        #expect(Self.counter(of: card) == 0x44)
    }

    /// Within an implicit session a command without secure messaging is refused (`6982`) and ends it,
    /// as in an explicit one.
    @Test func aPlainCommandEndsTheSession() throws {
        let card = try Self.card(option: 0x1A)
        var host = try Self.host(
            for: card,
            keys: try GPFixture.tripleDESKeys(version: 0x20),
            option: 0x1A,
            counter: 0x0102
        )
        #expect(try host.status(GPFixture.getStatus(p1: 0x80)) == .success)
        #expect(card.process(GPFixture.getStatus(p1: 0x80)).statusWord == StatusWord(0x6982))
        #expect(card.securityLevel == nil)
        #expect(card.process(try host.session.wrap(GPFixture.getStatus(p1: 0x80))).statusWord == StatusWord(0x6982))
    }

    /// An exhausted counter opens no session.
    ///
    /// At `FFFF` the counter cannot advance, so the same session keys would come back: the card refuses
    /// implicit initiation (`6985`). `FFFE` still opens one last session.
    @Test func anExhaustedCounterOpensNoSession() throws {
        let keys = try GPFixture.tripleDESKeys(version: 0x20)
        let card = try Self.card(option: 0x1A, counter: 0xFFFE)
        var last = try Self.host(for: card, keys: keys, option: 0x1A, counter: 0xFFFE)
        #expect(try last.status(GPFixture.getStatus(p1: 0x80)) == .success)
        #expect(Self.counter(of: card) == 0xFFFF)
        #expect(Self.selectISD(card) == .success)
        var exhausted = try Self.host(for: card, keys: keys, option: 0x1A, counter: 0xFFFF)
        let command = try exhausted.session.wrap(GPFixture.getStatus(p1: 0x80))
        #expect(card.process(command).statusWord == StatusWord(0x6985))
        #expect(card.securityLevel == nil)
        #expect(Self.counter(of: card) == 0xFFFF)
    }

    /// Once wrong host cryptograms have blocked authentication, implicit initiation is blocked too (`6983`).
    @Test func blockedAuthenticationBlocksImplicitInitiation() throws {
        let base = try Self.card(option: 0x1A)
        var image = base.image
        image.consecutiveAuthenticationFailures = image.configuration.authenticationRetryLimit
        let card = try GlobalPlatformCard(image: image)
        var host = try Self.host(
            for: card,
            keys: try GPFixture.tripleDESKeys(version: 0x20),
            option: 0x1A,
            counter: 0x0102
        )
        let command = try host.session.wrap(GPFixture.getStatus(p1: 0x80))
        #expect(card.process(command).statusWord == StatusWord(0x6983))
        #expect(Self.counter(of: card) == 0x0102)
    }

    /// Explicit and implicit key sets work side by side on one card.
    ///
    /// With an implicit key set (20, i=1A) and an explicit one (21, i=15), INITIALIZE UPDATE with key
    /// version 00 or 21 opens an explicit session on 21, key version 20 is not found for INITIALIZE
    /// UPDATE (`6A88`), and implicit initiation still uses 20. Each key set keeps its own counter.
    @Test func explicitAndImplicitKeySetsOnOneCard() throws {
        let implicitKeys = try GPFixture.tripleDESKeys(version: 0x20)
        let explicitKeys = try GPFixture.tripleDESKeys(version: 0x21, bytes: Array(0x50...0x5F))
        let card = try GPFixture.card(
            keys: implicitKeys,
            protocolIdentifier: 0x02,
            option: 0x1A,
            sequenceCounter: 0x10
        ) { configuration in
            configuration.keySets.append(
                GlobalPlatformCard.KeySet(
                    keys: explicitKeys,
                    protocolIdentifier: 0x02,
                    implementationOption: 0x15,
                    sequenceCounter: 0x70
                )
            )
        }
        #expect(card.configuration.keySets.map(\.initiatesImplicitly) == [true, false])
        let challenge: [UInt8] = Array(0x11...0x18)
        let asked20 = card.process(CommandAPDU(cla: 0x80, ins: 0x50, p1: 0x20, p2: 0x00, data: challenge, le: 256))
        #expect(asked20.statusWord == StatusWord(0x6A88))
        let asked00 = card.process(CommandAPDU(cla: 0x80, ins: 0x50, p1: 0x00, p2: 0x00, data: challenge, le: 256))
        #expect(asked00.statusWord == .success)
        #expect(asked00.data[10..<14] == [0x21, 0x02, 0x00, 0x70])

        var explicitHost = try GPFixture.host(
            for: card,
            keys: explicitKeys,
            scp: .scp02(i: 0x15),
            level: [.commandMAC, .commandEncryption]
        )
        try explicitHost.authenticate()
        #expect(card.securityLevel == [.commandMAC, .commandEncryption])
        #expect(try explicitHost.status(GPFixture.getStatus(p1: 0x80)) == .success)
        #expect(card.configuration.keySets.map(\.sequenceCounter) == [0x10, 0x71])

        #expect(Self.selectISD(card) == .success)
        // GET DATA C1 reports the default (first) key set: the implicit one.
        #expect(card.process(GPFixture.getData(0x00C1)).data == [0xC1, 0x02, 0x00, 0x10])
        var implicitHost = try Self.host(for: card, keys: implicitKeys, option: 0x1A, counter: 0x10)
        #expect(try implicitHost.status(GPFixture.getStatus(p1: 0x80)) == .success)
        #expect(card.securityLevel == .commandMAC)
        #expect(card.configuration.keySets.map(\.sequenceCounter) == [0x11, 0x71])
    }

    /// A card without an implicit key set refuses secured commands outside a session, as before (`6982`).
    @Test func explicitOnlyCardsRefuseSecuredCommandsWithoutASession() throws {
        let card = try GPFixture.scp02Card(option: 0x15)
        var host = try Self.host(
            for: card,
            keys: try GPFixture.tripleDESKeys(version: 0x20),
            option: 0x1A,
            counter: 0x42
        )
        let command = try host.session.wrap(GPFixture.getStatus(p1: 0x80))
        #expect(card.process(command).statusWord == StatusWord(0x6982))
        #expect(card.securityLevel == nil)
        #expect(card.configuration.keySets[0].sequenceCounter == 0x42)
    }

    /// The implicit options are valid configurations; the card recognition data lists the option.
    @Test func implicitOptionsAreValidConfigurations() throws {
        for option: UInt8 in [0x0A, 0x0B, 0x1A, 0x1B] {
            let card = try Self.card(option: option)
            #expect(card.configuration.keySets[0].initiatesImplicitly)
            let recognition = card.process(GPFixture.getData(0x0066)).data
            let oid: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x04, 0x02, option]
            #expect(recognition.containsRun(oid))
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether the bytes contain `part` as a contiguous run.
    fileprivate func containsRun(_ part: [UInt8]) -> Bool {
        guard part.count <= count else { return false }
        return (0...(count - part.count)).contains { Array(self[$0..<($0 + part.count)]) == part }
    }
}
