public import APDUTypes

/// What the player reports while it runs, for a progress display or a trace.
///
/// Events arrive in order on the task that runs the player; the handler should return quickly.
public enum PlayerEvent: Sendable {
    /// The bundle verified and the run begins; nothing has been sent yet.
    case started(PlayerProgress)
    /// A step's first command is about to be sent.
    case stepStarted(PlayerStep, PlayerProgress)
    /// A bundle command is about to be sent.
    case commandSent(index: Int, PlayerProgress)
    /// A bundle command was answered, after any GET RESPONSE or resend.
    case commandAnswered(index: Int, statusWord: StatusWord, duration: Duration, PlayerProgress)
    /// One APDU went to the card and its response came back: every exchange on the wire,
    /// including the security domain SELECT, GET RESPONSE and resends.
    case exchange(APDUExchange)
    /// The run ended, completed or stopped.
    case finished(PlayerProgress)
}

/// How far a run has got.
public struct PlayerProgress: Hashable, Sendable {
    /// Bundle commands answered with an accepted status word.
    public var commandsCompleted: Int
    /// Bundle commands in all.
    public var commandCount: Int
    /// The step being run, `nil` before the first one.
    public var step: PlayerStep?
    /// Steps in all.
    public var stepCount: Int
    /// The 1-based number of the current LOAD block within its step, while one is being sent.
    public var loadBlock: Int?
    /// APDU bytes of the completed bundle commands.
    public var bytesSent: Int
    /// APDU bytes of all bundle commands.
    public var byteCount: Int
    /// Time since the run began.
    public var elapsed: Duration

    /// Creates a progress value.
    public init(
        commandsCompleted: Int,
        commandCount: Int,
        step: PlayerStep?,
        stepCount: Int,
        loadBlock: Int?,
        bytesSent: Int,
        byteCount: Int,
        elapsed: Duration
    ) {
        self.commandsCompleted = commandsCompleted
        self.commandCount = commandCount
        self.step = step
        self.stepCount = stepCount
        self.loadBlock = loadBlock
        self.bytesSent = bytesSent
        self.byteCount = byteCount
        self.elapsed = elapsed
    }
}

/// One command APDU as it went to the card and the response as it came back.
public struct APDUExchange: Hashable, Sendable {
    /// Why the APDU was sent.
    public enum Purpose: Hashable, Sendable {
        /// The SELECT of the issuer security domain before the session is opened.
        case selectSecurityDomain
        /// The recorded INITIALIZE UPDATE, replayed to open the session.
        case initializeUpdate
        /// GET CHALLENGE, replayed to open a secure messaging session; the card must answer the
        /// recorded challenge.
        case getChallenge
        /// The recorded EXTERNAL AUTHENTICATE of a secure messaging session.
        case externalAuthenticate
        /// A bundle command, with its index.
        case command(Int)
    }

    /// How the APDU relates to the command it serves.
    public enum Kind: Hashable, Sendable {
        /// The command as the bundle or the player gives it.
        case original
        /// GET RESPONSE after `61xx`.
        case getResponse
        /// The command sent again with the Le of a `6Cxx` answer.
        case resend
    }

    /// Why the APDU was sent.
    public var purpose: Purpose
    /// How the APDU relates to the command it serves.
    public var kind: Kind
    /// The command APDU's bytes as sent.
    public var command: [UInt8]
    /// The response, data and status word.
    public var response: CardResponse
    /// How long the card took to answer.
    public var duration: Duration
    /// Whether the command's data and its response data must not be logged.
    public var sensitive: Bool

    /// Creates an exchange record.
    public init(
        purpose: Purpose,
        kind: Kind,
        command: [UInt8],
        response: CardResponse,
        duration: Duration,
        sensitive: Bool
    ) {
        self.purpose = purpose
        self.kind = kind
        self.command = command
        self.response = response
        self.duration = duration
        self.sensitive = sensitive
    }
}
