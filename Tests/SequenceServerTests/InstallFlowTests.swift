import APDUTypes
import BundleFormat
import CardSimulator
import Foundation
import SequencePlayer
import SequenceProtocol
import SequenceServer
import Testing

/// The whole GlobalPlatform exchange through the router, with the probe and the bundle played on a
/// simulated card in the same process.
@Suite
struct InstallFlowTests {
    static let brokerageInstance = "F04353510142524B010042ACF3"

    @Test func installsBrokerageAndRecordsIt() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let run = try await harness.withClient { client in
            let run = try await InstallRun.perform("brokerage", on: channel, client: client, service: harness.service)
            #expect(client.requests == 3)
            return run
        }
        #expect(run.step.kind == .bundle)
        #expect(run.result?.status == "installed")
        #expect(run.receipt?.outcome.status == .completed)
        #expect(try TestCards.hasApplication(channel, Self.brokerageInstance))

        // The bundle starts with EXTERNAL AUTHENTICATE: the probe's INITIALIZE UPDATE opened the session.
        let bundle = try #require(run.bundle)
        #expect(bundle.payload.commands.first?.apdu.prefix(2) == [0x84, 0x82])
        guard case .globalPlatform(let session) = bundle.payload.secureChannel else {
            Issue.record("not a GlobalPlatform bundle")
            return
        }
        #expect(session.mode == .online)
        let challenge = try #require(run.probe.probe.commands.last.flatMap { Hex.bytes($0.apdu) })
        #expect(Array(challenge.dropFirst(5).prefix(8)) == session.hostChallenge)

        let registry = harness.service.registry
        let cards = try await registry.cards()
        #expect(cards.count == 1)
        #expect(cards.first?.isdAID == "A000000151000000")
        #expect(cards.first?.cin == "0000000000000123")
        let installs = try await registry.installs()
        #expect(installs.count == 1)
        let install = try #require(installs.first)
        #expect(install.state == "installed")
        #expect(install.application == "brokerage")
        #expect(install.version == "2.1.0")
        #expect(install.commandsRun == bundle.payload.commands.count)
        #expect(install.bundleDigest == run.receipt?.bundle.digest)
        #expect(install.bundleID == Hex.string(bundle.payload.id))
        let sessions = try await registry.sessions()
        #expect(sessions.map(\.state) == ["installed"])
        let actions = try await registry.auditEvents(session: run.probe.session).map(\.action)
        #expect(actions == ["install", "answers", "receipt"])
    }

    @Test func installsPIVOnTheSCP02Card() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel("Sequences/cards/gp-second-card.yaml")
        let run = try await harness.withClient { client in
            try await InstallRun.perform("piv", on: channel, client: client, service: harness.service)
        }
        #expect(run.result?.status == "installed")
        #expect(try TestCards.hasApplication(channel, "A000000308000010000100"))
        guard case .globalPlatform(let session)? = run.bundle?.payload.secureChannel else {
            Issue.record("not a GlobalPlatform bundle")
            return
        }
        #expect(session.scp == .scp02)
    }

    @Test func secondInstallIsAlreadyInstalled() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let (first, second) = try await harness.withClient { client in
            let first = try await InstallRun.perform("brokerage", on: channel, client: client, service: harness.service)
            let second = try await InstallRun.perform(
                "brokerage",
                on: channel,
                client: client,
                service: harness.service
            )
            return (first, second)
        }
        #expect(first.result?.status == "installed")
        #expect(second.step.kind == .alreadyInstalled)
        #expect(second.step.bundle == nil)
        #expect(second.step.message?.contains("brokerage 2.1.0 is installed") == true)
        let registry = harness.service.registry
        #expect(try await registry.installs().count == 1)
        #expect(try await registry.sessions().map(\.state) == ["installed", "already-installed"])
    }

    @Test func reinstallingEntryInstallsAgain() async throws {
        let harness = try ServerHarness.make(catalogue: ServerHarness.repositoryCatalogue(reinstall: ["brokerage"]))
        let channel = try TestCards.channel()
        let second = try await harness.withClient { client in
            _ = try await InstallRun.perform("brokerage", on: channel, client: client, service: harness.service)
            return try await InstallRun.perform("brokerage", on: channel, client: client, service: harness.service)
        }
        #expect(second.step.kind == .bundle)
        #expect(second.result?.status == "installed")
        #expect(try await harness.service.registry.installs().map(\.state) == ["installed", "installed"])
        #expect(try TestCards.hasApplication(channel, Self.brokerageInstance))
    }

    @Test func stoppedRunIsRecordedAsFailedAndARerunFinishes() async throws {
        let harness = try ServerHarness.make()
        // The card is pulled after command 3 was answered: the player stops with a transport failure.
        let failing = try TestCards.channel()
        let (stopped, rerun) = try await harness.withClient { client in
            let stopped = try await InstallRun.perform(
                "brokerage",
                on: failing,
                client: client,
                service: harness.service,
                events: { event in
                    if case .commandAnswered(let index, _, _, _) = event, index == 3 { failing.close() }
                }
            )
            let reinserted = TestCards.reinsert(failing)
            let rerun = try await InstallRun.perform(
                "brokerage",
                on: reinserted,
                client: client,
                service: harness.service
            )
            #expect(try TestCards.hasApplication(reinserted, Self.brokerageInstance))
            return (stopped, rerun)
        }
        #expect(stopped.result?.status == "failed")
        #expect(stopped.receipt?.outcome.commandsRun == 4)
        #expect(rerun.result?.status == "installed")
        let installs = try await harness.service.registry.installs()
        #expect(installs.map(\.state) == ["failed", "installed"])
        #expect(installs.first?.commandsRun == 4)
        #expect(installs.first?.failureReason?.contains("without an answer") == true)
    }

    @Test func relayModeSendsTheSameCommandsOnePerExchange() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let (exchanges, count, last) = try await harness.withClient { client in
            let probe = try await client.start("brokerage", mode: .relay)
            let answers = try await TestCards.run(probe.probe, on: channel)
            let step = try await client.post("/v1/installs/\(probe.session)/answers", answers).decode(InstallStep.self)
            #expect(step.kind == .relay)
            var response: String?
            var count = 0
            while true {
                let next = try await client.post(
                    "/v1/installs/\(probe.session)/relay",
                    RelayExchange(response: response)
                )
                #expect(next.status == 200)
                let command = try next.decode(RelayCommand.self)
                guard let apdu = command.apdu, !command.done else { return (client.requests, count, command) }
                let answer = try await channel.transmit(CommandAPDU(bytes: try #require(Hex.bytes(apdu))))
                response = Hex.string(answer.bytes)
                count += 1
            }
        }
        #expect(last.message?.contains("installed") == true)
        #expect(try TestCards.hasApplication(channel, Self.brokerageInstance))
        let install = try #require(try await harness.service.registry.installs().first)
        #expect(install.mode == "relay")
        #expect(install.state == "installed")
        #expect(install.commandCount == count)
        // Start, answers, one exchange per command and the last one that says done.
        #expect(exchanges == 2 + count + 1)
    }

    @Test func relayStopsAtARefusedCommand() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let last = try await harness.withClient { client in
            let probe = try await client.start("brokerage", mode: .relay)
            let answers = try await TestCards.run(probe.probe, on: channel)
            _ = try await client.post("/v1/installs/\(probe.session)/answers", answers)
            let first = try await client.post("/v1/installs/\(probe.session)/relay", RelayExchange(response: nil))
            #expect(try first.decode(RelayCommand.self).apdu?.hasPrefix("8482") == true)
            // The client reports a refusal of EXTERNAL AUTHENTICATE.
            let refused = try await client.post("/v1/installs/\(probe.session)/relay", RelayExchange(response: "6982"))
            let again = try await client.post("/v1/installs/\(probe.session)/relay", RelayExchange(response: "9000"))
            #expect(again.status == 409)
            return try refused.decode(RelayCommand.self)
        }
        #expect(last.done)
        #expect(last.apdu == nil)
        #expect(last.message?.contains("6982") == true)
        let install = try #require(try await harness.service.registry.installs().first)
        #expect(install.state == "failed")
        #expect(install.commandsRun == 0)
    }
}
