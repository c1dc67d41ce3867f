import APDUTypes
import BundleFormat
import CardSimulator
import CardTransport
import Foundation
import SequenceClient
import SequencePlayer
import SequenceProtocol
import Synchronization
import Testing

/// The whole networked install against the scripted server and a simulated GlobalPlatform card.
struct NetworkedInstallTests {
    /// Collects the events of a run.
    final class Events: Sendable {
        private let events = Mutex<[InstallEvent]>([])
        func record(_ event: InstallEvent) { events.withLock { $0.append(event) } }
        var all: [InstallEvent] { events.withLock { $0 } }
    }

    func install(
        _ server: FakeInstallServer,
        options: NetworkedInstall.Options = NetworkedInstall.Options(receiptRetryDelay: .zero)
    ) throws -> NetworkedInstall {
        NetworkedInstall(transport: server, trustedKeys: [try Fixture.trustedKey()], options: options)
    }

    /// The number of probe commands: SELECT, six GET DATA, INITIALIZE UPDATE.
    static let probeLength = 8

    @Test func installsBrokerageInThreeExchanges() async throws {
        let server = try FakeInstallServer()
        let channel = TestChannel(card: try Fixture.card())
        let events = Events()
        let outcome = try await install(server).run(application: "brokerage", over: channel) { events.record($0) }

        #expect(outcome.status == .installed)
        #expect(outcome.exchanges == 3)
        #expect(server.requests == [.start, .answers, .receipt])
        #expect(outcome.sequence == "brokerage")
        #expect(outcome.version == "2.1.0")
        #expect(outcome.probeRounds == 1)
        let receipt = try #require(outcome.receipt)
        #expect(receipt.outcome.status == .completed)
        #expect(outcome.commandsRun == receipt.bundle.commandCount)
        #expect(outcome.commandsRun > 20)
        #expect(server.receipts == [receipt])
        #expect(server.installed == ["brokerage"])
        // The card holds the personalized instance; nothing was selected between the probe and the bundle.
        #expect(channel.withCard { Fixture.brokerageInstance(on: $0).count } == 1)
        #expect(channel.commands.count == Self.probeLength + receipt.commands.reduce(0) { $0 + $1.exchanges })
        #expect(channel.commands[Self.probeLength][1] == 0x82)  // EXTERNAL AUTHENTICATE right after the probe
        #expect(outcome.apduCount == channel.commands.count)

        let all = events.all
        #expect(
            all.contains {
                if case .bundleReceived("brokerage", "2.1.0", receipt.bundle.commandCount) = $0 { true } else { false }
            }
        )
        #expect(all.contains { if case .receiptRecorded("installed", _) = $0 { true } else { false } })
        #expect(all.count { if case .cardExchange = $0 { true } else { false } } == Self.probeLength)
        #expect(all.contains { if case .player(.finished) = $0 { true } else { false } })
    }

    @Test func exchangeCountDoesNotDependOnTheInstallSize() async throws {
        var counts: [Int: Int] = [:]
        for application in ["brokerage", "piv"] {
            let server = try FakeInstallServer()
            let outcome = try await install(server).run(
                application: application,
                over: TestChannel(card: try Fixture.card())
            )
            counts[outcome.commandsRun] = outcome.exchanges
        }
        #expect(counts.count == 2)  // two installs of different sizes
        #expect(Set(counts.values) == [3])
    }

    @Test func secondInstallIsAnsweredAlreadyInstalled() async throws {
        var configuration = FakeInstallServer.Configuration(keyFileText: try Fixture.keyFileText())
        configuration.reinstalls = false
        let server = FakeInstallServer(configuration: configuration)
        let card = try Fixture.card()
        _ = try await install(server).run(application: "brokerage", over: TestChannel(card: card))

        let channel = TestChannel(card: card)
        let outcome = try await install(server).run(application: "brokerage", over: channel)
        #expect(outcome.status == .alreadyInstalled)
        #expect(outcome.exchanges == 2)
        #expect(outcome.serverMessage == "brokerage installed earlier")
        #expect(channel.commands.count == Self.probeLength)
    }

    // MARK: - Server errors

    @Test func unknownApplicationSurfacesWithItsCodeAndNothingIsSent() async throws {
        let server = try FakeInstallServer()
        let channel = TestChannel(card: try Fixture.card())
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "bank", over: channel)
        }
        #expect(failure.code == .server)
        #expect(failure.stage == .start)
        #expect(failure.clientError?.httpStatus == 404)
        #expect(failure.clientError?.errorCode == .unknownApplication)
        #expect(failure.exchanges == 1)
        #expect(failure.message.contains("unknown-application"))
        #expect(failure.message.contains("nothing was sent to the card"))
        #expect(!failure.installCommandsSent)
        #expect(channel.commands.isEmpty)
    }

    @Test func cardAuthenticationFailureSaysDoNotRetryAndSendsNoAuthentication() async throws {
        let text = try Fixture.keyFileText()
        let wrong = text.replacingOccurrences(
            of: "key: 404142434445464748494A4B4C4D4E4F",
            with: "key: 00112233445566778899AABBCCDDEEFF"
        )
        #expect(wrong != text)
        let server = FakeInstallServer(configuration: FakeInstallServer.Configuration(keyFileText: wrong))
        let channel = TestChannel(card: try Fixture.card())
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .server)
        #expect(failure.stage == .answers)
        #expect(failure.clientError?.httpStatus == 403)
        #expect(failure.clientError?.errorCode == .cardAuthenticationFailed)
        #expect(failure.mustNotRetry)
        #expect(failure.message.contains("do not retry"))
        // The probe ended with INITIALIZE UPDATE: no EXTERNAL AUTHENTICATE reached the card.
        #expect(channel.commands.count == Self.probeLength)
        #expect(channel.commands.last?[1] == 0x50)
        #expect(channel.withCard { $0.image.consecutiveAuthenticationFailures } == 0)
    }

    // MARK: - Network loss

    @Test func networkLossBeforeTheBundleSendsNoInstallCommand() async throws {
        let server = try FakeInstallServer()
        server.inject(.answers, .timeout)
        let channel = TestChannel(card: try Fixture.card())
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .network)
        #expect(failure.stage == .answers)
        #expect(failure.clientError?.code == .timeout)
        #expect(!failure.installCommandsSent)
        #expect(failure.message.contains("the bundle had not arrived, so no install command was sent to the card"))
        #expect(failure.message.contains("run the same command again"))
        #expect(channel.commands.count == Self.probeLength)
        #expect(channel.withCard { Fixture.brokerageInstance(on: $0).isEmpty })
    }

    @Test func untrustedServerCertificateSaysTheServerWasNotVerified() async throws {
        let server = try FakeInstallServer()
        server.inject(.start, .tlsFailure)
        let channel = TestChannel(card: try Fixture.card())
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .network)
        #expect(failure.clientError?.code == .tlsFailure)
        #expect(failure.message.contains("identity was not verified"))
        #expect(!failure.message.contains("run the same command again"))
        #expect(channel.commands.isEmpty)
    }

    @Test func receiptLostAfterTheInstallSaysSoAndTheNextRunFinishes() async throws {
        let server = try FakeInstallServer()
        server.inject(.receipt, .connectionLost, times: 3)
        let card = try Fixture.card()
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "brokerage", over: TestChannel(card: card))
        }
        #expect(failure.code == .network)
        #expect(failure.stage == .receipt)
        #expect(!failure.receiptSent)
        #expect(failure.receipt?.outcome.status == .completed)
        #expect(failure.commandsRun == failure.commandCount)
        #expect(failure.exchanges == 5)  // start, answers, three receipt attempts
        #expect(failure.message.contains("ran on the card, but the receipt could not be sent"))
        #expect(failure.message.contains("run the same command again to finish it"))
        #expect(server.receipts.isEmpty)
        #expect(server.installed.isEmpty)

        // The same command again: a new session; the script removes the older version and installs.
        let outcome = try await install(server).run(application: "brokerage", over: TestChannel(card: card))
        #expect(outcome.status == .installed)
        #expect(server.installed == ["brokerage"])
        #expect(card.applications.count { Hex.string($0.aid.bytes).hasPrefix("F04353510142524B01") } == 1)
    }

    @Test func receiptIsSentAgainAfterATransientLoss() async throws {
        let server = try FakeInstallServer()
        server.inject(.receipt, .connectionRefused, times: 1)
        let outcome = try await install(server).run(
            application: "brokerage",
            over: TestChannel(card: try Fixture.card())
        )
        #expect(outcome.status == .installed)
        #expect(outcome.exchanges == 4)
        #expect(server.requests == [.start, .answers, .receipt, .receipt])
        #expect(server.receipts.count == 1)
    }

    @Test func receiptWhoseAnswerWasLostIsNotReportedAsRefused() async throws {
        let server = try FakeInstallServer()
        server.injectLostAnswer(.receipt, .timeout)
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "brokerage", over: TestChannel(card: try Fixture.card()))
        }
        #expect(failure.code == .notConfirmed)
        #expect(failure.clientError?.errorCode == .wrongState)
        #expect(failure.message.contains("the first attempt most likely arrived"))
        #expect(server.requests == [.start, .answers, .receipt, .receipt])
        #expect(server.receipts.count == 1)
        #expect(server.installed == ["brokerage"])
    }

    // MARK: - The card

    @Test func cardPulledMidInstallSendsThePartialReceiptAndTheNextRunFinishes() async throws {
        let server = try FakeInstallServer()
        let card = try Fixture.card()
        let channel = TestChannel(card: card)
        // The probe, then commands 0-9 of the bundle; command 10 finds no card.
        channel.pull(afterMoreCommands: Self.probeLength + 10)
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .cardFailed)
        #expect(failure.stage == .install)
        #expect(failure.commandsRun == 10)
        #expect(failure.playerFailure?.commandIndex == 10)
        #expect(failure.transportError?.code == .closed)
        #expect(failure.receiptSent)
        #expect(failure.serverResult?.status == "failed")
        #expect(failure.message.contains("commands 0-9 ran"))
        #expect(failure.message.contains("the receipt was sent"))
        let partial = try #require(server.receipts.last)
        #expect(partial.outcome.status == .stopped)
        #expect(partial.outcome.commandsRun == 10)
        #expect(partial.outcome.stoppedAt == 10)
        #expect(partial.commands.count == 10)

        let outcome = try await install(server).run(application: "brokerage", over: TestChannel(card: card))
        #expect(outcome.status == .installed)
        #expect(card.applications.count { Hex.string($0.aid.bytes).hasPrefix("F04353510142524B01") } == 1)
    }

    @Test func cardPulledDuringTheProbeSendsNoInstallCommand() async throws {
        let server = try FakeInstallServer()
        let channel = TestChannel(card: try Fixture.card())
        channel.pull(afterMoreCommands: 3)
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .cardFailed)
        #expect(failure.stage == .probe)
        #expect(!failure.installCommandsSent)
        #expect(failure.message.contains("probe command 3 ('key-information')"))
        #expect(server.requests == [.start])
    }

    // MARK: - Tampering

    @Test func bundleWithOneFlippedByteIsRejectedAndNothingIsSent() async throws {
        var configuration = FakeInstallServer.Configuration(keyFileText: try Fixture.keyFileText())
        // Flip one hex digit of the first command after EXTERNAL AUTHENTICATE ("84E4…", the DELETE).
        configuration.editText = { $0.replacingOccurrences(of: "\"84E40080", with: "\"84E40081") }
        let server = FakeInstallServer(configuration: configuration)
        let channel = TestChannel(card: try Fixture.card())
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .bundleRejected)
        #expect(failure.message.contains("bundle.signature-invalid"))
        #expect(failure.message.contains("no install command was sent to the card"))
        #expect(channel.commands.count == Self.probeLength)
        #expect(server.requests == [.start, .answers])
    }

    @Test func bundleForAnotherSessionIsRejectedBeforeTheCardCountsAFailedAuthentication() async throws {
        var configuration = FakeInstallServer.Configuration(keyFileText: try Fixture.keyFileText())
        configuration.usesFirstSessionResponse = true
        let server = FakeInstallServer(configuration: configuration)
        let card = try Fixture.card()
        _ = try await install(server).run(application: "brokerage", over: TestChannel(card: card))

        // The second session's bundle is validly signed but computed for the first session's challenge.
        let channel = TestChannel(card: card)
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .bundleRejected)
        #expect(failure.message.contains(ProbeSessionCheck.mismatch.identifier))
        #expect(channel.commands.count == Self.probeLength)
        #expect(card.image.consecutiveAuthenticationFailures == 0)
    }

    @Test func cardRefusesAValidlySignedTamperedCommandAtExactlyThatCommand() async throws {
        let target = 12
        var configuration = FakeInstallServer.Configuration(keyFileText: try Fixture.keyFileText())
        configuration.editPayload = { payload in
            var payload = payload
            var apdu = payload.commands[target].apdu
            let last = apdu.count - (apdu.count > 5 + Int(apdu[4]) ? 2 : 1)  // the last MAC byte, before any Le
            apdu[last] ^= 0x01
            payload.commands[target].apdu = apdu
            return payload
        }
        let server = FakeInstallServer(configuration: configuration)
        let channel = TestChannel(card: try Fixture.card())
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server).run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .cardRefused)
        #expect(failure.playerFailure?.commandIndex == target)
        #expect(failure.playerFailure?.statusWord == StatusWord(0x6982))
        #expect(failure.commandsRun == target)
        #expect(failure.receiptSent)
        #expect(server.receipts.last?.outcome.stoppedAt == target)
        // Nothing after the refused command reached the card.
        let sent = channel.commands.count - Self.probeLength
        let partial = try #require(server.receipts.last)
        #expect(sent == partial.commands.reduce(0) { $0 + $1.exchanges })
        #expect(channel.withCard { Fixture.brokerageInstance(on: $0).isEmpty })
    }

    // MARK: - Relay mode

    @Test func relayModeInstallsWithOneExchangePerCommand() async throws {
        let server = try FakeInstallServer()
        let channel = TestChannel(card: try Fixture.card())
        let outcome = try await install(server, options: NetworkedInstall.Options(mode: .relay))
            .run(application: "brokerage", over: channel)
        #expect(outcome.status == .installed)
        #expect(outcome.mode == .relay)
        #expect(outcome.commandsRun > 20)
        // start, answers, one exchange per command, and the one that says done.
        #expect(outcome.exchanges == 2 + outcome.commandsRun + 1)
        #expect(server.relayResponses.count == outcome.commandsRun)
        #expect(outcome.serverMessage?.hasPrefix("installed") == true)
        #expect(server.installed == ["brokerage"])
        #expect(channel.withCard { Fixture.brokerageInstance(on: $0).count } == 1)
    }

    @Test func relayedTamperedCommandStopsAtExactlyThatCommand() async throws {
        let target = 7
        var configuration = FakeInstallServer.Configuration(keyFileText: try Fixture.keyFileText())
        configuration.editRelayed = { index, apdu in
            guard index == target else { return apdu }
            var apdu = apdu
            apdu[5] ^= 0x80
            return apdu
        }
        let server = FakeInstallServer(configuration: configuration)
        let channel = TestChannel(card: try Fixture.card())
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server, options: NetworkedInstall.Options(mode: .relay))
                .run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .cardRefused)
        #expect(failure.stage == .relay)
        #expect(failure.commandsRun == target)
        #expect(failure.message.contains("6982"))
        #expect(failure.message.contains("commands 0-6 ran"))
        #expect(server.relayResponses.last?.hasSuffix("6982") == true)
        #expect(channel.commands.count == Self.probeLength + target + 1)
    }

    @Test func cardPulledDuringTheRelaySaysWhichCommandsRan() async throws {
        let server = try FakeInstallServer()
        let channel = TestChannel(card: try Fixture.card())
        channel.pull(afterMoreCommands: Self.probeLength + 5)
        let failure = try await #require(throws: InstallFailure.self) {
            try await install(server, options: NetworkedInstall.Options(mode: .relay))
                .run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .cardFailed)
        #expect(failure.stage == .relay)
        #expect(failure.commandsRun == 5)
        #expect(failure.message.contains("commands 0-4 ran"))
        #expect(failure.message.contains("command 5 was sent but not answered"))
    }

    // MARK: - Protocol violations

    /// A server that answers the start with a probe whose command is not hex.
    struct BrokenProbeServer: InstallTransport {
        func start(
            application: String,
            mode: InstallMode,
            answerToReset: [UInt8]?
        ) async throws(InstallClientError)
            -> ProbeResponse
        {
            ProbeResponse(
                session: "0123",
                expiresAt: "2099-01-01T00:00:00Z",
                probe: ProbeScript(commands: [ProbeCommand(purpose: "select-isd", apdu: "00A4ZZ")])
            )
        }
        func answers(session: String, _ answers: ProbeAnswers) async throws(InstallClientError) -> InstallStep {
            InstallStep(kind: .bundle)
        }
        func relay(session: String, response: [UInt8]?) async throws(InstallClientError) -> RelayCommand {
            RelayCommand(apdu: nil, done: true)
        }
        func receipt(session: String, _ receipt: Receipt) async throws(InstallClientError) -> InstallResult {
            InstallResult(status: "installed", message: "")
        }
    }

    @Test func probeCommandThatIsNotAnAPDUIsAProtocolViolation() async throws {
        let channel = TestChannel(card: try Fixture.card())
        let install = NetworkedInstall(transport: BrokenProbeServer(), trustedKeys: [try Fixture.trustedKey()])
        let failure = try await #require(throws: InstallFailure.self) {
            try await install.run(application: "brokerage", over: channel)
        }
        #expect(failure.code == .protocolViolation)
        #expect(failure.stage == .probe)
        #expect(channel.commands.isEmpty)
    }
}
