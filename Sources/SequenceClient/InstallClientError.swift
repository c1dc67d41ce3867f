public import SequenceProtocol

/// An error from one exchange with the install server: the server's own error answer, or the
/// network that did not carry the exchange.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made error. A server
/// error keeps the HTTP status, the protocol's reason code and the server's message; a network
/// error says which kind (refused, TLS, timeout, lost) and never holds request or response bodies.
public struct InstallClientError: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, as a stable code.
    ///
    /// A struct with static members rather than an enum, so new codes do not break callers' switches.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// The server answered with an error status and an ``ErrorBody``: see
        /// ``InstallClientError/httpStatus`` and ``InstallClientError/reasonCode``.
        public static let server = Code("server")
        /// Nothing listens at the server's address, or the name does not resolve.
        public static let connectionRefused = Code("connectionRefused")
        /// The TLS handshake failed: the server's certificate is not trusted, names another host,
        /// or the two sides share no protocol.
        public static let tlsFailure = Code("tlsFailure")
        /// The server did not answer in time.
        public static let timeout = Code("timeout")
        /// The connection broke while the exchange was under way.
        public static let connectionLost = Code("connectionLost")
        /// The server's answer is not the message the protocol defines for this exchange.
        public static let malformedResponse = Code("malformedResponse")
        /// The client is set up wrongly: a bad URL, or an unreadable certificate.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The task was cancelled during the exchange.
        public static let cancelled = Code("cancelled")

        /// The code's name.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// The HTTP status of a ``Code/server`` error, or of a malformed answer.
    public var httpStatus: Int?
    /// The server's reason code from its ``ErrorBody``, such as `unknown-application`.
    public var reasonCode: String?
    /// The server's message from its ``ErrorBody``, for people.
    public var serverMessage: String?
    /// Why, in words; never request or response bodies.
    private var reason: String
    /// Where the error was made, as `#fileID:#line`.
    private var location: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - reason: Why, in words; never request or response bodies.
    ///   - httpStatus: The HTTP status, when the server answered.
    ///   - reasonCode: The server's reason code, when it sent an ``ErrorBody``.
    ///   - serverMessage: The server's message, when it sent an ``ErrorBody``.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    public init(
        code: Code,
        reason: String,
        httpStatus: Int? = nil,
        reasonCode: String? = nil,
        serverMessage: String? = nil,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.httpStatus = httpStatus
        self.reasonCode = reasonCode
        self.serverMessage = serverMessage
        self.location = "\(file):\(line)"
    }

    /// The protocol's reason code, when the server sent one this client knows.
    public var errorCode: ErrorCode? {
        reasonCode.flatMap(ErrorCode.init(rawValue:))
    }

    /// Whether the network failed (refused, TLS, timeout, lost), as opposed to the server answering.
    public var isNetworkFailure: Bool {
        [.connectionRefused, .tlsFailure, .timeout, .connectionLost].contains(code)
    }

    /// Why, in words, without the code.
    public var reasonText: String { reason }

    /// A message such as `server error 404 unknown-application: no application 'bank' in the catalogue`.
    public var description: String {
        switch code {
        case .server:
            var text = "server error \(httpStatus.map(String.init) ?? "?")"
            if let reasonCode { text += " \(reasonCode)" }
            return text + ": " + (serverMessage ?? reason)
        case .connectionRefused: return "cannot reach the server: \(reason)"
        case .tlsFailure: return "TLS failure: \(reason)"
        case .timeout: return "the server did not answer in time: \(reason)"
        case .connectionLost: return "lost the connection to the server: \(reason)"
        case .malformedResponse: return "malformed answer from the server: \(reason)"
        case .invalidConfiguration: return "client configuration: \(reason)"
        case .cancelled: return "cancelled: \(reason)"
        default: return "\(code): \(reason)"
        }
    }

    /// The message with the code and the source location that made the error.
    public var debugDescription: String {
        "InstallClientError.\(code): \(description) (\(location))"
    }

    /// Compares the codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension InstallClientError {
    /// A server error from its HTTP status and error body.
    ///
    /// - Parameters:
    ///   - httpStatus: The HTTP status.
    ///   - body: The decoded error body.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    /// - Returns: A ``Code/server`` error with the status, reason code and message.
    @inline(never)
    public static func server(
        httpStatus: Int,
        body: ErrorBody,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        Self(
            code: .server,
            reason: body.error.message,
            httpStatus: httpStatus,
            reasonCode: body.error.code,
            serverMessage: body.error.message,
            file: file,
            line: line
        )
    }

    /// A server error for a protocol reason code, with the code's own HTTP status.
    ///
    /// - Parameters:
    ///   - errorCode: The reason code.
    ///   - message: The server's message.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    /// - Returns: A ``Code/server`` error.
    @inline(never)
    public static func server(
        _ errorCode: ErrorCode,
        message: String,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        server(
            httpStatus: errorCode.httpStatus,
            body: ErrorBody(code: errorCode.rawValue, message: message),
            file: file,
            line: line
        )
    }

    @inline(never)
    static func malformedResponse(
        _ reason: String,
        httpStatus: Int? = nil,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        Self(code: .malformedResponse, reason: reason, httpStatus: httpStatus, file: file, line: line)
    }

    @inline(never)
    static func invalidConfiguration(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidConfiguration, reason: reason, file: file, line: line)
    }
}
