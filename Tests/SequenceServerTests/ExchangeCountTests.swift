import APDUTypes
import BundleFormat
import CardSimulator
import SequenceCompiler
import SequencePlayer
import SequenceProtocol
import SequenceServer
import Testing

/// The seed's point: the number of HTTP exchanges of an install does not depend on its size.
@Suite
struct ExchangeCountTests {
    /// A script of `count` GET DATA commands, each secured like any install command.
    static func entry(commands count: Int) throws -> Catalogue.Entry {
        var text = """
            name: reads-\(count)
            version: 1.0.0
            profiles: [globalplatform]
            steps:

            """
        for index in 0..<count {
            text += "  - name: read \(index)\n    apdu: 80 CA 00 66 00\n"
        }
        let source = SourceFile(path: "reads-\(count).yaml", text: text)
        return try Catalogue.Entry(prepared: Compiler.prepare(source, loader: InMemoryResourceLoader(files: [:])))
    }

    @Test(arguments: [10, 500])
    func bundleInstallTakesThreeExchanges(commands: Int) async throws {
        let harness = try ServerHarness.make(catalogue: Catalogue(entries: [Self.entry(commands: commands)]))
        let channel = try TestCards.channel()
        let (run, requests) = try await harness.withClient { client in
            let run = try await InstallRun.perform(
                "reads-\(commands)",
                on: channel,
                client: client,
                service: harness.service
            )
            return (run, client.requests)
        }
        #expect(requests == 3)
        #expect(run.result?.status == "installed")
        // EXTERNAL AUTHENTICATE and the script's commands, every one accepted by the card.
        #expect(run.bundle?.payload.commands.count == commands + 1)
        #expect(run.receipt?.outcome.commandsRun == commands + 1)
    }

    @Test func relayInstallTakesOneExchangePerCommand() async throws {
        let harness = try ServerHarness.make(catalogue: Catalogue(entries: [Self.entry(commands: 10)]))
        let channel = try TestCards.channel()
        let requests = try await harness.withClient { client in
            let probe = try await client.start("reads-10", mode: .relay)
            let answers = try await TestCards.run(probe.probe, on: channel)
            _ = try await client.post("/v1/installs/\(probe.session)/answers", answers)
            var response: String?
            while true {
                let command = try await client.post(
                    "/v1/installs/\(probe.session)/relay",
                    RelayExchange(response: response)
                )
                .decode(RelayCommand.self)
                guard let apdu = command.apdu else { break }
                response = Hex.string(
                    try await channel.transmit(CommandAPDU(bytes: try #require(Hex.bytes(apdu)))).bytes
                )
            }
            return client.requests
        }
        // Start, answers, 11 commands, and the exchange that reports the last answer.
        #expect(requests == 2 + 11 + 1)
    }
}
