import APDUTypes
import CardCrypto
import CardSimulator
import Foundation
import SecureChannel
import Testing

/// Card images: what a card keeps across runs, written as stable JSON, and the configurations a card
/// refuses to start with.
struct GlobalPlatformImageTests {
    static let instance = "F0435351019901AA0101"

    /// A card with a package, a personalized application, a used counter and one failed authentication.
    static func usedCard() throws -> GlobalPlatformCard {
        let card = try GPFixture.cardWithApplications([Self.instance])
        var host = try GPFixture.scp03Host(card)
        #expect(try host.status(try GPFixture.installForPersonalization(Self.instance)) == .success)
        #expect(try host.status(GPFixture.storeData(p1: 0x88, block: 0, [0x01, 0x01, 0x01, 0x7F])) == .success)
        card.reset()
        _ = card.process(GlobalPlatformSecureChannelTests.initializeUpdate())
        _ = card.process(GlobalPlatformSecureChannelTests.wrongExternalAuthenticate)
        return card
    }

    /// After a "restart" from the image file the card has its applications, data, counters and retry
    /// state, answers GET STATUS and SELECT as before, and refuses a second install of the same instance.
    @Test func aRestartedCardKeepsItsApplications() throws {
        let card = try Self.usedCard()
        let file = try card.image.encoded()
        let restarted = try GlobalPlatformCard(image: try GlobalPlatformCard.Image(decoding: file))
        #expect(restarted.image == card.image)
        #expect(restarted.image.consecutiveAuthenticationFailures == 1)
        #expect(restarted.configuration.keySets[0].sequenceCounter == 3)
        #expect(restarted.securityLevel == nil)
        let application = try #require(restarted.application(try GPFixture.aid(Self.instance)))
        #expect(application.personalizationData == [[0x01, 0x01, 0x01, 0x7F]])
        #expect(restarted.process(GPFixture.select(try GPFixture.hex(Self.instance))).statusWord == .success)
        restarted.reset()
        var host = try GPFixture.scp03Host(restarted)
        #expect(try GPFixture.statusAIDs(try host.send(GPFixture.getStatus(p1: 0x40)).data) == [Self.instance])
        #expect(try host.status(try GPFixture.installForInstall(instance: Self.instance)) == StatusWord(0x6985))
        #expect(try host.status(try GPFixture.installForLoad(GPFixture.packageAID)) == StatusWord(0x6985))
    }

    /// The JSON is stable: the same card gives the same bytes, reading and writing again changes
    /// nothing, keys are sorted and bytes are hex.
    @Test func theJSONIsStable() throws {
        let card = try Self.usedCard()
        let first = try card.image.encoded()
        #expect(first == (try card.image.encoded()))
        #expect(try GlobalPlatformCard.Image(decoding: first).encoded() == first)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.contains("\"format\" : \"cardseq-gp-card-image/1\""))
        #expect(text.contains("\"issuerSecurityDomainAID\" : \"A000000151000000\""))
        #expect(text.contains("\"aid\" : \"F0435351019901AA0101\""))
        let keys = ["applications", "challengeCounter", "configuration", "consecutiveAuthenticationFailures", "format"]
        let positions = keys.compactMap { key in text.range(of: "\n  \"\(key)\"")?.lowerBound }
        #expect(positions.count == keys.count)
        #expect(positions == positions.sorted())
        #expect(text.hasSuffix("}\n"))
    }

    /// An image that is not one gets ``GlobalPlatformCardError/Code/invalidImage``; one with a broken
    /// configuration gets ``GlobalPlatformCardError/Code/invalidConfiguration``.
    @Test func refusesBrokenImages() throws {
        let good = String(decoding: try Self.usedCard().image.encoded(), as: UTF8.self)
        let invalidImage = GlobalPlatformCardError(code: .invalidImage, reason: "")
        let broken = [
            "not json",
            good.replacingOccurrences(of: "cardseq-gp-card-image/1", with: "cardseq-gp-card-image/9"),
            good.replacingOccurrences(of: "\"A000000151000000\"", with: "\"A0000001\""),
            good.replacingOccurrences(of: "\"kind\" : \"fixed\"", with: "\"kind\" : \"sometimes\""),
            good.replacingOccurrences(of: "\"algorithm\" : \"aes\"", with: "\"algorithm\" : \"rsa\""),
            good.replacingOccurrences(of: "\"challengeCounter\"", with: "\"challengeCount\""),
            good.replacingOccurrences(of: "\"cardLifeCycle\" : \"0F\"", with: "\"cardLifeCycle\" : \"0G\""),
        ]
        for text in broken {
            #expect(throws: invalidImage) { try GlobalPlatformCard.Image(decoding: Array(text.utf8)) }
        }
        let shortKDD = good.replacingOccurrences(of: "\"00001122334455667788\"", with: "\"001122334455667788\"")
        #expect(throws: GlobalPlatformCardError(code: .invalidConfiguration, reason: "")) {
            try GlobalPlatformCard.Image(decoding: Array(shortKDD.utf8))
        }
        var duplicated = try GlobalPlatformCard.Image(decoding: Array(good.utf8))
        duplicated.applications.append(duplicated.applications[0])
        #expect(throws: invalidImage) { try GlobalPlatformCard(image: duplicated) }
    }

    /// Configurations that cannot work are refused before the card starts.
    @Test func refusesConfigurationsThatCannotWork() throws {
        let aes = try GPFixture.aesKeys(version: 0x30)
        let tripleDES = try GPFixture.tripleDESKeys(version: 0x20)
        func keySet(_ keys: StaticKeys, _ scp: UInt8, _ option: UInt8) -> GlobalPlatformCard.KeySet {
            GlobalPlatformCard.KeySet(keys: keys, protocolIdentifier: scp, implementationOption: option)
        }
        let base = GlobalPlatformCard.Configuration(
            keySets: [keySet(aes, 0x03, 0x70)],
            keyDiversificationData: GPFixture.kdd
        )
        #expect(throws: Never.self) { try GlobalPlatformCard(configuration: base) }
        var cases: [GlobalPlatformCard.Configuration] = []
        var changed = base
        changed.keyDiversificationData = [0x00]
        cases.append(changed)
        changed = base
        changed.keySets = []
        cases.append(changed)
        changed = base
        changed.keySets = [keySet(aes, 0x03, 0x70), keySet(aes, 0x03, 0x10)]
        cases.append(changed)
        changed = base
        // Implicit initiation with a zero ICV (bit 08 clear) is not an option the card offers.
        changed.keySets = [keySet(tripleDES, 0x02, 0x12)]
        cases.append(changed)
        changed = base
        // Implicit sessions are C-MAC only, below a minimum of C-MAC and C-DECRYPTION.
        changed.keySets = [keySet(tripleDES, 0x02, 0x1A)]
        changed.minimumSecurityLevel = [.commandMAC, .commandEncryption]
        cases.append(changed)
        changed = base
        changed.keySets = [keySet(tripleDES, 0x03, 0x70)]
        cases.append(changed)
        changed = base
        changed.keySets = [keySet(aes, 0x02, 0x15)]
        cases.append(changed)
        changed = base
        changed.keySets = [keySet(aes, 0x03, 0x80)]
        cases.append(changed)
        changed = base
        changed.keySets = [keySet(tripleDES, 0x01, 0x25)]
        cases.append(changed)
        changed = base
        changed.authenticationRetryLimit = 0
        cases.append(changed)
        changed = base
        changed.keySets = [keySet(aes, 0x03, 0x00)]
        changed.cardChallenges = .fixed([0x01, 0x02])
        cases.append(changed)
        changed = base
        changed.cardLifeCycle = 0x05
        cases.append(changed)
        changed = base
        changed.keySets[0].sequenceCounter = 0x100_0000
        cases.append(changed)
        for configuration in cases {
            #expect(throws: GlobalPlatformCardError(code: .invalidConfiguration, reason: "")) {
                try GlobalPlatformCard(configuration: configuration)
            }
        }
    }

    /// Key sets describe themselves by key version, protocol and check values, never key bytes.
    @Test func keySetsNeverPrintKeys() throws {
        let keySet = GlobalPlatformCard.KeySet(
            keys: try GPFixture.aesKeys(version: 0x30),
            protocolIdentifier: 0x03,
            implementationOption: 0x70
        )
        let text = "\(keySet)"
        #expect(text.hasPrefix("KeySet(KVN 30, SCP03 i=70, KCV 1:"))
        #expect(!text.contains("404142"))
        let error = GlobalPlatformCardError.init(code: .invalidImage, reason: "x")
        #expect("\(error)" == "invalidImage: x")
    }
}
