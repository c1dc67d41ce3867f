import APDUTypes
import BundleFormat
import CardSimulator
import Foundation
import KeyStore
import SequencePlayer
import SequenceProtocol
import SequenceServer
import SimulatorSetup
import Testing

/// The networked install onto the file-oriented ISO 7816 test card: EF.GDO identifies it, the
/// server's EXTERNAL AUTHENTICATE comes in a second probe, and the bundle continues the secure
/// messaging session the card opened.
@Suite
struct FileCardInstallTests {
    static let cardPath = "Sequences/cards/iso-test-card.yaml"
    /// The card number, IIN and CIN of `iso-test-card.yaml` as EF.GDO holds them.
    static let generalDataObjects = "5A086280123456789012" + "4203420277" + "45081020304050607080"
    static let registryKey = "iso7816;iin=420277;cin=1020304050607080"

    @Test func simulatorWritesTheIdentityIntoEFGDO() throws {
        let channel = try TestCards.channel(Self.cardPath)
        let file = try #require(channel.withCard { ($0 as? ISOFileCard)?.file(at: [0x3F00, 0x2F02]) })
        #expect(file.structure == .transparent)
        #expect(Hex.string(file.contents) == Self.generalDataObjects)
        #expect(file.securityAttributes?.condition(for: .read) == 0x00)
        #expect(file.securityAttributes?.condition(for: .update) == nil)
    }

    @Test func probeSelectsTheMFReadsEFGDOAndAsksForAChallenge() async throws {
        let harness = try ServerHarness.make()
        let probe = try await harness.withClient { client in try await client.start("loyalty") }
        #expect(probe.probe.commands.map(\.purpose) == ["select-mf", "select-gdo", "gdo", "get-challenge"])
        #expect(probe.probe.commands.map(\.apdu) == ["00A4000C023F00", "00A4020C022F02", "00B0000000", "0084000008"])
        #expect(probe.probe.commands.allSatisfy { $0.required })
    }

    @Test func loyaltyInstallsInFourExchangesAndTheHolderFileReadsBack() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel(Self.cardPath)
        let (run, requests) = try await harness.withClient { client in
            let run = try await FileCardRun.perform("loyalty", on: channel, client: client, service: harness.service)
            return (run, client.requests)
        }
        #expect(requests == 4)
        #expect(run.authentication.kind == .probe)
        let authenticate = try #require(run.authentication.probe?.commands)
        #expect(authenticate.map(\.purpose) == ["external-authenticate"])
        // 00 82 00 P2 28 E_IFD ‖ M_IFD 28, P2 the key set's key reference.
        #expect(authenticate.first?.apdu.hasPrefix("0082000128") == true)
        #expect(run.step?.kind == .bundle)
        #expect(run.result?.status == "installed")
        #expect(run.receipt?.outcome.status == .completed)
        let bundle = try #require(run.bundle)
        guard case .secureMessaging(let session) = bundle.payload.secureChannel else {
            Issue.record("not a secure messaging bundle")
            return
        }
        #expect(Hex.string(session.authentication.command) == authenticate.first?.apdu)
        #expect(bundle.payload.card.profile == .iso7816)
        #expect(try await Self.holderFile(channel).hasPrefix("5A086280123456789012"))

        let registry = harness.service.registry
        #expect(try await registry.cards().map(\.id) == [Self.registryKey])
        let installs = try await registry.installs()
        #expect(installs.map(\.state) == ["installed"])
        #expect(installs.first?.card == Self.registryKey)
        #expect(installs.first?.commandsRun == bundle.payload.commands.count)
        #expect(try await registry.sessions().map(\.state) == ["installed"])
        let actions = try await registry.auditEvents(session: run.probe.session).map(\.action)
        #expect(actions == ["install", "answers", "answers", "receipt"])
    }

    @Test func secondInstallIsAlreadyInstalled() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel(Self.cardPath)
        let (first, second, requests) = try await harness.withClient { client in
            let first = try await FileCardRun.perform("loyalty", on: channel, client: client, service: harness.service)
            let before = client.requests
            let second = try await FileCardRun.perform("loyalty", on: channel, client: client, service: harness.service)
            return (first, second, client.requests - before)
        }
        #expect(first.result?.status == "installed")
        #expect(second.step?.kind == .alreadyInstalled)
        #expect(second.bundle == nil)
        #expect(requests == 3)
        #expect(try await harness.service.registry.installs().map(\.state) == ["installed"])
        let states = try await harness.service.registry.sessions().map(\.state).sorted()
        #expect(states == ["already-installed", "installed"])
    }

    @Test func cardWithOtherAccessKeysIsRefusedAtTheSecondAnswers() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel(Self.cardPath, keys: Self.otherAccessKeys())
        let (firstStep, second, again) = try await harness.withClient { client in
            let probe = try await client.start("loyalty")
            let answers = try await TestCards.run(probe.probe, on: channel)
            let first = try await client.post("/v1/installs/\(probe.session)/answers", answers)
            let step = try first.decode(InstallStep.self)
            let authenticate = try #require(step.probe)
            let cardAnswers = try await TestCards.run(authenticate, on: channel)
            // The card checks M_IFD with its own keys and refuses.
            let refused = try #require(cardAnswers.answers.first)
            #expect(refused.response != "9000" && !refused.response.hasSuffix("9000"))
            let second = try await client.post("/v1/installs/\(probe.session)/answers", cardAnswers)
            let again = try await client.post("/v1/installs/\(probe.session)/answers", cardAnswers)
            return (step, second, again)
        }
        #expect(firstStep.kind == .probe)
        #expect(second.status == 403)
        #expect(second.errorCode == "card-authentication-failed")
        #expect(again.status == 409)
        #expect(again.errorCode == "wrong-state")
        #expect(try await harness.service.registry.installs().isEmpty)
        #expect(try await harness.service.registry.sessions().map(\.state) == ["failed"])
        #expect(channel.withCard { ($0 as? ISOFileCard)?.file(at: [0x3F00, 0x5100]) } == nil)
    }

    /// The tamper test of the authentication: one flipped bit of M_IC (or of E_IC) and no bundle exists.
    @Test(arguments: [39, 0])
    func tamperedAuthenticationAnswerIs403(flippedByte: Int) async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel(Self.cardPath)
        let answer = try await harness.withClient { client in
            let probe = try await client.start("loyalty")
            let step = try await client.post(
                "/v1/installs/\(probe.session)/answers",
                try await TestCards.run(probe.probe, on: channel)
            )
            .decode(InstallStep.self)
            let cardAnswers = try await TestCards.run(try #require(step.probe), on: channel)
            let cardAnswer = try #require(cardAnswers.answers.first)
            var bytes = try #require(Hex.bytes(cardAnswer.response))
            #expect(bytes.count == 42)
            bytes[flippedByte] ^= 0x01
            let tampered = ProbeAnswers(answers: [
                ProbeAnswer(purpose: "external-authenticate", response: Hex.string(bytes))
            ])
            return try await client.post("/v1/installs/\(probe.session)/answers", tampered)
        }
        #expect(answer.status == 403)
        #expect(answer.errorCode == "card-authentication-failed")
        #expect(try await harness.service.registry.installs().isEmpty)
        #expect(try await harness.service.registry.sessions().map(\.state) == ["failed"])
    }

    @Test func authenticationAnswerFromAnotherSessionIsRefused() async throws {
        let harness = try ServerHarness.make(catalogue: ServerHarness.repositoryCatalogue(reinstall: ["loyalty"]))
        let channel = try TestCards.channel(Self.cardPath)
        let (replayed, own) = try await harness.withClient { client in
            let first = try await FileCardRun.perform("loyalty", on: channel, client: client, service: harness.service)
            #expect(first.result?.status == "installed")
            let probe = try await client.start("loyalty")
            let step = try await client.post(
                "/v1/installs/\(probe.session)/answers",
                try await TestCards.run(probe.probe, on: channel)
            )
            .decode(InstallStep.self)
            let replayed = try await client.post("/v1/installs/\(probe.session)/answers", first.authenticationAnswers)
            // The session stays open for the card's own answer.
            let own = try await client.post(
                "/v1/installs/\(probe.session)/answers",
                try await TestCards.run(try #require(step.probe), on: channel)
            )
            return (replayed, own)
        }
        #expect(replayed.status == 422)
        #expect(replayed.errorCode == "answers-mismatch")
        #expect(own.status == 200)
        #expect(try own.decode(InstallStep.self).kind == .bundle)
    }

    @Test func firstAnswersFromAnotherSessionAreRefused() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel(Self.cardPath)
        let (first, replayed) = try await harness.withClient { client in
            let one = try await client.start("loyalty")
            let answers = try await TestCards.run(one.probe, on: channel)
            let first = try await client.post("/v1/installs/\(one.session)/answers", answers)
            let two = try await client.start("loyalty")
            let replayed = try await client.post("/v1/installs/\(two.session)/answers", answers)
            return (first, replayed)
        }
        #expect(first.status == 200)
        #expect(replayed.status == 422)
        #expect(replayed.errorCode == "answers-mismatch")
    }

    @Test func anotherSessionOnTheSameCardIsBusy() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel(Self.cardPath)
        let other = try TestCards.channel(Self.cardPath)
        let (first, busy) = try await harness.withClient { client in
            let one = try await client.start("loyalty")
            let first = try await client.post(
                "/v1/installs/\(one.session)/answers",
                try await TestCards.run(one.probe, on: channel)
            )
            let two = try await client.start("loyalty")
            let busy = try await client.post(
                "/v1/installs/\(two.session)/answers",
                try await TestCards.run(two.probe, on: other)
            )
            return (first, busy)
        }
        #expect(first.status == 200)
        #expect(busy.status == 409)
        #expect(busy.errorCode == "card-busy")
    }

    @Test func cardWithoutEFGDOIsUnknown() async throws {
        let harness = try ServerHarness.make()
        let selected = try ServerHarness.repositoryKeys().accessKeys(for: CardIdentity(iin: [0x42, 0x02, 0x77]))
        let card = try ISOFileCard(
            configuration: ISOFileCard.Configuration(accessKeys: selected.keys, keyReference: selected.keyReference)
        )
        let channel = SimulatedCardChannel(card: card)
        let (answers, answer) = try await harness.withClient { client in
            let probe = try await client.start("loyalty")
            let answers = try await TestCards.run(probe.probe, on: channel)
            return (answers, try await client.post("/v1/installs/\(probe.session)/answers", answers))
        }
        // The client stops at the refused SELECT of EF.GDO: no challenge was asked for.
        #expect(answers.answers.map(\.purpose) == ["select-mf", "select-gdo"])
        #expect(answer.status == 422)
        #expect(answer.errorCode == "unknown-card")
        #expect(try await harness.service.registry.sessions().map(\.state) == ["failed"])
    }

    @Test func unknownCINIsUnknownCard() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel(Self.cardPath)
        let answer = try await harness.withClient { client in
            let probe = try await client.start("loyalty")
            var answers = try await TestCards.run(probe.probe, on: channel)
            let gdo = "5A086280123456789012" + "4203420277" + "45081020304050607081" + "9000"
            answers.answers[2] = ProbeAnswer(purpose: "gdo", response: gdo)
            return try await client.post("/v1/installs/\(probe.session)/answers", answers)
        }
        #expect(answer.status == 422)
        #expect(answer.errorCode == "unknown-card")
    }

    /// The holder file's contents, read as anyone may.
    static func holderFile(_ channel: SimulatedCardChannel) async throws -> String {
        for fid: [UInt8] in [[0x3F, 0x00], [0x51, 0x00], [0x51, 0x01]] {
            let select = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x00, p2: 0x0C, data: fid)
            #expect(try await channel.transmit(select).statusWord == .success)
        }
        let read = try await channel.transmit(CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0, p2: 0, le: 256))
        #expect(read.statusWord == .success)
        return Hex.string(read.data)
    }

    /// Other secure messaging keys for the test card's IIN.
    static func otherAccessKeys() throws -> KeyFile {
        try KeyFile(
            text: """
                key-sets:
                  - name: other-sm
                    match: { iin: 420277 }
                    scp: sm
                    key-reference: 0x01
                    keys:
                      algorithm: 3des
                      enc: 000102030405060708090A0B0C0D0E0F
                      mac: 101112131415161718191A1B1C1D1E1F
                """,
            path: "other-keys.yaml"
        )
    }
}

/// One install onto a file card as `seqplay install` does it: request, probe, answers, EXTERNAL
/// AUTHENTICATE, answers, bundle, play, receipt.
struct FileCardRun: Sendable {
    var probe: ProbeResponse
    var authentication: InstallStep
    var authenticationAnswers: ProbeAnswers
    var step: InstallStep?
    var result: InstallResult?
    var receipt: Receipt?
    var bundle: SignedBundle?

    static func perform(
        _ application: String,
        on channel: SimulatedCardChannel,
        client: ProtocolClient,
        service: InstallService
    ) async throws -> FileCardRun {
        let probe = try await client.start(application)
        let first = try await client.post(
            "/v1/installs/\(probe.session)/answers",
            try await TestCards.run(probe.probe, on: channel)
        )
        guard first.status == 200 else {
            throw UnexpectedAnswer(status: first.status, body: String(decoding: first.body, as: UTF8.self))
        }
        let authentication = try first.decode(InstallStep.self)
        let authenticate = try #require(authentication.probe)
        let authenticationAnswers = try await TestCards.run(authenticate, on: channel)
        var run = FileCardRun(
            probe: probe,
            authentication: authentication,
            authenticationAnswers: authenticationAnswers
        )
        let second = try await client.post("/v1/installs/\(probe.session)/answers", authenticationAnswers)
        guard second.status == 200 else {
            throw UnexpectedAnswer(status: second.status, body: String(decoding: second.body, as: UTF8.self))
        }
        let step = try second.decode(InstallStep.self)
        run.step = step
        guard step.kind == .bundle, let text = step.bundle else { return run }
        run.bundle = try SignedBundle.decode(Array(text.utf8))
        let receipt: Receipt
        do {
            receipt = try await TestCards.player(service).play(bytes: Array(text.utf8), over: channel)
        } catch {
            receipt = try #require(error.receipt)
        }
        run.receipt = receipt
        let posted = try await client.post("/v1/installs/\(probe.session)/receipt", receipt)
        guard posted.status == 200 else {
            throw UnexpectedAnswer(status: posted.status, body: String(decoding: posted.body, as: UTF8.self))
        }
        run.result = try posted.decode(InstallResult.self)
        return run
    }
}
