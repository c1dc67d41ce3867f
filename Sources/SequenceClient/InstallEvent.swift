public import SequencePlayer

/// What a networked install reports while it runs, for a progress display or a trace.
///
/// Events arrive in order on the task that runs the install; the handler should return quickly.
public enum InstallEvent: Sendable {
    /// An HTTP request is about to go to the server; the count includes it.
    case requestSent(InstallExchangeKind, count: Int)
    /// The server opened a session.
    case sessionStarted(session: String, expiresAt: String)
    /// A probe is about to run on the card (round 1, then 2 for secure messaging).
    case probeStarted(round: Int, commandCount: Int)
    /// A probe ran; `stoppedAt` is the required command whose status word ended it, if one did.
    case probeFinished(round: Int, answerCount: Int, stoppedAt: Int?)
    /// One APDU the client itself sent to the card (probe and relay), and the answer.
    case cardExchange(CardExchange)
    /// The signed bundle arrived and verified; the player is about to send its commands.
    case bundleReceived(sequence: String, version: String, commandCount: Int)
    /// The player's progress and exchanges while it replays the bundle.
    case player(PlayerEvent)
    /// Relay mode: a command was answered by the card.
    case relayed(commandsRun: Int)
    /// The server recorded the receipt.
    case receiptRecorded(status: String, message: String)
}

/// Which of the protocol's exchanges an HTTP request is.
public enum InstallExchangeKind: String, Hashable, Sendable {
    /// `POST /v1/installs`.
    case start
    /// `POST /v1/installs/{session}/answers`.
    case answers
    /// `POST /v1/installs/{session}/relay`.
    case relay
    /// `POST /v1/installs/{session}/receipt`.
    case receipt
}
