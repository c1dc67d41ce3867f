import BundleFormat
import KeyStore
import SequencePlayer
import SequenceProtocol
import SequenceServer
import SequenceTestSupport
import Testing

/// With R-MAC in the key set's level, the server checks every response of the receipt against the
/// card's keys: a receipt whose responses the card did not send is refused.
struct ResponseMACTests {
    /// The test card's key set at C-MAC + R-MAC (`11`).
    static func responseMACKeys() throws -> KeyFile {
        try KeyFile(
            text: """
                key-sets:
                  - name: gp-test-rmac
                    match: { isd-aid: A000000151000000 }
                    scp: scp03
                    security-level: mac+rmac
                    key-version: 0x30
                    diversification: none
                    keys: { algorithm: aes, key: 404142434445464748494A4B4C4D4E4F }
                """,
            path: "rmac-keys.yaml"
        )
    }

    @Test func installsWithEveryResponseMACVerified() async throws {
        let keys = try Self.responseMACKeys()
        let harness = try ServerHarness.make(keys: keys)
        let channel = try TestCards.channel(keys: keys)
        let run = try await harness.withClient { client in
            try await InstallRun.perform("brokerage", on: channel, client: client, service: harness.service)
        }
        #expect(run.result?.status == "installed")
        #expect(run.result?.message.contains("R-MAC verified") == true, "\(run.result?.message ?? "")")
        #expect(run.bundle?.payload.secureChannel.securityLevel?.rawValue == 0x11)
        // The card appended an R-MAC to its responses: the LOAD blocks answered with 8 bytes of MAC.
        let responses = try #require(run.receipt?.commands)
        #expect(responses.dropFirst(4).first.map { $0.response.count == 16 } == true)
    }

    @Test func aReceiptWithAnAlteredResponseIsRefused() async throws {
        let keys = try Self.responseMACKeys()
        let harness = try ServerHarness.make(keys: keys)
        let channel = try TestCards.channel(keys: keys)
        try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            let answer = try await client.post("/v1/installs/\(probe.session)/answers", answers)
            let step = try answer.decode(InstallStep.self)
            let text = try #require(step.bundle)
            let receipt = try await TestCards.player(harness.service).play(bytes: Array(text.utf8), over: channel)
            for index in [4, 20] {
                var forged = receipt
                var response = Array(forged.commands[index].response)
                response[response.count - 1] = response[response.count - 1] == "0" ? "1" : "0"
                forged.commands[index].response = String(response)
                let refused = try await client.post("/v1/installs/\(probe.session)/receipt", forged)
                #expect(refused.status == 422)
                let body = try refused.decode(ErrorBody.self)
                #expect(body.error.code == ErrorCode.receiptMismatch.rawValue)
                #expect(body.error.message.hasPrefix("command \(index):"), "\(body.error.message)")
            }
            // The receipt the card's answers make is still taken.
            let accepted = try await client.post("/v1/installs/\(probe.session)/receipt", receipt)
            #expect(accepted.status == 200)
            #expect(try accepted.decode(InstallResult.self).status == "installed")
        }
    }
}
