import APDUTypes
import BundleFormat
import CardSimulator
import CardTransport
import Foundation
import KeyStore
import SequenceCompiler
import SequencePlayer
import SequenceProtocol
import SequenceServer
import SequenceTestSupport
import SimulatorSetup
import Testing

/// Simulated cards made from the fixture card-data files, and the client's side of the exchange.
enum TestCards {
    static func cardData(_ path: String) throws -> CardData {
        var diagnostics = DiagnosticBag()
        let data = CardDataParser.parse(try RepositoryLoader.source(path), diagnostics: &diagnostics)
        return try #require(data)
    }

    /// A fresh simulated card for a card-data file, with the keys a key provider selects for it.
    static func channel(
        _ path: String = "Sequences/cards/gp-test-card.yaml",
        keys: (any KeyProvider)? = nil
    ) throws -> SimulatedCardChannel {
        let image = try SimulatorSetup.image(cardData: cardData(path), keys: keys ?? ServerHarness.repositoryKeys())
        return SimulatedCardChannel(card: try image.makeCard())
    }

    /// The same card in a new connection, as when it is pulled out and inserted again.
    static func reinsert(_ channel: SimulatedCardChannel) -> SimulatedCardChannel {
        channel.withCard { SimulatedCardChannel(card: $0) }
    }

    /// A key file with other keys for the test card's ISD AID: a card made with it does not
    /// authenticate with the issuer's keys.
    static func otherKeys() throws -> KeyFile {
        try KeyFile(
            text: """
                key-sets:
                  - name: other-scp03
                    match: { isd-aid: A000000151000000 }
                    scp: scp03
                    security-level: mac+enc
                    key-version: 0x30
                    diversification: none
                    keys: { algorithm: aes, key: 000102030405060708090A0B0C0D0E0F }
                """,
            path: "other-keys.yaml"
        )
    }

    /// Runs a probe on a card as the client does: stop after a required command fails, follow `61xx`.
    static func run(_ probe: ProbeScript, on channel: some CardChannel) async throws -> ProbeAnswers {
        var answers: [ProbeAnswer] = []
        for command in probe.commands {
            let apdu = try CommandAPDU(bytes: try #require(Hex.bytes(command.apdu)))
            var response = try await channel.transmit(apdu)
            var data = response.data
            while response.statusWord.sw1 == 0x61 {
                let getResponse = CommandAPDU(cla: 0x00, ins: 0xC0, p1: 0, p2: 0, le: Int(response.statusWord.sw2))
                response = try await channel.transmit(getResponse)
                data += response.data
            }
            let full = CardResponse(data: data, statusWord: response.statusWord)
            answers.append(ProbeAnswer(purpose: command.purpose, response: Hex.string(full.bytes)))
            if command.required && response.statusWord != .success { break }
        }
        return ProbeAnswers(answers: answers)
    }

    /// The player the client runs: the server's pinned key, the session opened by the probe.
    static func player(_ service: InstallService) -> BundlePlayer {
        BundlePlayer(trustedKeys: [service.signingKey], options: BundlePlayer.Options(sessionOpening: .alreadyOpened))
    }

    /// Whether the card holds an application instance.
    static func hasApplication(_ channel: SimulatedCardChannel, _ aid: String) throws -> Bool {
        let identifier = try #require(ApplicationIdentifier(hex: aid))
        return channel.withCard { card in
            (card as? GlobalPlatformCard)?.application(identifier) != nil
        }
    }
}

/// One whole install as `seqplay install` does it: request, probe, answers, bundle, play, receipt.
struct InstallRun: Sendable {
    var probe: ProbeResponse
    var step: InstallStep
    var result: InstallResult?
    var receipt: Receipt?
    var bundle: SignedBundle?

    static func perform(
        _ application: String,
        on channel: SimulatedCardChannel,
        client: ProtocolClient,
        service: InstallService,
        events: (@Sendable (PlayerEvent) -> Void)? = nil
    ) async throws -> InstallRun {
        let probe = try await client.start(application)
        let answers = try await TestCards.run(probe.probe, on: channel)
        let answer = try await client.post("/v1/installs/\(probe.session)/answers", answers)
        guard answer.status == 200 else {
            throw UnexpectedAnswer(status: answer.status, body: String(decoding: answer.body, as: UTF8.self))
        }
        let step = try answer.decode(InstallStep.self)
        guard step.kind == .bundle, let text = step.bundle else {
            return InstallRun(probe: probe, step: step)
        }
        let bundle = try SignedBundle.decode(Array(text.utf8))
        let receipt: Receipt
        do {
            receipt = try await TestCards.player(service).play(bytes: Array(text.utf8), over: channel, events: events)
        } catch {
            receipt = try #require(error.receipt)
        }
        let posted = try await client.post("/v1/installs/\(probe.session)/receipt", receipt)
        guard posted.status == 200 else {
            throw UnexpectedAnswer(status: posted.status, body: String(decoding: posted.body, as: UTF8.self))
        }
        return InstallRun(
            probe: probe,
            step: step,
            result: try posted.decode(InstallResult.self),
            receipt: receipt,
            bundle: bundle
        )
    }
}
