import APDUTypes
import BundleFormat
import CardSimulator
import SequencePlayer
import SequenceProtocol
import SequenceServer
import Testing

/// What the signature and the card guarantee when the client or the network changes the bundle.
@Suite
struct TamperTests {
    /// The bundle of a fresh session on a fresh card, not yet played.
    static func issued(
        _ harness: ServerHarness,
        client: ProtocolClient,
        channel: SimulatedCardChannel
    ) async throws -> (session: String, text: String) {
        let probe = try await client.start("brokerage")
        let answers = try await TestCards.run(probe.probe, on: channel)
        let step = try await client.post("/v1/installs/\(probe.session)/answers", answers).decode(InstallStep.self)
        return (probe.session, try #require(step.bundle))
    }

    @Test func flippedByteInTheBundleIsRefusedBeforeTheCardSeesIt() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let failure = try await harness.withClient { client in
            let (_, text) = try await Self.issued(harness, client: client, channel: channel)
            var bytes = Array(text.utf8)
            // The hex digit of the first command's last byte, inside the signed payload.
            let bundle = try SignedBundle.decode(bytes)
            let target = Array(Hex.string(bundle.payload.commands[1].apdu).utf8)
            let start = try #require(bytes.firstRange(of: target)).upperBound - 1
            bytes[start] = bytes[start] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            do throws(PlayerFailure) {
                _ = try await TestCards.player(harness.service).play(bytes: bytes, over: channel)
                return nil as PlayerFailure?
            } catch {
                return error
            }
        }
        let refused = try #require(failure)
        #expect(refused.code == .bundleRejected)
        #expect(refused.commandsRun == 0)
    }

    @Test func commandChangedPastTheClientIsRefusedByTheCardAtThatCommand() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let tampered = 5
        let (failure, answer) = try await harness.withClient { client in
            let (session, text) = try await Self.issued(harness, client: client, channel: channel)
            // A compromised client re-signs the bundle with its own key after changing one MAC byte.
            var payload = try SignedBundle.decode(Array(text.utf8)).payload
            var command = try CommandAPDU(bytes: payload.commands[tampered].apdu)
            // The C-MAC is the end of the data field (Le, when present, follows it unprotected).
            command.data[command.data.count - 1] ^= 0x01
            payload.commands[tampered].apdu = command.bytes
            let attacker = Ed25519BundleSigner.generate()
            let forged = try BundleSealer(signer: attacker).seal(payload)
            let player = BundlePlayer(
                trustedKeys: [attacker.publicKey],
                options: BundlePlayer.Options(sessionOpening: .alreadyOpened)
            )
            let failure: PlayerFailure
            do throws(PlayerFailure) {
                _ = try await player.play(forged, over: channel)
                Issue.record("the card accepted a command with a wrong MAC")
                return (nil as PlayerFailure?, nil as ProtocolClient.Answer?)
            } catch {
                failure = error
            }
            let receipt = try #require(failure.receipt)
            return (failure, try await client.post("/v1/installs/\(session)/receipt", receipt))
        }
        let refused = try #require(failure)
        #expect(refused.code == .unexpectedStatusWord)
        #expect(refused.commandIndex == tampered)
        #expect(refused.commandsRun == tampered)
        #expect(refused.statusWord == StatusWord(0x6982))
        // The receipt is about another bundle than the one the server signed: not recorded.
        #expect(answer?.status == 422)
        #expect(answer?.errorCode == "receipt-mismatch")
        #expect(try await harness.service.registry.installs().map(\.state) == ["issued"])
        #expect(try !TestCards.hasApplication(channel, InstallFlowTests.brokerageInstance))
    }

    @Test func randomSourceGivesTheSessionAndTheChallenge() async throws {
        let random = CountingRandom()
        let expected = CountingRandom()
        let harness = try ServerHarness.make(random: { random.bytes($0) })
        let probe = try await harness.withClient { client in try await client.start("brokerage") }
        #expect(probe.session == Hex.string(expected.bytes(16)))
        let challenge = expected.bytes(8)
        #expect(probe.probe.commands.last?.apdu == "8050000008" + Hex.string(challenge) + "00")
    }
}
