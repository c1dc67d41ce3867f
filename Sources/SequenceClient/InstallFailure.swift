public import CardTransport
public import SequencePlayer
public import SequenceProtocol

/// Why a networked install did not finish, exactly how far it got, and what the server knows.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made failure. The
/// ``message`` says what happened on the card (nothing, or which commands ran), whether the
/// server got the receipt, and what to do next.
public struct InstallFailure: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// The server answered an exchange with an error: see ``InstallFailure/clientError`` for
        /// the HTTP status and reason code.
        public static let server = Code("server")
        /// The network failed (refused, TLS, timeout, lost): see ``InstallFailure/stage``.
        public static let network = Code("network")
        /// The card or the reader stopped answering (card pulled, reader gone).
        public static let cardFailed = Code("cardFailed")
        /// The card refused an install command: an unexpected status word.
        public static let cardRefused = Code("cardRefused")
        /// The bundle did not verify against the pinned key, or is not for this card's session;
        /// no install command was sent.
        public static let bundleRejected = Code("bundleRejected")
        /// The server's answers break the protocol: a missing bundle, a probe command that is not
        /// an APDU, too many probe rounds.
        public static let protocolViolation = Code("protocolViolation")
        /// The install ran and the receipt was sent, but the server did not record it as installed.
        public static let notConfirmed = Code("notConfirmed")
        /// The task was cancelled.
        public static let cancelled = Code("cancelled")

        /// The code's name.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// Where the install was when it went wrong.
    public var stage: InstallStage
    /// The server's session, once there was one.
    public var session: String?
    /// The exchange's error, for ``Code/server`` and ``Code/network``.
    public var clientError: InstallClientError?
    /// The player's failure, when the replay stopped.
    public var playerFailure: PlayerFailure?
    /// The card's failure, when the card stopped answering.
    public var transportError: CardTransportError?
    /// Install commands that ran on the card (answered with an accepted status word).
    public var commandsRun: Int
    /// Install commands in the bundle, when one arrived.
    public var commandCount: Int?
    /// The receipt of what ran, when install commands were sent.
    public var receipt: Receipt?
    /// Whether the server got the receipt.
    public var receiptSent: Bool
    /// What the server recorded from the receipt.
    public var serverResult: InstallResult?
    /// Why the receipt could not be sent, when it could not.
    public var receiptError: InstallClientError?
    /// HTTP requests made, every one counted.
    public var exchanges: Int
    /// The whole message, for people.
    public private(set) var message: String
    private var location: String

    /// Creates a failure.
    ///
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - stage: Where the install was.
    ///   - message: The whole message, for people; never keys or command data.
    ///   - session: The server's session, if any.
    ///   - commandsRun: Install commands that ran.
    ///   - exchanges: HTTP requests made.
    ///   - file: The file making the failure, `#fileID` by default.
    ///   - line: The line making the failure, `#line` by default.
    public init(
        code: Code,
        stage: InstallStage,
        message: String,
        session: String? = nil,
        commandsRun: Int = 0,
        exchanges: Int = 0,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.stage = stage
        self.message = message
        self.session = session
        self.commandsRun = commandsRun
        self.receiptSent = false
        self.exchanges = exchanges
        self.location = "\(file):\(line)"
    }

    /// Whether any install command reached the card (probe commands do not count).
    public var installCommandsSent: Bool {
        switch stage {
        case .start, .probe, .answers: false
        case .install, .relay, .receipt: commandsRun > 0 || playerFailure?.commandIndex != nil || code == .cardFailed
        }
    }

    /// Whether the server said not to try again: the card failed authentication, and cards lock
    /// after a few failed attempts.
    public var mustNotRetry: Bool {
        clientError?.errorCode == .cardAuthenticationFailed
    }

    /// The message.
    public var description: String { message }

    /// The code, the message and the source location that made the failure.
    public var debugDescription: String {
        "InstallFailure.\(code) at \(stage): \(message) [\(location)]"
    }

    /// Compares the codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// Where a networked install is.
public enum InstallStage: String, Hashable, Sendable {
    /// Asking the server for the application.
    case start
    /// Running a probe on the card.
    case probe
    /// Sending the probe's answers, waiting for the bundle.
    case answers
    /// Replaying the bundle on the card.
    case install
    /// Relay mode: passing commands between the server and the card.
    case relay
    /// Sending the receipt.
    case receipt
}
