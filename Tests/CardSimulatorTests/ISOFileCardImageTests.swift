import APDUTypes
import CardSimulator
import Foundation
import SecureChannel
import Testing

/// The card image: files, keys and counters survive a JSON round trip; sessions do not.
struct ISOFileCardImageTests {
    /// A personalised card written to JSON and read back has the same files and answers with them
    /// after a new authentication; the session of the old card is not in the image.
    @Test func imageRoundTripKeepsFiles() throws {
        let (card, _) = try ISOFileCardSecureMessagingTests.personalisedCard()
        let json = try card.image.json()
        let restored = try ISOFileCard(
            image: ISOFileCard.Image(json: json),
            randomSource: .deterministic(seed: [9])
        )
        #expect(restored.image == card.image)
        #expect(
            restored.file(at: [0x3F00, 0x5100, 0x5104])?.contents == card.file(at: [0x3F00, 0x5100, 0x5104])?.contents
        )
        #expect(!restored.hasSecureMessagingSession)
        #expect(restored.currentSelection.dedicatedFile == [0x3F00])

        let terminal = ISOTestTerminal(card: restored)
        #expect(try terminal.authenticate(keys: ISOFixtures.testKeys()).statusWord == .success)
        #expect(try terminal.send(ISOFixtures.command("00A4000C025100")).statusWord == .success)
        let holder = try terminal.send(ISOFixtures.command("00B0810023"))
        #expect(holder.data == (try ISOFixtures.hex(ISOFileCardLoyaltyTests.holderData)))
        // A second install on the restored card refuses a duplicate DF.
        #expect(try terminal.send(ISOFixtures.command("00A4000C023F00")).statusWord == .success)
        let createAgain = "00E0000020621E81020800820138830251008408A0000000774C59018A01058C0443202020"
        #expect(try terminal.send(ISOFixtures.command(createAgain)).statusWord == StatusWord(0x6A89))
    }

    /// The same card gives the same bytes; keys are sorted; bytes are hex; reading and writing
    /// again changes nothing.
    @Test func jsonIsStable() throws {
        let (card, _) = try ISOFileCardSecureMessagingTests.personalisedCard()
        let first = try card.image.json()
        #expect(try card.image.json() == first)
        #expect(try ISOFileCard.Image(json: first).json() == first)
        let text = String(decoding: first, as: UTF8.self)
        let topLevel = ["\"configuration\"", "\"failed-authentications\"", "\"format\"", "\"master-file\""]
        let positions = try topLevel.map { key in try #require(text.range(of: key)).lowerBound }
        #expect(positions == positions.sorted())
        #expect(text.contains("\"format\" : \"cardseq-iso7816-card-image/1\""))
        #expect(text.contains("\"contents\" : \"5A086280123456789012"))
        #expect(text.contains("\"records\" : [\n"))
        #expect(text.contains("\"fid\" : \"5104\""))
    }

    /// The failure counter is in the image.
    @Test func imageKeepsTheFailureCounter() throws {
        let card = try ISOFixtures.loyaltyCard()
        #expect(
            try ISOTestTerminal(card: card).authenticate(keys: ISOFixtures.wrongKeys()).statusWord == StatusWord(0x6300)
        )
        let restored = try ISOFileCard(image: ISOFileCard.Image(json: card.image.json()))
        #expect(restored.remainingAuthenticationAttempts == 2)
    }

    /// Images that are not JSON, of another format, with bad keys or a bad root are refused.
    @Test func invalidImagesAreRefused() throws {
        #expect(throws: ISOFileCardError(code: .invalidImage, reason: "")) {
            try ISOFileCard.Image(json: Array("not json".utf8))
        }
        let card = try ISOFixtures.loyaltyCard()
        let text = String(decoding: try card.image.json(), as: UTF8.self)
        for (original, replacement) in [
            ("cardseq-iso7816-card-image/1", "cardseq-iso7816-card-image/2"),
            ("\"encryption-key\" : \"40", "\"encryption-key\" : \"4040"),
            ("\"algorithm\" : \"3des\"", "\"algorithm\" : \"des\""),
            ("\"fid\" : \"3F00\"", "\"fid\" : \"3F0\""),
            ("\"life-cycle\" : \"activated\"", "\"life-cycle\" : \"alive\""),
        ] {
            #expect(text.contains(original))
            let altered = Array(text.replacingOccurrences(of: original, with: replacement).utf8)
            #expect(throws: ISOFileCardError(code: .invalidImage, reason: ""), "\(replacement)") {
                try ISOFileCard.Image(json: altered)
            }
        }
        var image = card.image
        image.masterFile.fid = 0x3F01
        #expect(throws: ISOFileCardError(code: .invalidImage, reason: "")) {
            try ISOFileCard(image: image)
        }
        image = card.image
        image.configuration.authenticationRetryLimit = 0
        #expect(throws: ISOFileCardError(code: .invalidConfiguration, reason: "")) {
            try ISOFileCard(image: image)
        }
    }

    /// Neither the configuration's description nor the image error messages show key bytes.
    @Test func descriptionsHideKeys() throws {
        let card = try ISOFixtures.loyaltyCard()
        let description = String(describing: card.configuration)
        #expect(!description.contains("4041"))
        #expect(!description.contains("5051"))
        #expect(description.contains("KCV"))
        let text = String(decoding: try card.image.json(), as: UTF8.self)
        let broken = Array(text.replacingOccurrences(of: "\"mac-key\" : \"50", with: "\"mac-key\" : \"5").utf8)
        do {
            _ = try ISOFileCard.Image(json: broken)
            Issue.record("an odd-length key decoded")
        } catch {
            #expect(!String(describing: error).contains("5051"))
        }
    }

    /// The deterministic source repeats for one seed and differs for another.
    @Test func deterministicRandomSource() throws {
        func challenges(_ seed: [UInt8]) throws -> [[UInt8]] {
            let card = try ISOFileCard(
                configuration: .init(accessKeys: ISOFixtures.testKeys()),
                randomSource: .deterministic(seed: seed)
            )
            return (0..<3).map { _ in card.process(ISOMutualAuthentication.getChallengeCommand).data }
        }
        #expect(try challenges([1]) == challenges([1]))
        #expect(try challenges([1]) != challenges([2]))
        #expect(Set(try challenges([1])).count == 3)
    }
}
