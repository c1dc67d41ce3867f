import APDUTypes
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
public import SequencePlayer
public import SequenceProtocol

/// The install protocol over HTTPS to `seqd`, with AsyncHTTPClient.
///
/// Every call is one `POST` with a JSON body (``SequenceProtocol``'s messages) and a deadline.
/// A `2xx` answer is decoded as the message the URL promises; any other status is decoded as an
/// ``ErrorBody`` and thrown as a ``InstallClientError/Code/server`` error with its HTTP status,
/// reason code and message. Network failures are told apart: nothing listening, TLS, timeout,
/// a connection that broke. The server's certificate is always verified, against the system's
/// roots or against the certificates the caller pins (``ServerTrust/certificates(pem:)``), and
/// its name must match the URL's host.
///
/// Call ``shutdown()`` when done.
public final class InstallClient: InstallTransport {
    /// Which certificates the client trusts for the server.
    public enum ServerTrust: Sendable, Hashable {
        /// The operating system's root certificates.
        case systemRoots
        /// Only these certificates, PEM text: a private CA, or the server's own self-signed
        /// certificate. The server's certificate must chain to one of them and name the URL's host.
        case certificates(pem: String)
    }

    /// Where the server is, whom to trust and how long to wait.
    public struct Configuration: Sendable {
        /// The server's base URL, such as `https://localhost:8443`; the `/v1/...` paths go after it.
        public var serverURL: String
        /// Which certificates to trust for the server.
        public var trust: ServerTrust
        /// How long to wait for a connection (TCP and TLS).
        public var connectTimeout: Duration
        /// How long one exchange may take, from sending the request to the whole answer; the
        /// answers exchange compiles and signs the install, so this is generous.
        public var requestTimeout: Duration
        /// Whether an `http://` URL is accepted: for tests on loopback only, never for a real server.
        public var allowsPlainHTTP: Bool
        /// The largest answer read, in bytes.
        public var maximumResponseSize: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - serverURL: The server's base URL (`https://host:port`).
        ///   - trust: Which certificates to trust; the system's roots by default.
        ///   - connectTimeout: How long to wait for a connection; 10 s by default.
        ///   - requestTimeout: How long one exchange may take; 60 s by default.
        ///   - allowsPlainHTTP: Whether `http://` is accepted (tests only); off by default.
        ///   - maximumResponseSize: The largest answer read; 32 MiB by default.
        public init(
            serverURL: String,
            trust: ServerTrust = .systemRoots,
            connectTimeout: Duration = .seconds(10),
            requestTimeout: Duration = .seconds(60),
            allowsPlainHTTP: Bool = false,
            maximumResponseSize: Int = 32 << 20
        ) {
            self.serverURL = serverURL
            self.trust = trust
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.allowsPlainHTTP = allowsPlainHTTP
            self.maximumResponseSize = maximumResponseSize
        }
    }

    /// The configuration the client was made with.
    public let configuration: Configuration
    private let baseURL: String
    private let http: HTTPClient

    /// Creates a client; no connection is made until the first exchange.
    ///
    /// - Parameter configuration: The server, the trust and the timeouts.
    /// - Throws: ``InstallClientError/Code/invalidConfiguration`` for a URL that is not
    ///   `https://host[:port][/path]` (or `http://` when allowed), or pinned certificates that do not parse.
    public init(configuration: Configuration) throws(InstallClientError) {
        self.configuration = configuration
        self.baseURL = try Self.baseURL(configuration)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        switch configuration.trust {
        case .systemRoots:
            tls.trustRoots = .default
        case .certificates(let pem):
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
            } catch {
                throw .invalidConfiguration("the pinned server certificate is not PEM: \(error)")
            }
            guard !certificates.isEmpty else {
                throw .invalidConfiguration("the pinned server certificate file holds no certificate")
            }
            tls.trustRoots = .certificates(certificates)
        }
        var httpConfiguration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(
                connect: Self.timeAmount(configuration.connectTimeout),
                read: Self.timeAmount(configuration.requestTimeout)
            )
        )
        // A refused connection or a failed handshake is reported at once, not retried until the deadline.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
    }

    /// Closes the connections; the client cannot be used afterwards.
    ///
    /// Every client must be shut down before it is released; ``withClient(configuration:_:)`` does it.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// Makes a client, runs `body` with it and shuts it down, also when `body` throws.
    ///
    /// - Parameters:
    ///   - configuration: The server, the trust and the timeouts.
    ///   - body: What to do with the client.
    /// - Returns: What `body` returns.
    /// - Throws: ``InstallClientError/Code/invalidConfiguration`` from ``init(configuration:)``, or what `body` throws.
    public static func withClient<Result: Sendable>(
        configuration: Configuration,
        _ body: (InstallClient) async throws -> Result
    ) async throws -> Result {
        let client = try InstallClient(configuration: configuration)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// `POST /v1/installs`.
    public func start(
        application: String,
        mode: InstallMode,
        answerToReset: [UInt8]?
    ) async throws(InstallClientError) -> ProbeResponse {
        let request = InstallRequest(
            application: application,
            mode: mode,
            answerToReset: answerToReset.map(Hex.string)
        )
        return try await post("/v1/installs", request, expecting: ProbeResponse.self)
    }

    /// `POST /v1/installs/{session}/answers`.
    public func answers(session: String, _ answers: ProbeAnswers) async throws(InstallClientError) -> InstallStep {
        try await post(try Self.sessionPath(session, "answers"), answers, expecting: InstallStep.self)
    }

    /// `POST /v1/installs/{session}/relay`.
    public func relay(session: String, response: [UInt8]?) async throws(InstallClientError) -> RelayCommand {
        try await post(
            try Self.sessionPath(session, "relay"),
            RelayExchange(response: response.map(Hex.string)),
            expecting: RelayCommand.self
        )
    }

    /// `POST /v1/installs/{session}/receipt`.
    public func receipt(session: String, _ receipt: Receipt) async throws(InstallClientError) -> InstallResult {
        try await post(try Self.sessionPath(session, "receipt"), receipt, expecting: InstallResult.self)
    }

    // MARK: - One exchange

    private func post<Body: Encodable, Answer: Decodable>(
        _ path: String,
        _ body: Body,
        expecting: Answer.Type
    ) async throws(InstallClientError) -> Answer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes: Data
        do {
            bytes = try encoder.encode(body)
        } catch {
            throw .invalidConfiguration("the request for \(path) could not be encoded: \(error)")
        }
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: SequenceProtocol.mediaType)
        request.headers.add(name: "Accept", value: SequenceProtocol.mediaType)
        request.body = .bytes(Array(bytes))

        let status: Int
        let answer: [UInt8]
        do {
            let response = try await http.execute(request, timeout: Self.timeAmount(configuration.requestTimeout))
            status = Int(response.status.code)
            let buffer = try await response.body.collect(upTo: configuration.maximumResponseSize)
            answer = Array(buffer.readableBytesView)
        } catch {
            throw Self.classify(error, path: path, configuration: configuration)
        }
        return try Self.decode(status: status, body: answer, path: path, expecting: Answer.self)
    }

    /// Decodes a `2xx` answer as the expected message, anything else as an ``ErrorBody``.
    static func decode<Answer: Decodable>(
        status: Int,
        body: [UInt8],
        path: String,
        expecting: Answer.Type
    ) throws(InstallClientError) -> Answer {
        let decoder = JSONDecoder()
        guard (200..<300).contains(status) else {
            if let error = try? decoder.decode(ErrorBody.self, from: Data(body)) {
                throw .server(httpStatus: status, body: error)
            }
            throw InstallClientError(
                code: .server,
                reason: "HTTP \(status) without an error body from \(path)",
                httpStatus: status
            )
        }
        do {
            return try decoder.decode(Answer.self, from: Data(body))
        } catch {
            throw .malformedResponse(
                "the answer to \(path) (HTTP \(status), \(body.count) bytes) is not a \(Answer.self) message",
                httpStatus: status
            )
        }
    }

    /// Sorts a failure of AsyncHTTPClient, NIO or NIOSSL into the client's codes.
    static func classify(_ error: any Error, path: String, configuration: Configuration) -> InstallClientError {
        if let error = error as? InstallClientError { return error }
        if error is CancellationError {
            return InstallClientError(code: .cancelled, reason: "the exchange \(path) was cancelled")
        }
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            return InstallClientError(
                code: .tlsFailure,
                reason: "the TLS handshake with \(configuration.serverURL) failed (\(error)); "
                    + "the server's certificate must chain to a trusted root"
                    + (configuration.trust == .systemRoots ? "" : " (the pinned certificate)")
                    + " and name the URL's host"
            )
        }
        if error is NIOTooManyBytesError {
            return .malformedResponse("the answer to \(path) is larger than \(configuration.maximumResponseSize) bytes")
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout:
                return InstallClientError(
                    code: .timeout,
                    reason: "no connection to \(configuration.serverURL) within \(configuration.connectTimeout)"
                )
            case .readTimeout, .deadlineExceeded, .getConnectionFromPoolTimeout, .writeTimeout:
                return InstallClientError(
                    code: .timeout,
                    reason: "no answer to \(path) within \(configuration.requestTimeout)"
                )
            case .tlsHandshakeTimeout:
                return InstallClientError(
                    code: .timeout,
                    reason: "the TLS handshake with \(configuration.serverURL) did not finish in time"
                )
            case .remoteConnectionClosed:
                return InstallClientError(
                    code: .connectionLost,
                    reason: "the server closed the connection during \(path)"
                )
            case .cancelled:
                return InstallClientError(code: .cancelled, reason: "the exchange \(path) was cancelled")
            case .invalidURL, .emptyHost, .emptyScheme:
                return .invalidConfiguration("the server URL \(configuration.serverURL) is not usable (\(error))")
            default:
                return InstallClientError(code: .connectionLost, reason: "\(path) failed: \(error)")
            }
        }
        let typeName = String(reflecting: type(of: error))
        if typeName.hasSuffix("NIOConnectionError") || typeName.hasSuffix("ConnectionRefused") {
            return InstallClientError(
                code: .connectionRefused,
                reason: "nothing accepts connections at \(configuration.serverURL) (\(error))"
            )
        }
        if let io = error as? IOError {
            if io.errnoCode == ECONNREFUSED || io.errnoCode == EHOSTUNREACH || io.errnoCode == ENETUNREACH {
                return InstallClientError(
                    code: .connectionRefused,
                    reason: "nothing accepts connections at \(configuration.serverURL) (\(io))"
                )
            }
            return InstallClientError(code: .connectionLost, reason: "\(path) failed: \(io)")
        }
        if let channelError = error as? ChannelError {
            if case .connectTimeout = channelError {
                return InstallClientError(
                    code: .timeout,
                    reason: "no connection to \(configuration.serverURL) within \(configuration.connectTimeout)"
                )
            }
            return InstallClientError(code: .connectionLost, reason: "\(path) failed: \(channelError)")
        }
        return InstallClientError(code: .connectionLost, reason: "\(path) failed: \(error)")
    }

    // MARK: - URLs

    /// The base URL without a trailing slash, after checking its scheme and host.
    static func baseURL(_ configuration: Configuration) throws(InstallClientError) -> String {
        var text = configuration.serverURL.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw .invalidConfiguration("the server URL '\(configuration.serverURL)' is not like https://host:port")
        }
        switch scheme {
        case "https":
            break
        case "http" where configuration.allowsPlainHTTP:
            break
        case "http":
            throw .invalidConfiguration(
                "the server URL '\(configuration.serverURL)' is plain HTTP; the install protocol runs over HTTPS only"
            )
        default:
            throw .invalidConfiguration("the server URL '\(configuration.serverURL)' must start with https://")
        }
        guard components.query == nil, components.fragment == nil, components.user == nil else {
            throw .invalidConfiguration(
                "the server URL '\(configuration.serverURL)' must not have a query, fragment or user"
            )
        }
        return text
    }

    /// `/v1/installs/{session}/{action}`, after checking that the session id is a plain token.
    static func sessionPath(_ session: String, _ action: String) throws(InstallClientError) -> String {
        let allowed = session.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == 0x2D
        }
        guard allowed, (1...128).contains(session.utf8.count) else {
            throw .malformedResponse("the server's session id is not a plain token of letters, digits and '-'")
        }
        return "/v1/installs/\(session)/\(action)"
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
