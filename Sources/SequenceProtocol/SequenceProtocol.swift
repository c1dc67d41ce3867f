public import SequencePlayer

/// The messages of cardseq's install protocol, version 1: JSON over HTTPS between `seqplay` (the
/// client next to the reader) and `seqd` (the issuer's server).
///
/// The exchange (the seed's FIG. 3 and FIG. 5) has a fixed number of round trips, whatever the
/// size of the install:
///
/// 1. `POST /v1/installs` with an ``InstallRequest`` → `201` ``ProbeResponse``: a session and a
///    ``ProbeScript`` (select the card manager, read CPLC, card data, key information, IIN and CIN,
///    and INITIALIZE UPDATE with a fresh host challenge; or SELECT MF and GET CHALLENGE on a
///    file-oriented card).
/// 2. `POST /v1/installs/{session}/answers` with ``ProbeAnswers`` → `200` ``InstallStep``: the
///    signed bundle; for a file-oriented card first one more probe (EXTERNAL AUTHENTICATE, whose
///    answer the secure messaging keys depend on), whose answers go to the same URL.
/// 3. `POST /v1/installs/{session}/receipt` with the player's ``Receipt`` → `200` ``InstallResult``.
///
/// Every error is an HTTP status with an ``ErrorBody``. All byte strings are upper-case hex.
public enum SequenceProtocol {
    /// The protocol version this module speaks.
    public static let version = 1
    /// The media type of every body.
    public static let mediaType = "application/json"
    /// The largest request body the server reads, in bytes.
    public static let maximumRequestSize = 1 << 20
}

/// Step 1: the client asks for an application.
public struct InstallRequest: Codable, Hashable, Sendable {
    /// ``SequenceProtocol/version``.
    public var protocolVersion: Int
    /// The application's name in the server's catalogue, such as `brokerage`.
    public var application: String
    /// How the install travels: one signed bundle, or the per-command relay (the baseline).
    public var mode: InstallMode
    /// The card's answer to reset, hex, for the server's records.
    public var answerToReset: String?

    /// Creates a request.
    public init(
        protocolVersion: Int = SequenceProtocol.version,
        application: String,
        mode: InstallMode = .bundle,
        answerToReset: String? = nil
    ) {
        self.protocolVersion = protocolVersion
        self.application = application
        self.mode = mode
        self.answerToReset = answerToReset
    }
}

/// How the install's commands travel.
public enum InstallMode: String, Codable, Hashable, Sendable, CaseIterable {
    /// One signed bundle, replayed by the client: a constant number of exchanges.
    case bundle
    /// One command per exchange, as remote card tools commonly do: the baseline the seed improves on.
    case relay
}

/// Commands the client sends to the card, collecting every answer.
public struct ProbeScript: Codable, Hashable, Sendable {
    /// The commands, in order.
    public var commands: [ProbeCommand]

    /// Creates a script.
    public init(commands: [ProbeCommand]) {
        self.commands = commands
    }
}

/// One command of a probe.
public struct ProbeCommand: Codable, Hashable, Sendable {
    /// What the command is for, such as `select-isd`, `cplc`, `initialize-update`, `get-challenge`.
    public var purpose: String
    /// The command APDU, hex.
    public var apdu: String
    /// Whether a status word other than `9000` stops the probe.
    ///
    /// `61XX` is followed by GET RESPONSE first. Optional commands (GET DATA a card may not
    /// support) never stop it.
    public var required: Bool

    /// Creates a command.
    public init(purpose: String, apdu: String, required: Bool = true) {
        self.purpose = purpose
        self.apdu = apdu
        self.required = required
    }
}

/// The answer to step 1.
public struct ProbeResponse: Codable, Hashable, Sendable {
    /// The session id (opaque; 32 hex digits).
    public var session: String
    /// When the session expires, ISO 8601 UTC.
    public var expiresAt: String
    /// What to send to the card.
    public var probe: ProbeScript

    /// Creates a response.
    public init(session: String, expiresAt: String, probe: ProbeScript) {
        self.session = session
        self.expiresAt = expiresAt
        self.probe = probe
    }
}

/// The card's answers to a probe, in the probe's order.
public struct ProbeAnswers: Codable, Hashable, Sendable {
    /// One answer per probe command run (the client stops after a required command fails).
    public var answers: [ProbeAnswer]

    /// Creates answers.
    public init(answers: [ProbeAnswer]) {
        self.answers = answers
    }
}

/// The card's answer to one probe command.
public struct ProbeAnswer: Codable, Hashable, Sendable {
    /// The command's purpose, repeated.
    public var purpose: String
    /// The response APDU, hex: data then SW1 SW2 (after any GET RESPONSE).
    public var response: String

    /// Creates an answer.
    public init(purpose: String, response: String) {
        self.purpose = purpose
        self.response = response
    }
}

/// The answer to step 2.
public struct InstallStep: Codable, Hashable, Sendable {
    /// What comes next.
    public var kind: Kind
    /// With ``Kind/bundle``: the signed bundle, exactly as signed (canonical JSON text).
    public var bundle: String?
    /// With ``Kind/probe``: more commands to run before the bundle.
    public var probe: ProbeScript?
    /// With ``Kind/alreadyInstalled``: what the registry records.
    public var message: String?

    /// What the server answers.
    public enum Kind: String, Codable, Hashable, Sendable {
        /// The signed bundle: replay it, then send the receipt.
        case bundle
        /// Another probe (secure messaging authentication): run it and send its answers.
        case probe
        /// Nothing to do: the application is on this card and the script does not reinstall.
        case alreadyInstalled = "already-installed"
        /// Relay mode (``InstallMode/relay``): the card authenticated and the install is ready;
        /// fetch its commands one at a time from `POST /v1/installs/{session}/relay`.
        case relay
    }

    /// Creates a step.
    public init(kind: Kind, bundle: String? = nil, probe: ProbeScript? = nil, message: String? = nil) {
        self.kind = kind
        self.bundle = bundle
        self.probe = probe
        self.message = message
    }
}

/// The answer to step 3.
public struct InstallResult: Codable, Hashable, Sendable {
    /// `installed`, or `failed` when the receipt shows the card stopped the sequence.
    public var status: String
    /// What the server recorded, for people.
    public var message: String

    /// Creates a result.
    public init(status: String, message: String) {
        self.status = status
        self.message = message
    }
}

/// Relay mode (the baseline): one command per exchange.
///
/// After step 2's answers, the client posts `POST /v1/installs/{session}/relay` with the previous
/// command's response (none the first time) and gets the next command, until `done`.
public struct RelayExchange: Codable, Hashable, Sendable {
    /// The response to the previous command, hex; `nil` for the first exchange.
    public var response: String?

    /// Creates an exchange.
    public init(response: String?) {
        self.response = response
    }
}

/// The server's side of a relay exchange.
public struct RelayCommand: Codable, Hashable, Sendable {
    /// The next command APDU, hex; `nil` when the install is complete.
    public var apdu: String?
    /// Whether the install is complete (or stopped: then ``message`` says why).
    public var done: Bool
    /// Why the relay stopped, when it did.
    public var message: String?
    /// How the relay ended, with ``done``: `installed` or `failed`.
    ///
    /// `installed` when every command was accepted, `failed` when the card stopped the sequence.
    /// Absent from servers that predate it; clients then judge by the last status word.
    public var status: String?

    /// Creates a command.
    public init(apdu: String?, done: Bool, message: String? = nil, status: String? = nil) {
        self.apdu = apdu
        self.done = done
        self.message = message
        self.status = status
    }
}

/// The body of every error answer.
public struct ErrorBody: Codable, Hashable, Sendable {
    /// The error.
    public var error: Detail

    /// One error.
    public struct Detail: Codable, Hashable, Sendable {
        /// A stable reason code, such as `unknown-application` or `session-expired`.
        public var code: String
        /// What happened, for people; never keys.
        public var message: String

        /// Creates a detail.
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// Creates a body.
    public init(code: String, message: String) {
        self.error = Detail(code: code, message: message)
    }
}

/// The reason codes of ``ErrorBody``, with their HTTP status.
public enum ErrorCode: String, CaseIterable, Sendable {
    /// 400: the body is not the message the URL expects.
    case malformedRequest = "malformed-request"
    /// 413: the body is larger than ``SequenceProtocol/maximumRequestSize``.
    case requestTooLarge = "request-too-large"
    /// 400: the client speaks another protocol version.
    case unsupportedVersion = "unsupported-version"
    /// 404: no such application in the catalogue.
    case unknownApplication = "unknown-application"
    /// 404: no such session.
    case unknownSession = "unknown-session"
    /// 410: the session expired.
    case sessionExpired = "session-expired"
    /// 409: the message does not fit the session's state (answers twice, receipt before the bundle).
    case wrongState = "wrong-state"
    /// 409: another install runs on this card.
    case cardBusy = "card-busy"
    /// 422: the card could not be identified from the answers (missing data, unknown card).
    case unknownCard = "unknown-card"
    /// 403: the card's cryptogram does not verify with the issuer's keys; the session is closed
    /// and the client must not retry (cards lock after a few failed authentications).
    case cardAuthenticationFailed = "card-authentication-failed"
    /// 422: the answers are not the card's answers to this session's probe (another session's
    /// challenge, a missing answer).
    case answersMismatch = "answers-mismatch"
    /// 422: the receipt is not about this session's bundle, or contradicts it.
    case receiptMismatch = "receipt-mismatch"
    /// 500: the server could not compile or sign the install.
    case internalError = "internal-error"

    /// The HTTP status the code travels with.
    public var httpStatus: Int {
        switch self {
        case .malformedRequest, .unsupportedVersion: 400
        case .requestTooLarge: 413
        case .unknownApplication, .unknownSession: 404
        case .sessionExpired: 410
        case .wrongState, .cardBusy: 409
        case .unknownCard, .answersMismatch, .receiptMismatch: 422
        case .cardAuthenticationFailed: 403
        case .internalError: 500
        }
    }
}

/// The player's receipt, as the client sends it in step 3.
public typealias InstallReceipt = Receipt
