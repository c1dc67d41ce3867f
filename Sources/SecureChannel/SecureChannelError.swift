import CardCrypto

/// An error from the secure channel layer.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made error. The reason
/// names lengths, key versions, key check values and protocol options, never key bytes, MAC inputs or
/// cryptograms.
public struct SecureChannelError: Error, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of problem; new codes may be added, so switch over it with a `default`.
    public var code: Code

    /// What exactly is wrong, in lower case; never key bytes or MAC inputs.
    private var reason: String

    /// Where the error was made, as `#fileID:#line`.
    private var location: String

    /// Creates an error with a code and a reason.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - reason: What exactly is wrong, lower case; never key bytes, MAC inputs or cryptograms.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    public init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.location = "\(file):\(line)"
    }

    /// A message such as `command too long: the wrapped data would be 263 bytes, 8 more than 255`.
    public var description: String {
        "\(code.summary): \(reason)"
    }

    /// The message with the code and the source location that made the error.
    public var debugDescription: String {
        "SecureChannelError.\(code): \(reason) (\(location))"
    }

    /// Compares the codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}

extension SecureChannelError {
    /// The kind of a ``SecureChannelError``.
    ///
    /// A struct with static members rather than an enum, so new codes do not break callers' switches.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case cardCryptogramMismatch
            case cardChallengeMismatch
            case malformedResponse
            case unsupportedProtocol
            case protocolMismatch
            case unexpectedKeyVersion
            case unsupportedSecurityLevel
            case invalidKeys
            case invalidArgument
            case invalidCommand
            case commandTooLong
            case responseMACMismatch
            case hostCryptogramMismatch
            case commandMACMismatch
            case malformedCommand
            case unexpectedStatusWord
            case invalidState
            case cryptographyFailure
        }

        private let backing: Backing

        private init(_ backing: Backing) {
            self.backing = backing
        }

        /// The card's cryptogram does not match the keys used here: the card was not authenticated.
        public static let cardCryptogramMismatch = Self(.cardCryptogramMismatch)
        /// The card's pseudo-random challenge does not derive from the static ENC key and the security domain AID.
        public static let cardChallengeMismatch = Self(.cardChallengeMismatch)
        /// A card response does not have the length or layout the protocol requires.
        public static let malformedResponse = Self(.malformedResponse)
        /// The card named a secure channel protocol or option that this module does not implement.
        public static let unsupportedProtocol = Self(.unsupportedProtocol)
        /// The card answered with another secure channel protocol than the one configured.
        public static let protocolMismatch = Self(.protocolMismatch)
        /// The card answered with another key version than the one requested.
        public static let unexpectedKeyVersion = Self(.unexpectedKeyVersion)
        /// The security level is not one the protocol, or the card's option, allows.
        public static let unsupportedSecurityLevel = Self(.unsupportedSecurityLevel)
        /// The keys do not fit the protocol, such as AES keys for SCP02 or mixed algorithms.
        public static let invalidKeys = Self(.invalidKeys)
        /// A parameter has the wrong length or value, such as a 7-byte host challenge.
        public static let invalidArgument = Self(.invalidArgument)
        /// The command cannot be secured, such as one that is already secured or extended.
        public static let invalidCommand = Self(.invalidCommand)
        /// The secured command would carry more than 255 data bytes.
        public static let commandTooLong = Self(.commandTooLong)
        /// The response MAC does not match: the response was altered or the chain is out of step.
        public static let responseMACMismatch = Self(.responseMACMismatch)
        /// On the card side: the host cryptogram in EXTERNAL AUTHENTICATE does not match, so the host
        /// was not authenticated.
        public static let hostCryptogramMismatch = Self(.hostCryptogramMismatch)
        /// On the card side: a command's C-MAC does not verify, or its encrypted data does not decrypt.
        ///
        /// The command was altered, dropped, reordered or secured with other keys. The channel closes,
        /// as a GlobalPlatform card closes it with `6982`.
        public static let commandMACMismatch = Self(.commandMACMismatch)
        /// On the card side: a received command does not have the layout the channel requires, such as
        /// no secure messaging indication in the class byte, no room for the C-MAC, or bad padding.
        public static let malformedCommand = Self(.malformedCommand)
        /// The card answered a secure channel command with a status word other than `9000`.
        public static let unexpectedStatusWord = Self(.unexpectedStatusWord)
        /// The call does not fit the session's state, such as wrapping before authentication.
        public static let invalidState = Self(.invalidState)
        /// The cryptographic layer failed on an operation that should have worked.
        public static let cryptographyFailure = Self(.cryptographyFailure)

        /// The code's name, such as `cardCryptogramMismatch`.
        public var description: String { backing.rawValue }

        /// The start of ``SecureChannelError/description`` for this code.
        fileprivate var summary: String {
            switch backing {
            case .cardCryptogramMismatch: "card cryptogram mismatch"
            case .cardChallengeMismatch: "card challenge mismatch"
            case .malformedResponse: "malformed response"
            case .unsupportedProtocol: "unsupported protocol"
            case .protocolMismatch: "protocol mismatch"
            case .unexpectedKeyVersion: "unexpected key version"
            case .unsupportedSecurityLevel: "unsupported security level"
            case .invalidKeys: "invalid keys"
            case .invalidArgument: "invalid argument"
            case .invalidCommand: "invalid command"
            case .commandTooLong: "command too long"
            case .responseMACMismatch: "response MAC mismatch"
            case .hostCryptogramMismatch: "host cryptogram mismatch"
            case .commandMACMismatch: "command MAC mismatch"
            case .malformedCommand: "malformed command"
            case .unexpectedStatusWord: "unexpected status word"
            case .invalidState: "invalid state"
            case .cryptographyFailure: "cryptography failure"
            }
        }
    }
}

extension SecureChannelError {
    @inline(never)
    static func cardCryptogramMismatch(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .cardCryptogramMismatch, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func cardChallengeMismatch(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .cardChallengeMismatch, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func malformedResponse(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .malformedResponse, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func unsupportedProtocol(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .unsupportedProtocol, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func protocolMismatch(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .protocolMismatch, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func unexpectedKeyVersion(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .unexpectedKeyVersion, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func unsupportedSecurityLevel(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .unsupportedSecurityLevel, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidKeys(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidKeys, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidArgument(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidArgument, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidCommand(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidCommand, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func commandTooLong(
        dataLength: Int,
        protocolName: String,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        let excess = dataLength - 255
        return Self(
            code: .commandTooLong,
            reason: "with \(protocolName) the secured data field would be \(dataLength) bytes, \(excess) "
                + "more than the 255 a short APDU carries; shorten the command data by at least \(excess) bytes",
            file: file,
            line: line
        )
    }

    @inline(never)
    static func responseMACMismatch(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .responseMACMismatch, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func hostCryptogramMismatch(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .hostCryptogramMismatch, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func commandMACMismatch(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .commandMACMismatch, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func malformedCommand(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .malformedCommand, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func unexpectedStatusWord(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .unexpectedStatusWord, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidState(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidState, reason: reason, file: file, line: line)
    }

    /// Wraps an error of the cryptographic layer, whose own description never holds key bytes or data.
    @inline(never)
    static func cryptographyFailure(
        _ underlying: CardCryptoError,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        Self(code: .cryptographyFailure, reason: underlying.description, file: file, line: line)
    }
}
