public import SequenceProtocol

/// An error the server answers a request with: a protocol reason code, its HTTP status and a message.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made error. The
/// message is for people and is sent to the client: it never holds key bytes, cryptograms or
/// MAC inputs.
public struct ServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The reason code of the protocol, which also decides the HTTP status.
    public var code: ErrorCode
    /// What happened, for people.
    public var message: String
    /// Where the error was made, as `#fileID:#line`.
    private var location: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The protocol's reason code.
    ///   - message: What happened; never key material.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    public init(_ code: ErrorCode, _ message: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.location = "\(file):\(line)"
    }

    /// The HTTP status of ``code``.
    public var httpStatus: Int { code.httpStatus }

    /// The JSON body sent with the status.
    public var body: ErrorBody { ErrorBody(code: code.rawValue, message: message) }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }

    /// The message with the code and the source location, for the server's own log.
    public var debugDescription: String { "ServerError.\(code.rawValue): \(message) (\(location))" }

    /// Compares the codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension ServerError {
    @inline(never)
    static func malformed(_ message: String, file: String = #fileID, line: UInt = #line) -> ServerError {
        ServerError(.malformedRequest, message, file: file, line: line)
    }

    @inline(never)
    static func tooLarge(file: String = #fileID, line: UInt = #line) -> ServerError {
        ServerError(
            .requestTooLarge,
            "the request body is larger than \(SequenceProtocol.maximumRequestSize) bytes",
            file: file,
            line: line
        )
    }

    @inline(never)
    static func unknownSession(_ id: String, file: String = #fileID, line: UInt = #line) -> ServerError {
        ServerError(.unknownSession, "no session '\(id.prefix(64))'", file: file, line: line)
    }

    @inline(never)
    static func internalError(_ message: String, file: String = #fileID, line: UInt = #line) -> ServerError {
        ServerError(.internalError, message, file: file, line: line)
    }
}
