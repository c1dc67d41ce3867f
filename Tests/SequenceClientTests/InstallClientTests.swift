import SequenceProtocol
import Testing

@testable import SequenceClient

/// The HTTPS client's decoding of answers, its URL checks and its sorting of network failures.
struct InstallClientTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func decodesTheExpectedMessageFromA2xxAnswer() throws {
        let step = try InstallClient.decode(
            status: 200,
            body: bytes(#"{"kind":"already-installed","message":"brokerage 2.1.0"}"#),
            path: "/v1/installs/AB/answers",
            expecting: InstallStep.self
        )
        #expect(step == InstallStep(kind: .alreadyInstalled, message: "brokerage 2.1.0"))
    }

    @Test func errorBodyBecomesAServerErrorWithStatusCodeAndMessage() {
        let error = #expect(throws: InstallClientError.self) {
            try InstallClient.decode(
                status: 410,
                body: bytes(#"{"error":{"code":"session-expired","message":"the session expired at 12:00"}}"#),
                path: "/v1/installs/AB/answers",
                expecting: InstallStep.self
            )
        }
        #expect(error?.code == .server)
        #expect(error?.httpStatus == 410)
        #expect(error?.reasonCode == "session-expired")
        #expect(error?.errorCode == .sessionExpired)
        #expect(error?.serverMessage == "the session expired at 12:00")
        #expect(error?.description == "server error 410 session-expired: the session expired at 12:00")
        #expect(error?.isNetworkFailure == false)
    }

    @Test func errorStatusWithoutAnErrorBodyIsStillAServerError() {
        let error = #expect(throws: InstallClientError.self) {
            try InstallClient.decode(
                status: 502,
                body: bytes("<html>bad gateway</html>"),
                path: "/v1/installs",
                expecting: ProbeResponse.self
            )
        }
        #expect(error?.code == .server)
        #expect(error?.httpStatus == 502)
        #expect(error?.reasonCode == nil)
    }

    @Test func answerThatIsNotTheMessageIsMalformed() {
        let error = #expect(throws: InstallClientError.self) {
            try InstallClient.decode(
                status: 201,
                body: bytes(#"{"session":1}"#),
                path: "/v1/installs",
                expecting: ProbeResponse.self
            )
        }
        #expect(error?.code == .malformedResponse)
        #expect(error?.httpStatus == 201)
    }

    @Test(arguments: [
        ("http://localhost:8443", false),
        ("ftp://localhost", false),
        ("localhost:8443", false),
        ("https://", false),
        ("https://localhost:8443/?x=1", false),
        ("https://localhost:8443", true),
        ("https://localhost:8443/", true),
        ("https://issuer.example/cardseq", true),
    ])
    func acceptsOnlyHTTPSURLs(url: String, accepted: Bool) {
        let result = Result { () throws(InstallClientError) in
            try InstallClient.baseURL(InstallClient.Configuration(serverURL: url))
        }
        switch result {
        case .success(let base): #expect(accepted && !base.hasSuffix("/"))
        case .failure(let error): #expect(!accepted && error.code == .invalidConfiguration)
        }
    }

    @Test func plainHTTPOnlyWhenAllowed() throws {
        let base = try InstallClient.baseURL(
            InstallClient.Configuration(serverURL: "http://127.0.0.1:8080/", allowsPlainHTTP: true)
        )
        #expect(base == "http://127.0.0.1:8080")
    }

    @Test func sessionIdMustBeAPlainToken() throws {
        #expect(try InstallClient.sessionPath("0A1B2C", "answers") == "/v1/installs/0A1B2C/answers")
        for bad in ["../admin", "a/b", "", "a b", "x?y=1"] {
            #expect(throws: InstallClientError.self) { try InstallClient.sessionPath(bad, "receipt") }
        }
    }

    @Test func pinnedCertificateMustBePEM() {
        let error = #expect(throws: InstallClientError.self) {
            try InstallClient(
                configuration: InstallClient.Configuration(
                    serverURL: "https://localhost:8443",
                    trust: .certificates(pem: "not a certificate")
                )
            )
        }
        #expect(error?.code == .invalidConfiguration)
    }

    @Test func nothingListeningIsConnectionRefused() async throws {
        // Port 1 on loopback: nothing listens there (tcpmux is never served here).
        let client = try InstallClient(
            configuration: InstallClient.Configuration(
                serverURL: "http://127.0.0.1:1",
                connectTimeout: .seconds(5),
                allowsPlainHTTP: true
            )
        )
        let error = await #expect(throws: InstallClientError.self) {
            try await client.start(application: "brokerage", mode: .bundle, answerToReset: nil)
        }
        await client.shutdown()
        #expect(error?.code == .connectionRefused)
        #expect(error?.isNetworkFailure == true)
    }
}
