import BundleFormat
import CardSimulator
import Foundation
import Hummingbird
import HummingbirdTesting
import SequenceClient
import SequenceProtocol
import SequenceServer
import Testing

/// `SequenceClient` against the server on a real socket, over TLS with a self-signed certificate.
@Suite
struct LiveInstallTests {
    @Test func clientInstallsOverTLS() async throws {
        let harness = try ServerHarness.make()
        let certificate = try SelfSignedCertificate.make()
        let application = try buildApplication(
            service: harness.service,
            configuration: ServerConfiguration(
                host: "127.0.0.1",
                port: 0,
                transport: .https(
                    certificateChainPEM: certificate.certificatePEM,
                    privateKeyPEM: certificate.privateKeyPEM
                )
            )
        )
        let channel = try TestCards.channel()
        let outcome = try await application.test(.live) { client in
            let port = try #require(client.port)
            return try await InstallClient.withClient(
                configuration: InstallClient.Configuration(
                    serverURL: "https://127.0.0.1:\(port)",
                    trust: .certificates(pem: certificate.certificatePEM)
                )
            ) { transport in
                try await NetworkedInstall(transport: transport, trustedKeys: [harness.service.signingKey])
                    .run(application: "brokerage", over: channel)
            }
        }
        #expect(outcome.status == .installed)
        #expect(try TestCards.hasApplication(channel, InstallFlowTests.brokerageInstance))
        #expect(try await harness.service.registry.installs().map(\.state) == ["installed"])
    }
}

/// `SequenceClient` installs loyalty onto the file card over TLS: two probe rounds, four requests.
@Suite
struct LiveFileCardInstallTests {
    @Test func clientInstallsLoyaltyOverTLS() async throws {
        let harness = try ServerHarness.make()
        let certificate = try SelfSignedCertificate.make()
        let application = try buildApplication(
            service: harness.service,
            configuration: ServerConfiguration(
                host: "127.0.0.1",
                port: 0,
                transport: .https(
                    certificateChainPEM: certificate.certificatePEM,
                    privateKeyPEM: certificate.privateKeyPEM
                )
            )
        )
        let channel = try TestCards.channel(FileCardInstallTests.cardPath)
        let outcome = try await application.test(.live) { client in
            let port = try #require(client.port)
            return try await InstallClient.withClient(
                configuration: InstallClient.Configuration(
                    serverURL: "https://127.0.0.1:\(port)",
                    trust: .certificates(pem: certificate.certificatePEM)
                )
            ) { transport in
                try await NetworkedInstall(transport: transport, trustedKeys: [harness.service.signingKey])
                    .run(application: "loyalty", over: channel)
            }
        }
        #expect(outcome.status == .installed)
        #expect(outcome.exchanges == 4)
        #expect(outcome.probeRounds == 2)
        #expect(try await FileCardInstallTests.holderFile(channel).hasPrefix("5A086280123456789012"))
        #expect(try await harness.service.registry.installs().map(\.state) == ["installed"])
    }
}
