import APDUTypes
import BundleFormat
import SequencePlayer
import Testing

/// Every golden bundle replays byte for byte, in order, onto a card that accepts everything.
struct GoldenReplayTests {
    @Test func thereAreGoldenBundles() throws {
        let names = try Fixtures.goldenBundleNames()
        #expect(names.count >= 6)
        #expect(names.contains(Fixtures.brokeragePrecomputed))
    }

    /// The default options: the caller opened an `online` session, the player opens a
    /// `precomputed` one after selecting the security domain, and selects it before an `implicit`
    /// one too, whose first C-MAC chains from the selected AID.
    @Test(arguments: try Fixtures.goldenBundleNames())
    func replaysEveryCommandInOrder(_ name: String) async throws {
        let bytes = try Fixtures.goldenBytes(name)
        let bundle = try SignedBundle.decode(bytes)
        let card = Fixtures.goldenCard(for: bundle)
        let receipt = try await Fixtures.player().play(bytes: bytes, over: card)

        var expected = bundle.payload.commands.map(\.apdu)
        if case .globalPlatform(let session) = bundle.payload.secureChannel, session.mode != .online,
            let aid = bundle.payload.card.identity.isdAID
        {
            expected.insert(Fixtures.select(aid), at: 0)
        }
        #expect(card.sent == expected)
        #expect(receipt.outcome.status == .completed)
        #expect(receipt.outcome.commandsRun == bundle.payload.commands.count)
        #expect(receipt.commands.map(\.index) == Array(bundle.payload.commands.indices))
        #expect(receipt.commands.allSatisfy { $0.statusWord == "9000" && $0.exchanges == 1 })
    }

    /// With the recorded INITIALIZE UPDATE replayed, an `online` GlobalPlatform bundle is
    /// preceded by the security domain SELECT and the recorded INITIALIZE UPDATE.
    ///
    /// Bundles without a GlobalPlatform channel have nothing to replay; the secure messaging
    /// case is `StopTests.secureMessagingCannotBeReplayed`.
    @Test(arguments: try Fixtures.globalPlatformGoldenBundleNames())
    func replaysTheRecordedInitializeUpdate(_ name: String) async throws {
        let bytes = try Fixtures.goldenBytes(name)
        let bundle = try SignedBundle.decode(bytes)
        guard case .globalPlatform(let session) = bundle.payload.secureChannel else {
            Issue.record("\(name) has no GlobalPlatform channel")
            return
        }
        let aid = try #require(bundle.payload.card.identity.isdAID)
        let card = Fixtures.goldenCard(for: bundle)
        let player = try Fixtures.player(options: .init(sessionOpening: .replayInitializeUpdate))
        let receipt = try await player.play(bytes: bytes, over: card)

        var expected = [Fixtures.select(aid)]
        if session.mode == .online {
            expected.append(session.initializeUpdate.command)
        }
        expected += bundle.payload.commands.map(\.apdu)
        #expect(card.sent == expected)
        #expect(
            receipt.opening.map(\.purpose)
                == (session.mode == .online
                    ? ["select-security-domain", "initialize-update"] : ["select-security-domain"])
        )
    }

    @Test func doesNotSelectWhenTurnedOff() async throws {
        let bytes = try Fixtures.goldenBytes(Fixtures.brokeragePrecomputed)
        let bundle = try SignedBundle.decode(bytes)
        let card = Fixtures.goldenCard(for: bundle)
        let player = try Fixtures.player(options: .init(selectsSecurityDomain: false))
        _ = try await player.play(bytes: bytes, over: card)
        #expect(card.sent == bundle.payload.commands.map(\.apdu))
    }

    /// A scripted card: the exact bytes expected, with answers, for the SCP02 golden.
    @Test func scriptedCardSeesExactlyTheBundle() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokerageSCP02)
        let script = bundle.payload.commands.map {
            ScriptedCardChannel.Entry(command: $0.apdu, answer: .success(CardResponse(statusWord: .success)))
        }
        let card = ScriptedCardChannel(script)
        _ = try await Fixtures.player().play(bundle, over: card)
        #expect(card.mismatches.isEmpty)
        #expect(card.sent.count == bundle.payload.commands.count)
    }

    /// A bundle without a secure channel that names a security domain selects it first.
    @Test func plainBundleSelectsTheSecurityDomain() async throws {
        let bundle = try Fixtures.plainBundle([
            Fixtures.command(0, "80CA9F7F00"),
            Fixtures.command(1, "80F24000024F0000"),
        ])
        let aid = try #require(bundle.payload.card.identity.isdAID)
        let card = FakeCardChannel.alwaysSuccess()
        _ = try await Fixtures.testPlayer().play(bundle, over: card)
        #expect(card.sent == [Fixtures.select(aid)] + bundle.payload.commands.map(\.apdu))
    }
}
