public import SequencePlayer
public import SequenceProtocol

/// The four exchanges of the install protocol, as ``NetworkedInstall`` needs them.
///
/// ``InstallClient`` speaks them over HTTPS to `seqd`; tests script a server in the same process
/// behind this protocol. Every call is one HTTP request: ``NetworkedInstall`` counts them.
public protocol InstallTransport: Sendable {
    /// Step 1: asks for an application and gets a session and the probe to run.
    ///
    /// - Parameters:
    ///   - application: The application's name in the server's catalogue.
    ///   - mode: One signed bundle, or the per-command relay.
    ///   - answerToReset: The card's answer to reset, for the server's records.
    /// - Returns: The session and its probe.
    /// - Throws: ``InstallClientError`` for a server error or a network failure.
    func start(
        application: String,
        mode: InstallMode,
        answerToReset: [UInt8]?
    ) async throws(InstallClientError) -> ProbeResponse

    /// Step 2: sends the card's answers to a probe and gets the next step.
    ///
    /// - Parameters:
    ///   - session: The session from ``start(application:mode:answerToReset:)``.
    ///   - answers: The card's answers, in the probe's order.
    /// - Returns: The bundle, another probe, or the news that the application is installed.
    /// - Throws: ``InstallClientError`` for a server error or a network failure.
    func answers(session: String, _ answers: ProbeAnswers) async throws(InstallClientError) -> InstallStep

    /// Relay mode: sends the previous command's response and gets the next command.
    ///
    /// - Parameters:
    ///   - session: The session.
    ///   - response: The previous command's response (data then status word); `nil` the first time.
    /// - Returns: The next command, or that the relay is done.
    /// - Throws: ``InstallClientError`` for a server error or a network failure.
    func relay(session: String, response: [UInt8]?) async throws(InstallClientError) -> RelayCommand

    /// Step 3: sends the player's receipt and gets what the server recorded.
    ///
    /// - Parameters:
    ///   - session: The session.
    ///   - receipt: The receipt, complete or partial.
    /// - Returns: What the server recorded.
    /// - Throws: ``InstallClientError`` for a server error or a network failure.
    func receipt(session: String, _ receipt: Receipt) async throws(InstallClientError) -> InstallResult
}
