import APDUTypes
import BundleFormat
import CardSimulator
import SecureChannel
import Testing

/// The Card Reset privilege (GPCS 2.3.1 table 11-7, first privilege byte bit `04`, formerly Default
/// Selected): after a reset the card selects the selectable application holding it instead of the
/// issuer security domain, which SELECT by AID still reaches.
struct GlobalPlatformDefaultSelectionTests {
    static let defaultInstance = "F0435351019901AA0101"
    static let otherInstance = "F0435351019901AA0102"
    static let isd = "A000000151000000"

    /// A card with the test package loaded and two applications: one with the Card Reset privilege
    /// (selectable unless told), one without; the ISD is selected when it is returned.
    static func card(defaultSelectable: Bool = true) throws -> GlobalPlatformCard {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        #expect(try host.load(try GPFixture.loadFileData()).allSatisfy { $0 == .success })
        #expect(try host.status(try GPFixture.installForInstall(instance: otherInstance)) == .success)
        let install = try GPFixture.installForInstall(
            instance: defaultInstance,
            privileges: [GlobalPlatformCard.Privilege.cardReset, 0x00, 0x00],
            selectable: defaultSelectable
        )
        #expect(try host.status(install) == .success)
        #expect(card.selectedAID == (try GPFixture.aid(isd)))
        return card
    }

    /// SET STATUS of an application to a state (`80` locks, `00` unlocks).
    static func setStatus(_ aid: String, _ state: UInt8) throws -> CommandAPDU {
        CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x40, p2: state, data: try GPFixture.hex(aid), le: 256)
    }

    @Test func resetSelectsTheApplicationWithTheCardResetPrivilege() throws {
        let card = try Self.card()
        let application = try #require(card.application(try GPFixture.aid(Self.defaultInstance)))
        #expect(application.hasCardResetPrivilege)
        #expect(card.application(try GPFixture.aid(Self.otherInstance))?.hasCardResetPrivilege == false)
        card.reset()
        #expect(card.selectedAID == (try GPFixture.aid(Self.defaultInstance)))
        // Commands now go to the application, which runs no bytecode: the ISD's GET DATA is unknown.
        #expect(card.process(GPFixture.getData(0x00CF)).statusWord == StatusWord(0x6D00))
        #expect(
            card.process(CommandAPDU(cla: 0x80, ins: 0x50, p1: 0x00, p2: 0x00, data: Array(0x11...0x18))).statusWord
                == StatusWord(0x6D00)
        )
        // The ISD stays selectable by AID, and then answers as before.
        let selected = card.process(GPFixture.select(try GPFixture.hex(Self.isd)))
        #expect(selected.statusWord == .success)
        #expect(selected.data.starts(with: [0x6F]))
        #expect(card.selectedAID == (try GPFixture.aid(Self.isd)))
        #expect(card.process(GPFixture.getData(0x00CF)).data == [0xCF, 0x0A] + GPFixture.kdd)
        var host = try GPFixture.scp03Host(card)
        #expect(try host.status(GPFixture.getStatus(p1: 0x40)) == .success)
        // Another application can still be selected, and a reset goes back to the default one.
        #expect(card.process(GPFixture.select(try GPFixture.hex(Self.otherInstance))).statusWord == .success)
        card.reset()
        #expect(card.selectedAID == (try GPFixture.aid(Self.defaultInstance)))
    }

    /// Without any application holding the privilege a reset selects the ISD.
    @Test func withoutThePrivilegeResetSelectsTheSecurityDomain() throws {
        let card = try GPFixture.cardWithApplications([Self.otherInstance])
        #expect(card.selectedAID == (try GPFixture.aid(Self.isd)))
        card.reset()
        #expect(card.selectedAID == (try GPFixture.aid(Self.isd)))
        #expect(card.process(GPFixture.getData(0x00CF)).statusWord == .success)
    }

    /// Only a selectable, unlocked application is selected on reset: not while INSTALLED, not while
    /// locked; making it selectable or unlocking it brings it back.
    @Test func onlyASelectableUnlockedApplicationIsSelectedOnReset() throws {
        let card = try Self.card(defaultSelectable: false)
        card.reset()
        #expect(card.selectedAID == (try GPFixture.aid(Self.isd)))
        var host = try GPFixture.scp03Host(card)
        let makeSelectable = CommandAPDU(
            cla: 0x80,
            ins: 0xE6,
            p1: 0x08,
            p2: 0x00,
            data: GPFixture.fields([], [], try GPFixture.hex(Self.defaultInstance), [], [], []),
            le: 256
        )
        #expect(try host.status(makeSelectable) == .success)
        card.reset()
        #expect(card.selectedAID == (try GPFixture.aid(Self.defaultInstance)))

        #expect(card.process(GPFixture.select(try GPFixture.hex(Self.isd))).statusWord == .success)
        host = try GPFixture.scp03Host(card)
        #expect(try host.status(try Self.setStatus(Self.defaultInstance, 0x80)) == .success)
        card.reset()
        #expect(card.selectedAID == (try GPFixture.aid(Self.isd)))
        host = try GPFixture.scp03Host(card)
        #expect(try host.status(try Self.setStatus(Self.defaultInstance, 0x00)) == .success)
        card.reset()
        #expect(card.selectedAID == (try GPFixture.aid(Self.defaultInstance)))
    }

    /// A locked card selects only its ISD, even after a reset.
    @Test func aLockedCardSelectsTheSecurityDomain() throws {
        let card = try Self.card()
        var host = try GPFixture.scp03Host(card)
        let lock = CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x80, p2: GlobalPlatformCard.LifeCycle.cardLocked, le: 256)
        #expect(try host.status(lock) == .success)
        card.reset()
        #expect(card.selectedAID == (try GPFixture.aid(Self.isd)))
    }

    /// Deleting the default application makes the ISD the one a reset selects again.
    @Test func deletingTheDefaultApplicationRestoresTheSecurityDomain() throws {
        let card = try Self.card()
        var host = try GPFixture.scp03Host(card)
        #expect(try host.status(try GPFixture.delete(Self.defaultInstance)) == .success)
        card.reset()
        #expect(card.selectedAID == (try GPFixture.aid(Self.isd)))
    }

    /// A card brought back from its image powers on with the default application selected.
    @Test func aCardFromItsImagePowersOnWithTheDefaultApplication() throws {
        let card = try Self.card()
        let restored = try GlobalPlatformCard(image: try GlobalPlatformCard.Image(decoding: try card.image.encoded()))
        #expect(restored.selectedAID == (try GPFixture.aid(Self.defaultInstance)))
        #expect(restored.process(GPFixture.getData(0x00CF)).statusWord == StatusWord(0x6D00))
        #expect(restored.process(GPFixture.select(try GPFixture.hex(Self.isd))).statusWord == .success)
        #expect(restored.process(GPFixture.getData(0x00CF)).statusWord == .success)
    }

    /// The PIV golden bundle installs its applet with the Card Reset privilege (`privileges:
    /// [card-reset]` in Sequences/piv.yaml): after it, a reset selects the PIV application.
    @Test func thePIVBundleMakesPIVTheDefaultApplication() throws {
        let golden = GlobalPlatformGoldenBundleTests.cases[3]
        #expect(golden.file == "bundle.piv.gp-test-card.scp03.bundle.json")
        let payload = try golden.payload()
        let card = try golden.fixture.card()
        try GlobalPlatformGoldenBundleTests.open(payload, on: card)
        let words = GlobalPlatformGoldenBundleTests.replay(payload.commands, on: card)
        #expect(zip(payload.commands, words).allSatisfy { $0.accepts($1) }, "\(words)")
        let piv = try GPFixture.aid("A000000308000010000100")
        #expect(card.application(piv)?.privileges == [GlobalPlatformCard.Privilege.cardReset, 0x00, 0x00])
        let isd = card.configuration.issuerSecurityDomainAID
        #expect(card.process(GPFixture.select(isd.bytes)).statusWord == .success)
        #expect(card.selectedAID == isd)
        card.reset()
        #expect(card.selectedAID == piv)
        #expect(card.process(GPFixture.select(isd.bytes)).statusWord == .success)
        #expect(card.selectedAID == isd)
    }
}
