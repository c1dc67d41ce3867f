import APDUTypes
import BundleFormat
import CardSimulator
import CardTransport
import SequenceClient
import SequencePlayer
import SequenceProtocol
import Synchronization
import Testing

/// The probe runner: T=0 recovery, required and optional commands, failures.
struct ProbeRunnerTests {
    func script(_ commands: (String, String, Bool)...) -> ProbeScript {
        ProbeScript(commands: commands.map { ProbeCommand(purpose: $0.0, apdu: $0.1, required: $0.2) })
    }

    @Test func followsGetResponseUntilTheLastPart() async throws {
        let channel = ScriptedChannel([
            .init("80CA9F7F00", "6105"),
            .init("00C0000005", "01020304056103"),
            .init("00C0000003", "0607089000"),
        ])
        let outcome = try await ProbeRunner().run(script(("cplc", "80CA9F7F00", true)), over: channel)
        #expect(outcome.answers.answers == [ProbeAnswer(purpose: "cplc", response: "01020304050607089000")])
        #expect(outcome.apduCount == 3)
        #expect(outcome.stoppedAt == nil)
        #expect(channel.isFinished)
    }

    @Test func resendsWithTheLengthA6CAnswerGives() async throws {
        let channel = ScriptedChannel([
            .init("80CA006600", "6C03"),
            .init("80CA006603", "AABBCC9000"),
        ])
        let exchanges = Mutex<[CardExchange]>([])
        let outcome = try await ProbeRunner().run(script(("card-data", "80CA006600", false)), over: channel) {
            exchange in
            exchanges.withLock { $0.append(exchange) }
        }
        #expect(outcome.answers.answers.first?.response == "AABBCC9000")
        #expect(outcome.apduCount == 2)
        #expect(exchanges.withLock { $0.map(\.kind) } == [.original, .resend])
        #expect(exchanges.withLock { $0.map(\.purpose) } == ["card-data", "card-data"])
    }

    @Test func resendsOnlyOnceWhenTheCardRepeats6C() async throws {
        let channel = ScriptedChannel([
            .init("80CA004200", "6C03"),
            .init("80CA004203", "6C04"),
        ])
        let outcome = try await ProbeRunner().run(script(("iin", "80CA004200", true)), over: channel)
        #expect(outcome.answers.answers.first?.response == "6C04")
        #expect(outcome.stoppedAt == 0)
        #expect(channel.commands.count == 2)
    }

    @Test func failedRequiredCommandEndsTheProbeWithItsAnswer() async throws {
        let channel = ScriptedChannel([
            .init("00A4040000", "9000"),
            .init("8050000008112233445566778800", "6A88"),
        ])
        let outcome = try await ProbeRunner().run(
            script(
                ("select-isd", "00A4040000", true),
                ("initialize-update", "8050000008112233445566778800", true),
                ("never", "80CA004500", false)
            ),
            over: channel
        )
        #expect(outcome.stoppedAt == 1)
        #expect(outcome.answers.answers.map(\.response) == ["9000", "6A88"])
        #expect(channel.commands.count == 2)
    }

    @Test func failedOptionalCommandDoesNotEndTheProbe() async throws {
        let channel = ScriptedChannel([
            .init("80CA00E000", "6A88"),
            .init("80CA004500", "6D00"),
            .init("00A4040000", "9000"),
        ])
        let outcome = try await ProbeRunner().run(
            script(
                ("key-information", "80CA00E000", false),
                ("cin", "80CA004500", false),
                ("select-isd", "00A4040000", true)
            ),
            over: channel
        )
        #expect(outcome.stoppedAt == nil)
        #expect(outcome.answers.answers.map(\.response) == ["6A88", "6D00", "9000"])
    }

    @Test func commandThatIsNotAnAPDUStopsBeforeItIsSent() async throws {
        let channel = ScriptedChannel([.init("00A4040000", "9000")])
        let error = try await #require(throws: ProbeError.self) {
            try await ProbeRunner().run(
                script(("select-isd", "00A4040000", true), ("bad", "80CA00", false)),
                over: channel
            )
        }
        #expect(error.code == .malformedCommand)
        #expect(error.commandIndex == 1)
        #expect(error.answers.answers.count == 1)
        #expect(channel.commands.count == 1)
    }

    @Test func cardRemovedDuringTheProbeKeepsTheEarlierAnswers() async throws {
        let channel = ScriptedChannel([.init("00A4040000", "9000")], failAt: 1)
        let error = try await #require(throws: ProbeError.self) {
            try await ProbeRunner().run(
                script(("select-isd", "00A4040000", true), ("cplc", "80CA9F7F00", false)),
                over: channel
            )
        }
        #expect(error.code == .transportFailed)
        #expect(error.transportError?.code == .cardRemoved)
        #expect(error.commandIndex == 1)
        #expect(error.purpose == "cplc")
        #expect(error.answers.answers.map(\.purpose) == ["select-isd"])
    }

    @Test func probeOfTheSimulatedCardReadsItsIdentificationAndOpensAuthentication() async throws {
        let card = try Fixture.card()
        let hostChallenge: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let outcome = try await ProbeRunner().run(
            FakeInstallServer.probe(hostChallenge: hostChallenge),
            over: SimulatedCardChannel(card: card)
        )
        #expect(outcome.stoppedAt == nil)
        let answers = Dictionary(uniqueKeysWithValues: outcome.answers.answers.map { ($0.purpose, $0.response) })
        #expect(answers["select-isd"]?.hasSuffix("9000") == true)
        #expect(answers["select-isd"]?.contains("A000000151000000") == true)
        #expect(answers["cplc"]?.hasPrefix("9F7F2A4790") == true)
        #expect(answers["iin"] == "4201999000")
        let initializeUpdate = try #require(answers["initialize-update"].flatMap { Hex.bytes($0) })
        #expect(initializeUpdate.count == 32 + 2)
        #expect(Array(initializeUpdate.prefix(10)) == [0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])
        #expect(initializeUpdate.suffix(2).elementsEqual([0x90, 0x00]))

        let check = ProbeSessionCheck.from(
            FakeInstallServer.probe(hostChallenge: hostChallenge).commands.enumerated().map { index, command in
                (Hex.bytes(command.apdu) ?? [], Hex.bytes(outcome.answers.answers[index].response) ?? [])
            }
        )
        #expect(check.initializeUpdateResponse == Array(initializeUpdate.dropLast(2)))
        #expect(check.cardIdentity?.kdd == Array(initializeUpdate.prefix(10)))
    }
}
