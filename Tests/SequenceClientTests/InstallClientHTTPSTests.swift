import Foundation
import Hummingbird
import HummingbirdTLS
import HummingbirdTesting
import NIOCore
import NIOSSL
import SequenceClient
import SequencePlayer
import SequenceProtocol
import SequenceServer
import Testing

/// ``InstallClient`` over real HTTPS on loopback, against a small Hummingbird server with a
/// self-signed certificate, and with the one `seqd` makes for the demo.
struct InstallClientHTTPSTests {
    static let probe = ProbeResponse(
        session: "00112233445566778899AABBCCDDEEFF",
        expiresAt: "2099-01-01T00:00:00Z",
        probe: ProbeScript(commands: [ProbeCommand(purpose: "select-isd", apdu: "00A4040000")])
    )

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let data = (try? JSONEncoder().encode(value)) ?? Data()
        return Response(status: status, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A server with the protocol's URLs: a probe for the start, errors and a slow answer elsewhere.
    static func withServer(
        certificatePEM: String = TestCertificates.pinnedCertificate,
        privateKeyPEM: String = TestCertificates.pinnedKey,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let router = Router()
        router.post("/v1/installs") { _, _ -> Response in
            json(probe, status: .created)
        }
        router.post("/v1/installs/:session/answers") { _, _ -> Response in
            json(
                ErrorBody(code: ErrorCode.sessionExpired.rawValue, message: "the session expired"),
                status: .gone
            )
        }
        router.post("/v1/installs/:session/receipt") { _, _ -> Response in
            try await Task.sleep(for: .seconds(3))
            return json(InstallResult(status: "installed", message: "late"), status: .ok)
        }
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [
                .certificate(try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem))
            ],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem))
        )
        let app = Application(
            router: router,
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
        )
        try await app.test(.ahc(.https)) { client in
            try await body(try #require(client.port))
        }
    }

    func withClient<Result: Sendable>(
        port: Int,
        host: String = "localhost",
        trust: InstallClient.ServerTrust,
        _ body: (InstallClient) async throws -> Result
    ) async throws -> Result {
        try await InstallClient.withClient(
            configuration: InstallClient.Configuration(
                serverURL: "https://\(host):\(port)",
                trust: trust,
                connectTimeout: .seconds(5),
                requestTimeout: .seconds(1)
            ),
            body
        )
    }

    /// The error of one exchange, or `nil` when it succeeded.
    func failure(_ body: () async throws(InstallClientError) -> Void) async -> InstallClientError? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test func pinnedSelfSignedCertificateIsTrustedByNameAndAddress() async throws {
        try await Self.withServer { port in
            for host in ["localhost", "127.0.0.1"] {
                let started = try await withClient(
                    port: port,
                    host: host,
                    trust: .certificates(pem: TestCertificates.pinnedCertificate)
                ) {
                    try await $0.start(application: "brokerage", mode: .bundle, answerToReset: [0x3B])
                }
                #expect(started == Self.probe)
            }
        }
    }

    @Test func serverErrorArrivesWithItsStatusAndCode() async throws {
        try await Self.withServer { port in
            let error = try await withClient(port: port, trust: .certificates(pem: TestCertificates.pinnedCertificate))
            {
                client in
                await failure { () throws(InstallClientError) in
                    _ = try await client.answers(session: Self.probe.session, ProbeAnswers(answers: []))
                }
            }
            #expect(error?.code == .server)
            #expect(error?.httpStatus == 410)
            #expect(error?.errorCode == .sessionExpired)
            #expect(error?.serverMessage == "the session expired")
        }
    }

    @Test func selfSignedCertificateIsRefusedWithoutThePin() async throws {
        try await Self.withServer { port in
            let error = try await withClient(port: port, trust: .systemRoots) { client in
                await failure { () throws(InstallClientError) in
                    _ = try await client.start(application: "brokerage", mode: .bundle, answerToReset: nil)
                }
            }
            #expect(error?.code == .tlsFailure)
        }
    }

    @Test func anotherPinnedCertificateIsRefused() async throws {
        try await Self.withServer { port in
            let error = try await withClient(port: port, trust: .certificates(pem: TestCertificates.otherCertificate)) {
                client in
                await failure { () throws(InstallClientError) in
                    _ = try await client.start(application: "brokerage", mode: .bundle, answerToReset: nil)
                }
            }
            #expect(error?.code == .tlsFailure)
            #expect(error?.isNetworkFailure == true)
        }
    }

    @Test func slowAnswerIsATimeout() async throws {
        try await Self.withServer { port in
            let error = try await withClient(port: port, trust: .certificates(pem: TestCertificates.pinnedCertificate))
            {
                client in
                await failure { () throws(InstallClientError) in
                    _ = try await client.receipt(
                        session: Self.probe.session,
                        Receipt(
                            bundle: Receipt.BundleReference(
                                id: "00",
                                digest: "sha256:00",
                                sequence: "s",
                                version: "1",
                                commandCount: 0
                            ),
                            answerToReset: "",
                            startedAt: "2027-01-01T00:00:00Z",
                            durationMicroseconds: 0,
                            opening: [],
                            commands: [],
                            outcome: Receipt.Outcome(status: .completed, commandsRun: 0)
                        )
                    )
                }
            }
            #expect(error?.code == .timeout)
        }
    }

    /// The certificate `seqd serve --self-signed` makes must work as the pinned certificate of
    /// `seqplay install --server-certificate`: BoringSSL takes a self-signed certificate as its
    /// own trust anchor only when its key usage includes `keyCertSign`.
    @Test func seqdSelfSignedCertificateCanBePinned() async throws {
        let certificate = try SelfSignedCertificate.make()
        try await Self.withServer(certificatePEM: certificate.certificatePEM, privateKeyPEM: certificate.privateKeyPEM)
        {
            port in
            let started = try await withClient(port: port, trust: .certificates(pem: certificate.certificatePEM)) {
                try await $0.start(application: "brokerage", mode: .bundle, answerToReset: nil)
            }
            #expect(started == Self.probe)
        }
    }
}
