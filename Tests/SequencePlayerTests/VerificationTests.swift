import APDUTypes
import BundleFormat
import SequencePlayer
import Testing

/// A bundle that does not verify is refused before anything reaches the card.
struct VerificationTests {
    /// The golden bundle with one byte of one command flipped, signature unchanged.
    static func tampered(command index: Int) throws -> [UInt8] {
        var bundle = try Fixtures.golden(Fixtures.brokerageSCP03)
        // Byte 5 is the first data byte of every golden command: the APDU still decodes.
        bundle.payload.commands[index].apdu[5] ^= 0x01
        return bundle.encoded()
    }

    @Test(arguments: [0, 1, 2, 12, 28])
    func flippedCommandByteSendsNothing(_ index: Int) async throws {
        let bytes = try Self.tampered(command: index)
        let card = FakeCardChannel.alwaysSuccess()
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bytes: bytes, over: card)
        }
        #expect(failure.code == .bundleRejected)
        #expect(failure.verificationFailures.map(\.error.code) == [.signatureInvalid])
        #expect(failure.receipt == nil)
        #expect(failure.commandsRun == 0)
        #expect(card.sent.isEmpty)
        #expect(failure.message.hasPrefix("bundle rejected, nothing was sent: signature: "))
    }

    @Test(arguments: [0, 31, 63])
    func flippedSignatureByteSendsNothing(_ position: Int) async throws {
        var bundle = try Fixtures.golden(Fixtures.brokerageSCP03)
        bundle.signature.value[position] ^= 0x80
        let card = FakeCardChannel.alwaysSuccess()
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bytes: bundle.encoded(), over: card)
        }
        #expect(failure.code == .bundleRejected)
        #expect(failure.verificationFailures.map(\.error.code) == [.signatureInvalid])
        #expect(card.sent.isEmpty)
    }

    /// The untouched golden file verifies, so the tamper tests fail for the flipped byte alone.
    @Test func untouchedGoldenVerifies() throws {
        let result = try Fixtures.player().verify(bytes: try Fixtures.goldenBytes(Fixtures.brokerageSCP03))
        #expect(result.isValid)
    }

    @Test func expiredBundleSendsNothing() async throws {
        let expiry = try #require(BundleTimestamp(iso8601: "2027-01-02T00:00:00Z"))
        let card = FakeCardChannel.alwaysSuccess()
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player(now: expiry)
                .play(bytes: try Fixtures.goldenBytes(Fixtures.rotateKeys), over: card)
        }
        #expect(failure.code == .bundleRejected)
        #expect(failure.verificationFailures.map(\.error.code) == [.expired])
        #expect(card.sent.isEmpty)
    }

    @Test func notYetValidBundleSendsNothing() async throws {
        let early = try #require(BundleTimestamp(iso8601: "2026-12-31T23:50:00Z"))
        let card = FakeCardChannel.alwaysSuccess()
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player(now: early).play(bytes: try Fixtures.goldenBytes(Fixtures.rotateKeys), over: card)
        }
        #expect(failure.verificationFailures.map(\.error.code) == [.notYetValid])
        #expect(card.sent.isEmpty)
    }

    @Test func untrustedKeySendsNothing() async throws {
        let card = FakeCardChannel.alwaysSuccess()
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.testPlayer().play(bytes: try Fixtures.goldenBytes(Fixtures.rotateKeys), over: card)
        }
        #expect(failure.code == .bundleRejected)
        #expect(failure.verificationFailures.map(\.error.code) == [.unknownSigningKey])
        #expect(card.sent.isEmpty)
    }

    @Test func otherCardSendsNothing() async throws {
        let other = BundleCardIdentity(cin: [0x45, 0x08, 0x99])
        let card = FakeCardChannel.alwaysSuccess()
        let player = try Fixtures.player(options: .init(expectedCard: other))
        let failure = try await #require(throws: PlayerFailure.self) {
            try await player.play(bytes: try Fixtures.goldenBytes(Fixtures.rotateKeys), over: card)
        }
        #expect(failure.verificationFailures.map(\.error.code) == [.wrongCard])
        #expect(card.sent.isEmpty)
    }

    @Test func malformedFileSendsNothing() async throws {
        let card = FakeCardChannel.alwaysSuccess()
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bytes: Array("{\"format\": ".utf8), over: card)
        }
        #expect(failure.code == .bundleRejected)
        #expect(failure.verificationFailures.map(\.check) == ["decode"])
        #expect(failure.commandCount == 0)
        #expect(card.sent.isEmpty)
    }

    /// An extended-length APDU with short lengths would reach the card re-encoded in the short
    /// form, so it is refused before anything is sent.
    @Test func commandTheChannelWouldReencodeSendsNothing() async throws {
        let bundle = try Fixtures.plainBundle([
            Fixtures.command(0, "80CA9F7F00"),
            Fixtures.command(1, "80E28000000003010203"),
        ])
        let card = FakeCardChannel.alwaysSuccess()
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.testPlayer().play(bundle, over: card)
        }
        #expect(failure.verificationFailures.map(\.check) == ["channel-encoding"])
        #expect(failure.verificationFailures.first?.commandIndex == 1)
        #expect(card.sent.isEmpty)
    }

    /// A decoded bundle handed to the player is verified like a file.
    @Test func decodedBundleIsVerifiedToo() async throws {
        var bundle = try Fixtures.golden(Fixtures.rotateKeys)
        bundle.payload.commands[2].expect.append(StatusWordPattern(value: 0x6A88))
        let card = FakeCardChannel.alwaysSuccess()
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bundle, over: card)
        }
        #expect(failure.verificationFailures.map(\.error.code) == [.signatureInvalid])
        #expect(card.sent.isEmpty)
    }
}
