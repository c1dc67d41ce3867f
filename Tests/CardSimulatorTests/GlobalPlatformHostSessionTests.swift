import APDUTypes
import CardCrypto
import CardSimulator
import SecureChannel
import Testing

/// A host session (SecureChannelSession, the same code the compiler secures bundles with) drives the
/// simulated card through a whole application life: authenticate, load a CAP built with CAPBuilder,
/// install, list, personalize with an encrypted secret, delete, for SCP01, SCP02 and SCP03 options
/// and security levels including R-MAC and R-ENCRYPTION.
struct GlobalPlatformHostSessionTests {
    /// One protocol, option and security level.
    struct Setup: Sendable, CustomTestStringConvertible {
        var protocolIdentifier: UInt8
        var option: UInt8
        var level: UInt8

        var testDescription: String {
            "SCP0\(protocolIdentifier) i=\(Hex.string([option])) level \(Hex.string([level]))"
        }

        var scp: SecureChannelProtocol {
            switch protocolIdentifier {
            case 0x01: .scp01(i: option)
            case 0x02: .scp02(i: option)
            default: .scp03
            }
        }

        func keys() throws -> StaticKeys {
            switch protocolIdentifier {
            case 0x01: try GPFixture.tripleDESKeys(version: 0x01)
            case 0x02: try GPFixture.tripleDESKeys(version: 0x20)
            default: try GPFixture.aesKeys(version: 0x30)
            }
        }

        func card() throws -> GlobalPlatformCard {
            try GPFixture.card(
                keys: try keys(),
                protocolIdentifier: protocolIdentifier,
                option: option,
                sequenceCounter: protocolIdentifier == 0x02 ? 0x42 : 0
            )
        }

        func host(for card: GlobalPlatformCard) throws -> GPHost {
            let s16 = protocolIdentifier == 0x03 && option & 0x01 != 0
            return try GPFixture.host(
                for: card,
                keys: try keys(),
                scp: scp,
                level: SecurityLevel(rawValue: level),
                hostChallenge: s16 ? Array(0x20...0x2F) : Array(0x11...0x18)
            )
        }
    }

    static let setups: [Setup] = [
        Setup(protocolIdentifier: 0x01, option: 0x05, level: 0x03),
        Setup(protocolIdentifier: 0x01, option: 0x15, level: 0x01),
        Setup(protocolIdentifier: 0x02, option: 0x15, level: 0x03),
        Setup(protocolIdentifier: 0x02, option: 0x55, level: 0x03),
        Setup(protocolIdentifier: 0x02, option: 0x75, level: 0x13),
        Setup(protocolIdentifier: 0x02, option: 0x05, level: 0x01),
        Setup(protocolIdentifier: 0x02, option: 0x35, level: 0x11),
        Setup(protocolIdentifier: 0x03, option: 0x70, level: 0x33),
        Setup(protocolIdentifier: 0x03, option: 0x00, level: 0x01),
        Setup(protocolIdentifier: 0x03, option: 0x10, level: 0x03),
        Setup(protocolIdentifier: 0x03, option: 0x60, level: 0x33),
        Setup(protocolIdentifier: 0x03, option: 0x71, level: 0x33),
    ]

    static let instance = "F0435351019901AA0101"

    @Test(arguments: setups)
    func installsPersonalizesListsAndDeletes(_ setup: Setup) throws {
        let card = try setup.card()
        var host = try setup.host(for: card)
        try host.authenticate()
        #expect(card.securityLevel == SecurityLevel(rawValue: setup.level))

        let loadFileData = try GPFixture.loadFileData()
        let loadWords = try host.load(loadFileData)
        #expect(loadWords.allSatisfy { $0 == .success }, "\(loadWords)")
        let loaded = try #require(card.loadFile(try GPFixture.aid(GPFixture.packageAID)))
        #expect(loaded.modules.map(\.description) == [GPFixture.moduleAID, GPFixture.secondModuleAID])
        #expect(loaded.size == loadFileData.count)

        let install = try host.send(
            try GPFixture.installForInstall(instance: Self.instance, parameters: [0xC9, 0x02, 0xAB, 0xCD])
        )
        #expect(install.statusWord == .success)
        #expect(install.data == [0x00])

        let applications = try host.send(GPFixture.getStatus(p1: 0x40))
        #expect(applications.statusWord == .success)
        #expect(try GPFixture.statusAIDs(applications.data) == [Self.instance])
        let modules = try host.send(GPFixture.getStatus(p1: 0x10))
        #expect(modules.statusWord == .success)
        let entry = try #require(BERTLV.decode(modules.data)?.first.flatMap { BERTLV.decode($0.value) })
        #expect(
            entry.filter { $0.tag == [0x84] }.map { Hex.string($0.value) } == [
                GPFixture.moduleAID, GPFixture.secondModuleAID,
            ]
        )

        let secret: [UInt8] = Array(0xA0...0xAF)
        let encrypted = try host.session.encryptSensitiveData(secret)
        #expect(try host.status(try GPFixture.installForPersonalization(Self.instance)) == .success)
        #expect(try host.status(GPFixture.storeData(p1: 0x08, block: 0, [0x01, 0x01, 0x02, 0xCA, 0xFE])) == .success)
        #expect(
            try host.status(GPFixture.storeData(p1: 0xE8, block: 1, [0x80, 0x01, UInt8(encrypted.count)] + encrypted))
                == .success
        )
        let application = try #require(card.application(try GPFixture.aid(Self.instance)))
        #expect(application.personalizationData == [[0x01, 0x01, 0x02, 0xCA, 0xFE], [0x80, 0x01, 0x10] + secret])
        #expect(application.applicationParameters == [0xAB, 0xCD])
        #expect(application.lifeCycle == GlobalPlatformCard.LifeCycle.selectable)

        #expect(try host.status(try GPFixture.delete(GPFixture.packageAID)) == StatusWord(0x6985))
        #expect(try host.status(try GPFixture.delete(GPFixture.packageAID, related: true)) == .success)
        #expect(card.applications.isEmpty)
        #expect(card.loadFiles.isEmpty)
        #expect(try host.status(GPFixture.getStatus(p1: 0x40)) == StatusWord(0x6A88))
    }

    /// The instance answers SELECT with a minimal FCI after the security domain's work, and the
    /// selection ends the channel: the next secured command is refused.
    @Test func selectingTheApplicationEndsTheChannel() throws {
        let setup = Setup(protocolIdentifier: 0x03, option: 0x70, level: 0x03)
        let card = try setup.card()
        var host = try setup.host(for: card)
        try host.authenticate()
        _ = try host.load(try GPFixture.loadFileData())
        #expect(try host.status(try GPFixture.installForInstall(instance: Self.instance)) == .success)
        let instance = try GPFixture.hex(Self.instance)
        let selected = card.process(GPFixture.select(instance))
        #expect(selected.statusWord == .success)
        #expect(selected.data == [0x6F, 0x0C, 0x84, 0x0A] + instance)
        #expect(card.selectedAID.bytes == instance)
        #expect(card.securityLevel == nil)
        #expect(card.process(GPFixture.getData(0x9F7F)).statusWord == StatusWord(0x6D00))
        let wrapped = try host.session.wrap(GPFixture.getStatus(p1: 0x40))
        _ = card.process(GPFixture.select(GlobalPlatformCard.defaultIssuerSecurityDomainAID.bytes))
        #expect(card.process(wrapped).statusWord == StatusWord(0x6982))
    }

    /// Through the in-process card channel the card answers as it does directly, after the reset the
    /// channel gives it.
    @Test func answersThroughASimulatedCardChannel() async throws {
        let channel = SimulatedCardChannel(card: try GPFixture.scp03Card())
        #expect(channel.answerToReset == GlobalPlatformCard.defaultAnswerToReset)
        #expect(channel.answerToReset.reduce(0, ^) == 0x3B)
        let response = try await channel.transmit(GPFixture.getData(0x0042))
        #expect(response == CardResponse(data: [0x42, 0x01, 0x99], statusWord: .success))
        let selected = try await channel.transmit(GPFixture.select([0xA0, 0x00, 0x00, 0x01, 0x51]))
        #expect(selected.statusWord == .success)
    }
}
