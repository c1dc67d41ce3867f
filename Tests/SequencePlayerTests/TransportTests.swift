import APDUTypes
import BundleFormat
import CardTransport
import SequencePlayer
import Testing

/// T=0 recovery (61xx, 6Cxx), transport errors and cancellation.
struct TransportTests {
    static let noSelect = BundlePlayer.Options(selectsSecurityDomain: false)

    static func answer(_ hex: String, _ statusWord: UInt16) -> Result<CardResponse, CardTransportError> {
        .success(CardResponse(data: Hex.bytes(hex) ?? [], statusWord: StatusWord(statusWord)))
    }

    @Test func getResponseFetchesTheData() async throws {
        let bundle = try Fixtures.plainBundle([Fixtures.command(0, "80CA9F7F00")])
        let card = ScriptedCardChannel([
            .init(command: Hex.bytes("80CA9F7F00") ?? [], answer: Self.answer("", 0x6110)),
            .init(
                command: Hex.bytes("00C0000010") ?? [],
                answer: Self.answer("000102030405060708090A0B0C0D0E0F", 0x9000)
            ),
        ])
        let receipt = try await Fixtures.testPlayer(options: Self.noSelect).play(bundle, over: card)
        #expect(card.mismatches.isEmpty)
        #expect(card.sent.count == 2)
        #expect(receipt.commands[0].response == "000102030405060708090A0B0C0D0E0F")
        #expect(receipt.commands[0].statusWord == "9000")
        #expect(receipt.commands[0].exchanges == 2)
    }

    @Test func chainedGetResponsesConcatenate() async throws {
        let bundle = try Fixtures.plainBundle([Fixtures.command(0, "80F24000024F0000")])
        let card = ScriptedCardChannel([
            .init(command: Hex.bytes("80F24000024F0000") ?? [], answer: Self.answer("AA", 0x6108)),
            .init(command: Hex.bytes("00C0000008") ?? [], answer: Self.answer("0102030405060708", 0x6100)),
            .init(command: Hex.bytes("00C0000000") ?? [], answer: Self.answer("0909", 0x9000)),
        ])
        let receipt = try await Fixtures.testPlayer(options: Self.noSelect).play(bundle, over: card)
        #expect(card.mismatches.isEmpty)
        #expect(receipt.commands[0].response == "AA01020304050607080909")
        #expect(receipt.commands[0].exchanges == 3)
    }

    @Test func wrongLengthResendsWithTheCardsLe() async throws {
        let bundle = try Fixtures.plainBundle([
            Fixtures.command(0, "80CA9F7F00"),
            Fixtures.command(1, "80E60C0003010203"),
        ])
        let card = ScriptedCardChannel([
            .init(command: Hex.bytes("80CA9F7F00") ?? [], answer: Self.answer("", 0x6C2D)),
            .init(command: Hex.bytes("80CA9F7F2D") ?? [], answer: Self.answer("9F7F2A", 0x9000)),
            // A command without Le gets one when the card asks for it.
            .init(command: Hex.bytes("80E60C0003010203") ?? [], answer: Self.answer("", 0x6C05)),
            .init(command: Hex.bytes("80E60C000301020305") ?? [], answer: Self.answer("0102030405", 0x9000)),
        ])
        let receipt = try await Fixtures.testPlayer(options: Self.noSelect).play(bundle, over: card)
        #expect(card.mismatches.isEmpty)
        #expect(receipt.commands.map(\.response) == ["9F7F2A", "0102030405"])
        #expect(receipt.commands.map(\.exchanges) == [2, 2])
    }

    /// `6Cxx` then `61xx`: resend, then GET RESPONSE.
    @Test func resendThenGetResponse() async throws {
        let bundle = try Fixtures.plainBundle([Fixtures.command(0, "80CA006600")])
        let card = ScriptedCardChannel([
            .init(command: Hex.bytes("80CA006600") ?? [], answer: Self.answer("", 0x6C04)),
            .init(command: Hex.bytes("80CA006604") ?? [], answer: Self.answer("", 0x6104)),
            .init(command: Hex.bytes("00C0000004") ?? [], answer: Self.answer("66020101", 0x9000)),
        ])
        let receipt = try await Fixtures.testPlayer(options: Self.noSelect).play(bundle, over: card)
        #expect(card.mismatches.isEmpty)
        #expect(receipt.commands[0].response == "66020101")
    }

    /// The status word checked is the final one, after GET RESPONSE.
    @Test func finalStatusWordIsTheOneChecked() async throws {
        let bundle = try Fixtures.plainBundle([
            Fixtures.command(0, "80CA9F7F00"),
            Fixtures.command(1, "80CA004200"),
        ])
        let card = ScriptedCardChannel([
            .init(command: Hex.bytes("80CA9F7F00") ?? [], answer: Self.answer("", 0x6102)),
            .init(command: Hex.bytes("00C0000002") ?? [], answer: Self.answer("", 0x6A80)),
        ])
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.testPlayer(options: Self.noSelect).play(bundle, over: card)
        }
        #expect(card.mismatches.isEmpty)
        #expect(failure.code == .unexpectedStatusWord)
        #expect(failure.statusWord == StatusWord(0x6A80))
        #expect(failure.commandIndex == 0)
        #expect(card.sent.count == 2)
    }

    /// A second `6Cxx` for the same command is its answer, not a reason to loop.
    @Test func secondWrongLengthIsFinal() async throws {
        let bundle = try Fixtures.plainBundle([Fixtures.command(0, "80CA9F7F00")])
        let card = FakeCardChannel { _, _ in Self.answer("", 0x6C10) }
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.testPlayer(options: Self.noSelect).play(bundle, over: card)
        }
        #expect(failure.statusWord == StatusWord(0x6C10))
        #expect(card.sent.map(Hex.string) == ["80CA9F7F00", "80CA9F7F10"])
    }

    @Test func cardRemovedMidRunSaysWhichCommandsRan() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokerageSCP03)
        let card = FakeCardChannel { _, position in
            position == 5
                ? .failure(CardTransportError(code: .cardRemoved, reason: "SCardTransmit: card removed"))
                : .success(CardResponse(statusWord: .success))
        }
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bundle, over: card)
        }
        #expect(failure.code == .transportFailed)
        #expect(failure.transportError?.code == .cardRemoved)
        #expect(failure.commandIndex == 5)
        #expect(failure.commandsRun == 5)
        #expect(card.sent == bundle.payload.commands[0...5].map(\.apdu))
        let command = bundle.payload.commands[5]
        #expect(
            failure.message
                == "stopped at command 5 of 29 (step \(command.step ?? 0) '\(command.note ?? "")', \(command.origin ?? "")): "
                + "the card was removed (cardRemoved: SCardTransmit: card removed); commands 0-4 ran; "
                + "command 5 was sent but not answered, so the card may or may not have run it; commands 6-28 were not sent"
        )
        let receipt = try #require(failure.receipt)
        #expect(receipt.commands.map(\.index) == [0, 1, 2, 3, 4])
        #expect(receipt.outcome.stoppedAt == 5)
        #expect(receipt.outcome.code == "transportFailed")
        #expect(receipt.outcome.statusWord == nil)
    }

    @Test func readerGoneBeforeCommandZero() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokeragePrecomputed)
        let card = FakeCardChannel { _, _ in
            .failure(CardTransportError(code: .readerRemoved, reason: "reader unplugged"))
        }
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bundle, over: card)
        }
        #expect(failure.code == .transportFailed)
        #expect(failure.commandIndex == nil)
        #expect(failure.commandsRun == 0)
        #expect(
            failure.message
                == "stopped before command 0 of 30 (SELECT A000000151000000): the reader disappeared "
                + "(readerRemoved: reader unplugged); no command ran; commands 0-29 were not sent"
        )
    }

    @Test func cardRemovedDuringGetResponse() async throws {
        let bundle = try Fixtures.plainBundle([Fixtures.command(0, "80CA9F7F00"), Fixtures.command(1, "80CA004200")])
        let card = FakeCardChannel { _, position in
            position == 0
                ? Self.answer("", 0x6110)
                : .failure(CardTransportError(code: .cardRemoved, reason: "gone"))
        }
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.testPlayer(options: Self.noSelect).play(bundle, over: card)
        }
        #expect(failure.code == .transportFailed)
        #expect(failure.commandIndex == 0)
        #expect(failure.commandsRun == 0)
        #expect(card.sent.count == 2)
    }

    /// Cancelling the task stops the run between two commands.
    @Test func cancellationStopsBetweenCommands() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokerageSCP03)
        let card = FakeCardChannel { _, position in
            if position == 3 {
                withUnsafeCurrentTask { $0?.cancel() }
            }
            return .success(CardResponse(statusWord: .success))
        }
        let player = try Fixtures.player()
        let task = Task { () async throws(PlayerFailure) -> Receipt in
            try await player.play(bundle, over: card)
        }
        let result = await task.result
        let failure = try #require(throws: PlayerFailure.self) { try result.get() }
        #expect(failure.code == .cancelled)
        #expect(failure.commandIndex == 4)
        #expect(failure.commandsRun == 4)
        #expect(card.sent.count == 4)
        #expect(failure.message.hasPrefix("cancelled before command 4 of 29 ("))
        #expect(failure.message.hasSuffix("the task was cancelled; commands 0-3 ran; commands 4-28 were not sent"))
    }
}
