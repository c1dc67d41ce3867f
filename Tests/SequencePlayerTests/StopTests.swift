import APDUTypes
import BundleFormat
import CardTransport
import SequencePlayer
import Testing

/// The run stops at the first unexpected status word, and nothing after it is sent.
struct StopTests {
    @Test(arguments: [0, 1, 7, 23, 28])
    func unexpectedStatusWordStopsAtThatCommand(_ stop: Int) async throws {
        let bundle = try Fixtures.golden(Fixtures.brokerageSCP03)
        let card = FakeCardChannel { _, position in
            .success(CardResponse(statusWord: position == stop ? StatusWord(0x6982) : .success))
        }
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bundle, over: card)
        }
        #expect(failure.code == .unexpectedStatusWord)
        #expect(failure.commandIndex == stop)
        #expect(failure.commandsRun == stop)
        #expect(failure.statusWord == StatusWord(0x6982))
        #expect(card.sent == bundle.payload.commands[0...stop].map(\.apdu))
        let command = bundle.payload.commands[stop]
        #expect(failure.step == command.step)
        #expect(failure.origin == command.origin)
        #expect(failure.note == command.note)
        #expect(failure.expected == command.expect)
        let receipt = try #require(failure.receipt)
        #expect(receipt.outcome.status == .stopped)
        #expect(receipt.outcome.stoppedAt == stop)
        #expect(receipt.outcome.statusWord == "6982")
        #expect(receipt.commands.count == stop + 1)
    }

    @Test func messageSaysExactlyWhatRan() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokerageSCP03)
        let card = FakeCardChannel { _, position in
            .success(CardResponse(statusWord: position == 7 ? StatusWord(0x6982) : .success))
        }
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bundle, over: card)
        }
        let command = bundle.payload.commands[7]
        let step = try #require(command.step)
        let note = try #require(command.note)
        let origin = try #require(command.origin)
        #expect(
            failure.message
                == "stopped at command 7 of \(bundle.payload.commands.count) (step \(step) '\(note)', \(origin)): "
                + "card answered 6982 (security status not satisfied); commands 0-6 ran"
        )
    }

    @Test func messageForTheFirstCommand() async throws {
        let bundle = try Fixtures.golden(Fixtures.rotateKeys)
        let card = FakeCardChannel { _, _ in .success(CardResponse(statusWord: StatusWord(0x6300))) }
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bundle, over: card)
        }
        #expect(
            failure.message
                == "stopped at command 0 of 3 (EXTERNAL AUTHENTICATE): card answered 6300 (authentication failed); no command ran"
        )
    }

    /// `6A88` is accepted by DELETE (command 1), so the run goes on.
    @Test func acceptedAlternativeStatusWordGoesOn() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokerageSCP03)
        #expect(bundle.payload.commands[1].expect.contains(StatusWordPattern(value: 0x6A88)))
        let card = FakeCardChannel { _, position in
            .success(CardResponse(statusWord: position == 1 ? .referencedDataNotFound : .success))
        }
        let receipt = try await Fixtures.player().play(bundle, over: card)
        #expect(receipt.outcome.status == .completed)
        #expect(receipt.commands[1].statusWord == "6A88")
        #expect(card.sent.count == bundle.payload.commands.count)
    }

    /// A wildcard pattern accepts a whole family of status words.
    @Test func wildcardPatternMatches() async throws {
        let bundle = try Fixtures.plainBundle([
            Fixtures.command(
                0,
                "0020008108313233343536FFFF",
                expect: [.success, try #require(StatusWordPattern(text: "63CX"))]
            ),
            Fixtures.command(1, "80CA9F7F00"),
        ])
        let card = FakeCardChannel { bytes, _ in
            .success(CardResponse(statusWord: bytes[1] == 0x20 ? StatusWord(0x63C2) : .success))
        }
        let receipt = try await Fixtures.testPlayer(options: .init(selectsSecurityDomain: false)).play(
            bundle,
            over: card
        )
        #expect(receipt.outcome.status == .completed)
        #expect(receipt.commands.map(\.statusWord) == ["63C2", "9000"])
    }

    /// A precomputed bundle whose INITIALIZE UPDATE answer differs stops at command 0.
    @Test func precomputedSessionMismatchStopsAtCommandZero() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokeragePrecomputed)
        let aid = try #require(bundle.payload.card.identity.isdAID)
        let card = FakeCardChannel { bytes, _ in
            guard bytes[1] == 0x50 else { return .success(CardResponse(statusWord: .success)) }
            // The card's sequence counter moved on: another challenge, another cryptogram.
            return .success(CardResponse(data: [UInt8](repeating: 0x11, count: 32), statusWord: .success))
        }
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bundle, over: card)
        }
        #expect(failure.code == .sessionMismatch)
        #expect(failure.commandIndex == 0)
        #expect(failure.commandsRun == 0)
        #expect(card.sent == [Fixtures.select(aid), bundle.payload.commands[0].apdu])
        #expect(
            failure.message
                == "stopped at command 0 of 30 (INITIALIZE UPDATE): the card's session differs from the one the "
                + "bundle was computed for: another card, or its sequence counter moved; no command ran"
        )
    }

    /// Replaying the recorded INITIALIZE UPDATE to a card with a fresh challenge stops before command 0.
    @Test func replayedInitializeUpdateMismatchStopsBeforeCommandZero() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokerageSCP03)
        let card = FakeCardChannel { bytes, _ in
            guard bytes[1] == 0x50 else { return .success(CardResponse(statusWord: .success)) }
            return .success(CardResponse(data: [UInt8](repeating: 0x22, count: 32), statusWord: .success))
        }
        let player = try Fixtures.player(options: .init(sessionOpening: .replayInitializeUpdate))
        let failure = try await #require(throws: PlayerFailure.self) {
            try await player.play(bundle, over: card)
        }
        #expect(failure.code == .sessionMismatch)
        #expect(failure.commandIndex == nil)
        #expect(failure.stage == "INITIALIZE UPDATE (replayed)")
        #expect(card.sent.count == 2)
        #expect(!card.sent.contains(bundle.payload.commands[0].apdu))
        #expect(
            failure.message.hasPrefix(
                "stopped before command 0 of 29 (INITIALIZE UPDATE (replayed)): the card's session differs"
            )
        )
    }

    @Test func securityDomainNotFoundStopsBeforeCommandZero() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokeragePrecomputed)
        let card = FakeCardChannel { _, _ in .success(CardResponse(statusWord: .fileNotFound)) }
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bundle, over: card)
        }
        #expect(failure.code == .unexpectedStatusWord)
        #expect(failure.commandIndex == nil)
        #expect(failure.statusWord == .fileNotFound)
        #expect(card.sent.count == 1)
        #expect(
            failure.message
                == "stopped before command 0 of 30 (SELECT A000000151000000): card answered 6A82 (file or application not found); no command ran"
        )
    }

    /// A secure messaging bundle's opening is replayed as recorded: GET CHALLENGE must bring back
    /// the recorded challenge and EXTERNAL AUTHENTICATE the recorded answer, or nothing of the
    /// bundle is sent.
    @Test func secureMessagingReplaysTheRecordedAuthentication() async throws {
        var checked = 0
        for name in try Fixtures.goldenBundleNames() {
            let bundle = try Fixtures.golden(name)
            guard case .secureMessaging(let session) = bundle.payload.secureChannel else { continue }
            let recorded = FakeCardChannel { command, position in
                switch position {
                case 0: .success(CardResponse(data: session.cardChallenge, statusWord: .success))
                case 1: .success(CardResponse(data: session.authentication.response, statusWord: .success))
                default: .success(CardResponse(statusWord: .success))
                }
            }
            let player = try Fixtures.player(options: .init(sessionOpening: .replayInitializeUpdate))
            let receipt = try await player.play(bundle, over: recorded)
            #expect(recorded.sent.first == [0x00, 0x84, 0x00, 0x00, 0x08])
            #expect(recorded.sent.dropFirst().first == session.authentication.command)
            #expect(Array(recorded.sent.dropFirst(2)) == bundle.payload.commands.map(\.apdu))
            #expect(receipt.opening.map(\.purpose) == ["get-challenge", "external-authenticate"])

            // Another challenge: the session differs, nothing of the bundle is sent.
            let fresh = FakeCardChannel { _, _ in
                .success(CardResponse(data: [UInt8](repeating: 0x42, count: 8), statusWord: .success))
            }
            let failure = try await #require(throws: PlayerFailure.self) {
                try await player.play(bundle, over: fresh)
            }
            #expect(failure.code == .sessionMismatch)
            #expect(fresh.sent.count == 1)

            // Already opened by the probe: the bundle's commands only.
            let opened = FakeCardChannel.alwaysSuccess()
            _ = try await Fixtures.player(options: .init(sessionOpening: .alreadyOpened)).play(bundle, over: opened)
            #expect(opened.sent == bundle.payload.commands.map(\.apdu))
            checked += 1
        }
        #expect(checked >= 1, "no secure messaging golden bundle to check")
    }
}
