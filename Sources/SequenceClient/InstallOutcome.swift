public import SequencePlayer
public import SequenceProtocol

/// How a networked install ended when it did not fail.
public struct InstallOutcome: Hashable, Sendable {
    /// What happened.
    public enum Status: String, Hashable, Sendable {
        /// The install ran on the card and the server recorded it.
        case installed
        /// Nothing to do: the server says the application is already on this card.
        case alreadyInstalled = "already-installed"
    }

    /// What happened.
    public var status: Status
    /// The application asked for.
    public var application: String
    /// The server's session.
    public var session: String
    /// Bundle or relay.
    public var mode: InstallMode
    /// The sequence's name and version, from the bundle (bundle mode).
    public var sequence: String?
    /// The sequence's version, from the bundle (bundle mode).
    public var version: String?
    /// Install commands that ran on the card (bundle commands, or relayed commands).
    public var commandsRun: Int
    /// HTTP requests the install took, every one counted: the figure the seed keeps constant.
    public var exchanges: Int
    /// Probe rounds run on the card.
    public var probeRounds: Int
    /// APDUs sent to the card in all: probe, opening, install commands, GET RESPONSE and resends.
    public var apduCount: Int
    /// The player's receipt (bundle mode).
    public var receipt: Receipt?
    /// What the server said at the end: the receipt's result, the relay's last message, or why
    /// nothing was to be done.
    public var serverMessage: String?
    /// From the first request to the end.
    public var duration: Duration

    /// Creates an outcome.
    public init(
        status: Status,
        application: String,
        session: String,
        mode: InstallMode,
        sequence: String? = nil,
        version: String? = nil,
        commandsRun: Int,
        exchanges: Int,
        probeRounds: Int,
        apduCount: Int,
        receipt: Receipt? = nil,
        serverMessage: String? = nil,
        duration: Duration
    ) {
        self.status = status
        self.application = application
        self.session = session
        self.mode = mode
        self.sequence = sequence
        self.version = version
        self.commandsRun = commandsRun
        self.exchanges = exchanges
        self.probeRounds = probeRounds
        self.apduCount = apduCount
        self.receipt = receipt
        self.serverMessage = serverMessage
        self.duration = duration
    }
}
