import APDUTypes
import BundleFormat
import CardSimulator
import CardTransport
import CardTransportVPCD
import SequencePlayer
import SequenceTestSupport
import Testing

/// What the card itself refuses, through the reader: a command altered after signing (the client's
/// checks passed, because the attacker also held a signing key the client trusts), and a bundle
/// made for another card.
extension ThroughTheReader {
    @Suite
    struct CardRefusalTests {
        /// The key that signed the golden bundles (Sequences/keys/test-signing-key.pem).
        static func resign(_ payload: BundlePayload) throws -> SignedBundle {
            let signer = try Ed25519BundleSigner(rawRepresentation: [UInt8](repeating: 0x5A, count: 32))
            return try BundleSealer(signer: signer).seal(payload)
        }

        /// A flipped byte in command k, re-signed so the player sends it: the card answers 6982 at k,
        /// the player stops there, nothing after k reaches the card, and the card holds no application.
        @Test(arguments: [3, 12, 28])
        func aTamperedCommandIsRefusedByTheCardAtThatCommand(_ index: Int) async throws {
            let bytes = try Fixture.golden("bundle.brokerage.gp-test-card.scp03-precomputed.bundle.json")
            var payload = try SignedBundle.decode(bytes).payload
            let apdu = payload.commands[index].apdu
            // The last MAC byte (before Le when there is one).
            payload.commands[index].apdu[apdu.count - (apdu.count > 5 && apdu.last == 0x00 ? 2 : 1)] ^= 0x01
            let tampered = try Self.resign(payload)
            let card = try Fixture.card("Sequences/cards/gp-test-card.yaml", sequenceCounter: 0x2A)
            let gp = try #require(card as? GlobalPlatformCard)
            try await withCardInReader(card) { channel in
                let failure = try await #require(throws: PlayerFailure.self) {
                    try await Fixture.player().play(tampered, over: channel)
                }
                #expect(failure.code == .unexpectedStatusWord)
                #expect(failure.commandIndex == index)
                #expect(failure.statusWord == StatusWord(0x6982))
                #expect(failure.commandsRun == index)
                #expect(failure.receipt?.commands.count == index + 1, "only the commands up to k were answered")
                #expect(failure.message.contains("card answered 6982"))
            }
            // What ran before k stays, as on a real card: the package once its last block (24) was
            // accepted, the instance once INSTALL (25) was, and STORE DATA blocks before k.
            #expect(gp.loadFiles.isEmpty == (index <= 24))
            #expect(gp.applications.isEmpty == (index <= 25))
            if let application = gp.applications.first {
                #expect(application.storedData.count == index - 27)
            }
        }

        /// The second test card has other keys and another security domain: a bundle for the first
        /// card is refused by it at the first command that needs the first card's keys.
        @Test func aBundleForOneCardIsRefusedByAnother() async throws {
            let bytes = try Fixture.golden("bundle.brokerage.gp-test-card.scp03-precomputed.bundle.json")
            let bundle = try SignedBundle.decode(bytes)
            let other = try Fixture.card("Sequences/cards/gp-second-card.yaml", sequenceCounter: 0x42)
            let gp = try #require(other as? GlobalPlatformCard)
            try await withCardInReader(other) { channel in
                // Without the player's SELECT of the first card's security domain (which the second
                // card does not have: 6A82), the card itself answers INITIALIZE UPDATE for a key
                // version it does not hold.
                let player = BundlePlayer(
                    trustedKeys: [try Fixture.signingKey()],
                    options: BundlePlayer.Options(
                        sessionOpening: .replayInitializeUpdate,
                        selectsSecurityDomain: false
                    ),
                    clock: try Fixture.player().clock
                )
                let failure = try await #require(throws: PlayerFailure.self) {
                    try await player.play(bundle, over: channel)
                }
                #expect(failure.commandIndex == 0)
                #expect(failure.statusWord == StatusWord(0x6A88))
                #expect(failure.commandsRun == 0)
            }
            #expect(gp.applications.isEmpty && gp.loadFiles.isEmpty)
        }

        /// The card pulled out of the reader (the vpcd link closed) after command 9 was answered: a
        /// transport failure that says which commands ran, and the card holds no application.
        @Test func aCardPulledMidInstallIsATransportFailureNamingWhatRan() async throws {
            let bytes = try Fixture.golden("bundle.brokerage.gp-test-card.scp03-precomputed.bundle.json")
            let card = try Fixture.card("Sequences/cards/gp-test-card.yaml", sequenceCounter: 0x2A)
            let gp = try #require(card as? GlobalPlatformCard)
            let failure: PlayerFailure = try await withCardInReader(card) { channel, link in
                try await #require(throws: PlayerFailure.self) {
                    try await Fixture.player().play(bytes: bytes, over: channel) { event in
                        if case .commandAnswered(index: 9, _, _, _) = event {
                            link.stop()
                            _ = link.waitUntilClosed(timeout: .seconds(5))
                        }
                    }
                }
            }
            #expect(failure.code == .transportFailed)
            #expect(failure.commandsRun == 10)
            #expect(failure.commandIndex == 10)
            #expect(failure.message.contains("commands 0-9 ran"), "\(failure.message)")
            #expect(gp.applications.isEmpty)
        }
    }
}
