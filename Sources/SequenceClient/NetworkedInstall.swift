import APDUTypes
public import BundleFormat
public import CardTransport
public import SequencePlayer
public import SequenceProtocol

/// The whole networked install on one card: the seed's exchange with a constant number of round trips.
///
/// 1. ``InstallTransport/start(application:mode:answerToReset:)`` opens a session and returns a probe;
/// 2. the ``ProbeRunner`` runs it on the card (select the card manager, read the identification
///    data, INITIALIZE UPDATE with the server's host challenge) and the answers go back; the server
///    answers with the signed bundle, another probe (secure messaging), or that the application is
///    already installed;
/// 3. the bundle is verified against the pinned signing keys and against this probe's session
///    (``ProbeSessionCheck``), then replayed by a ``BundlePlayer`` that continues the session the
///    probe opened (``BundlePlayer/SessionOpening/alreadyOpened``, no SELECT, which would end it);
/// 4. the receipt goes back, also when the player stopped (the partial receipt), and the server
///    says what it recorded.
///
/// In relay mode (the baseline) step 3 is one exchange per command instead. Nothing is retried
/// that could change the card: running the same install again starts a new session, and the
/// server decides what is left to do. Only the receipt is sent again when the network drops it.
public struct NetworkedInstall: Sendable {
    /// What the install does besides the protocol's exchanges.
    public struct Options: Sendable {
        /// One signed bundle, or the per-command relay.
        public var mode: InstallMode
        /// The most probe rounds accepted before the bundle.
        public var maximumProbeRounds: Int
        /// The most commands accepted in relay mode.
        public var maximumRelayCommands: Int
        /// How many times the receipt is sent when the network fails (the server's answer is
        /// always taken as final).
        public var receiptAttempts: Int
        /// The pause between two receipt attempts.
        public var receiptRetryDelay: Duration

        /// Creates options.
        ///
        /// - Parameters:
        ///   - mode: Bundle (by default) or relay.
        ///   - maximumProbeRounds: The most probe rounds before the bundle; 4 by default.
        ///   - maximumRelayCommands: The most relayed commands; 100,000 by default.
        ///   - receiptAttempts: Attempts to send the receipt; 3 by default.
        ///   - receiptRetryDelay: The pause between attempts; half a second by default.
        public init(
            mode: InstallMode = .bundle,
            maximumProbeRounds: Int = 4,
            maximumRelayCommands: Int = 100_000,
            receiptAttempts: Int = 3,
            receiptRetryDelay: Duration = .milliseconds(500)
        ) {
            self.mode = mode
            self.maximumProbeRounds = maximumProbeRounds
            self.maximumRelayCommands = maximumRelayCommands
            self.receiptAttempts = receiptAttempts
            self.receiptRetryDelay = receiptRetryDelay
        }
    }

    /// The server.
    public var transport: any InstallTransport
    /// The pinned bundle-signing public keys: the server's.
    public var trustedKeys: [BundlePublicKey]
    /// Mode, limits and receipt retries.
    public var options: Options
    /// The clock for the bundle's validity, the receipt and durations.
    public var clock: PlayerClock

    /// Creates an install.
    ///
    /// - Parameters:
    ///   - transport: The server, usually an ``InstallClient``.
    ///   - trustedKeys: The server's bundle-signing public keys.
    ///   - options: Mode, limits and receipt retries.
    ///   - clock: The clock; the system's by default.
    public init(
        transport: any InstallTransport,
        trustedKeys: [BundlePublicKey],
        options: Options = Options(),
        clock: PlayerClock = .system
    ) {
        self.transport = transport
        self.trustedKeys = trustedKeys
        self.options = options
        self.clock = clock
    }

    /// Installs an application on the card behind a channel.
    ///
    /// - Parameters:
    ///   - application: The application's name in the server's catalogue.
    ///   - channel: The connection to the card; the probe's session lives on it, so it must stay
    ///     connected (no reset) for the whole install.
    ///   - events: Called with progress, every exchange with the card and every request, in order.
    /// - Returns: What was installed, or that nothing was to do, with the exchange count.
    /// - Throws: ``InstallFailure`` saying where it stopped, what ran on the card and what the server knows.
    public func run(
        application: String,
        over channel: some CardChannel,
        events: (@Sendable (InstallEvent) -> Void)? = nil
    ) async throws(InstallFailure) -> InstallOutcome {
        var run = Run(install: self, application: application, events: events ?? { _ in })
        return try await run.run(over: channel)
    }
}

extension NetworkedInstall {
    /// One install's state: the counters and what the probe learned.
    struct Run {
        let install: NetworkedInstall
        let application: String
        let events: @Sendable (InstallEvent) -> Void
        let start: Duration
        var exchanges = 0
        var session: String?
        var probeRounds = 0
        var apduCount = 0
        var probeExchanges: [(command: [UInt8], response: [UInt8])] = []
        /// The network error that made the receipt go again, if it did.
        var receiptRetryCause: InstallClientError?

        init(install: NetworkedInstall, application: String, events: @escaping @Sendable (InstallEvent) -> Void) {
            self.install = install
            self.application = application
            self.events = events
            self.start = install.clock.elapsed()
        }

        var transport: any InstallTransport { install.transport }
        var mode: InstallMode { install.options.mode }

        mutating func run(over channel: some CardChannel) async throws(InstallFailure) -> InstallOutcome {
            let answerToReset = await channel.answerToReset
            let started: ProbeResponse
            count(.start)
            do throws(InstallClientError) {
                started = try await transport.start(application: application, mode: mode, answerToReset: answerToReset)
            } catch {
                throw failure(error, stage: .start, commandsRun: 0)
            }
            session = started.session
            events(.sessionStarted(session: started.session, expiresAt: started.expiresAt))

            var script = started.probe
            while true {
                let answers = try await probe(script, over: channel)
                count(.answers)
                let step: InstallStep
                do throws(InstallClientError) {
                    step = try await transport.answers(session: started.session, answers)
                } catch {
                    throw failure(error, stage: .answers, commandsRun: 0)
                }
                switch step.kind {
                case .probe:
                    guard let next = step.probe, !next.commands.isEmpty else {
                        throw violation("the server asked for another probe but sent no commands", stage: .answers)
                    }
                    guard probeRounds < install.options.maximumProbeRounds else {
                        throw violation(
                            "the server asked for more than \(install.options.maximumProbeRounds) probe rounds",
                            stage: .answers
                        )
                    }
                    script = next
                    continue
                case .alreadyInstalled:
                    return outcome(.alreadyInstalled, commandsRun: 0, serverMessage: step.message)
                case .relay:
                    return try await relay(over: channel)
                case .bundle:
                    guard let text = step.bundle, !text.isEmpty else {
                        throw violation("the server's answer is a bundle step without a bundle", stage: .answers)
                    }
                    return try await play(Array(text.utf8), over: channel)
                }
            }
        }

        // MARK: - Probe

        mutating func probe(
            _ script: ProbeScript,
            over channel: some CardChannel
        ) async throws(InstallFailure)
            -> ProbeAnswers
        {
            probeRounds += 1
            events(.probeStarted(round: probeRounds, commandCount: script.commands.count))
            let runner = ProbeRunner(elapsed: install.clock.elapsed)
            let events = self.events
            let outcome: ProbeRunner.Outcome
            do throws(ProbeError) {
                outcome = try await runner.run(script, over: channel) { events(.cardExchange($0)) }
            } catch {
                var failure: InstallFailure
                switch error.code {
                case .malformedCommand:
                    failure = violation(error.description, stage: .probe)
                default:
                    failure = InstallFailure(
                        code: .cardFailed,
                        stage: .probe,
                        message: "\(error.description); no install command was sent to the card, and the "
                            + "server's session will expire unused: put the card back and run the install again",
                        session: session,
                        exchanges: exchanges
                    )
                    failure.transportError = error.transportError
                }
                throw failure
            }
            apduCount += outcome.apduCount
            for (index, answer) in outcome.answers.answers.enumerated() {
                let command = Hex.bytes(script.commands[index].apdu) ?? []
                probeExchanges.append((command, Hex.bytes(answer.response) ?? []))
            }
            events(
                .probeFinished(
                    round: probeRounds,
                    answerCount: outcome.answers.answers.count,
                    stoppedAt: outcome.stoppedAt
                )
            )
            return outcome.answers
        }

        // MARK: - Bundle

        mutating func play(
            _ bytes: [UInt8],
            over channel: some CardChannel
        ) async throws(InstallFailure)
            -> InstallOutcome
        {
            let sessionCheck = ProbeSessionCheck.from(probeExchanges)
            let player = BundlePlayer(
                trustedKeys: install.trustedKeys,
                options: BundlePlayer.Options(
                    sessionOpening: .alreadyOpened,
                    selectsSecurityDomain: false,
                    expectedCard: sessionCheck.cardIdentity,
                    additionalChecks: [sessionCheck]
                ),
                clock: install.clock
            )
            let verification = player.verify(bytes: bytes)
            guard verification.isValid, let bundle = verification.bundle else {
                let findings = verification.failures.map { failure in
                    "\(failure.check): \(failure.error.message) [\(failure.error.code)]"
                }
                throw InstallFailure(
                    code: .bundleRejected,
                    stage: .install,
                    message: "the server's bundle was rejected, no install command was sent to the card: "
                        + (findings.isEmpty ? "it did not verify" : findings.joined(separator: "; ")),
                    session: session,
                    exchanges: exchanges
                )
            }
            let payload = bundle.payload
            events(
                .bundleReceived(
                    sequence: payload.sequence.name,
                    version: payload.sequence.version,
                    commandCount: payload.commands.count
                )
            )
            let events = self.events
            let receipt: Receipt
            do throws(PlayerFailure) {
                receipt = try await player.play(bundle, over: channel) { events(.player($0)) }
            } catch {
                apduCount += Self.apduCount(error.receipt)
                throw await stopped(error, commandCount: payload.commands.count)
            }
            apduCount += Self.apduCount(receipt)
            let commandCount = payload.commands.count
            let result: InstallResult
            do throws(InstallClientError) {
                result = try await sendReceipt(receipt)
            } catch {
                if let cause = receiptRetryCause, error.errorCode == .wrongState {
                    var failure = InstallFailure(
                        code: .notConfirmed,
                        stage: .receipt,
                        message: "all \(commandCount) commands of \(payload.sequence.name) \(payload.sequence.version) "
                            + "ran on the card; the receipt was sent again after \(cause), and the server answered "
                            + "that the session no longer awaits one, so the first attempt most likely arrived: "
                            + "the server's registry says whether it recorded the install",
                        session: session,
                        commandsRun: receipt.outcome.commandsRun,
                        exchanges: exchanges
                    )
                    failure.clientError = error
                    failure.receiptError = error
                    failure.receipt = receipt
                    failure.commandCount = commandCount
                    throw failure
                }
                var failure = InstallFailure(
                    code: error.code == .server ? .server : .network,
                    stage: .receipt,
                    message: "all \(commandCount) commands of \(payload.sequence.name) \(payload.sequence.version) "
                        + "ran on the card, but "
                        + (error.code == .server
                            ? "the server refused the receipt: \(error)"
                            : "the receipt could not be sent (\(error)), so the server has not recorded the "
                                + "install: run the same command again to finish it"),
                    session: session,
                    commandsRun: receipt.outcome.commandsRun,
                    exchanges: exchanges
                )
                failure.clientError = error
                failure.receiptError = error
                failure.receipt = receipt
                failure.commandCount = commandCount
                throw failure
            }
            guard result.status == "installed" else {
                var failure = InstallFailure(
                    code: .notConfirmed,
                    stage: .receipt,
                    message: "all \(commandCount) commands ran on the card, but the server recorded "
                        + "'\(result.status)': \(result.message)",
                    session: session,
                    commandsRun: receipt.outcome.commandsRun,
                    exchanges: exchanges
                )
                failure.receipt = receipt
                failure.receiptSent = true
                failure.serverResult = result
                failure.commandCount = commandCount
                throw failure
            }
            var outcome = outcome(.installed, commandsRun: receipt.outcome.commandsRun, serverMessage: result.message)
            outcome.sequence = payload.sequence.name
            outcome.version = payload.sequence.version
            outcome.receipt = receipt
            return outcome
        }

        /// The failure for a stopped replay, after sending the partial receipt when there is one.
        mutating func stopped(_ failure: PlayerFailure, commandCount: Int) async -> InstallFailure {
            let code: InstallFailure.Code =
                switch failure.code {
                case .bundleRejected: .bundleRejected
                case .transportFailed: .cardFailed
                case .cancelled: .cancelled
                default: .cardRefused
                }
            var message = failure.message
            var result: InstallResult?
            var receiptError: InstallClientError?
            if let receipt = failure.receipt {
                do throws(InstallClientError) {
                    result = try await sendReceipt(receipt)
                    message += "; the receipt was sent and the server recorded '\(result?.status ?? "")'"
                    if let text = result?.message, !text.isEmpty { message += ": \(text)" }
                } catch {
                    receiptError = error
                    if let cause = receiptRetryCause, error.errorCode == .wrongState {
                        message +=
                            "; the receipt was sent again after \(cause), and the server answered that the "
                            + "session no longer awaits one, so the first attempt most likely arrived"
                    } else {
                        message +=
                            "; the receipt could not be sent (\(error)), so the server does not know how far "
                            + "the install got"
                    }
                }
            }
            if code == .cardFailed {
                message += "; put the card back and run the same command again: the server decides what is left to do"
            } else if code == .cardRefused {
                message += "; the card refused the install, running it again will not help until the cause is fixed"
            }
            var installFailure = InstallFailure(
                code: code,
                stage: .install,
                message: message,
                session: session,
                commandsRun: failure.commandsRun,
                exchanges: exchanges
            )
            installFailure.playerFailure = failure
            installFailure.transportError = failure.transportError
            installFailure.commandCount = commandCount
            installFailure.receipt = failure.receipt
            installFailure.receiptSent = result != nil
            installFailure.serverResult = result
            installFailure.receiptError = receiptError
            return installFailure
        }

        /// Sends the receipt, again after a network failure, never after the server's answer.
        mutating func sendReceipt(_ receipt: Receipt) async throws(InstallClientError) -> InstallResult {
            guard let session else {
                throw InstallClientError(code: .invalidConfiguration, reason: "no session to send the receipt to")
            }
            var attempt = 0
            while true {
                attempt += 1
                count(.receipt)
                do throws(InstallClientError) {
                    let result = try await transport.receipt(session: session, receipt)
                    events(.receiptRecorded(status: result.status, message: result.message))
                    return result
                } catch {
                    guard error.isNetworkFailure, attempt < install.options.receiptAttempts else { throw error }
                    receiptRetryCause = error
                    try? await Task.sleep(for: install.options.receiptRetryDelay)
                }
            }
        }

        // MARK: - Relay

        mutating func relay(over channel: some CardChannel) async throws(InstallFailure) -> InstallOutcome {
            let runner = ProbeRunner(elapsed: install.clock.elapsed)
            let events = self.events
            var previous: [UInt8]?
            var commandsRun = 0
            while true {
                let session = self.session ?? ""
                let next: RelayCommand
                count(.relay)
                do throws(InstallClientError) {
                    next = try await transport.relay(session: session, response: previous)
                } catch {
                    throw failure(error, stage: .relay, commandsRun: commandsRun)
                }
                if next.done {
                    // The server ends the relay after the card's last answer, or at the first answer
                    // the command does not accept, and says which; an older server does not, and
                    // then the last command of an install accepts only 9000.
                    let lastStatus = previous.flatMap {
                        $0.count >= 2 ? StatusWord(sw1: $0[$0.count - 2], sw2: $0[$0.count - 1]) : nil
                    }
                    let installed =
                        next.status.map { $0 == "installed" } ?? (lastStatus == nil || lastStatus == .success)
                    if installed {
                        return outcome(.installed, commandsRun: commandsRun, serverMessage: next.message)
                    }
                    let lastStatusText =
                        lastStatus.map { status in
                            "\(status)\(status.meaning.map { " (\($0))" } ?? "")"
                        } ?? "no answer"
                    throw InstallFailure(
                        code: .cardRefused,
                        stage: .relay,
                        message: "the server stopped the relay after command \(commandsRun - 1), which the card "
                            + "answered with \(lastStatusText)"
                            + (next.message.map { ": \($0)" } ?? "") + "; "
                            + Self.ranText(commandsRun - 1),
                        session: session,
                        commandsRun: commandsRun - 1,
                        exchanges: exchanges
                    )
                }
                guard let hex = next.apdu, let bytes = Hex.bytes(hex), let command = try? CommandAPDU(bytes: bytes)
                else {
                    throw violation(
                        "relay command \(commandsRun) is not a command APDU in hex",
                        stage: .relay,
                        commandsRun: commandsRun
                    )
                }
                guard commandsRun < install.options.maximumRelayCommands else {
                    throw violation(
                        "the server relayed more than \(install.options.maximumRelayCommands) commands",
                        stage: .relay,
                        commandsRun: commandsRun
                    )
                }
                let answer: ProbeRunner.Answer
                do throws(CardTransportError) {
                    answer = try await runner.send(
                        command,
                        purpose: "relay",
                        sensitive: Self.isSensitive(command),
                        over: channel
                    ) { events(.cardExchange($0)) }
                } catch {
                    var failure = InstallFailure(
                        code: .cardFailed,
                        stage: .relay,
                        message: "the card did not answer relayed command \(commandsRun) (\(error)); "
                            + Self.ranText(commandsRun)
                            + "; command \(commandsRun) was sent but not answered, so the card may or may not have run it"
                            + "; put the card back and run the same command again: the server decides what is left to do",
                        session: session,
                        commandsRun: commandsRun,
                        exchanges: exchanges
                    )
                    failure.transportError = error
                    throw failure
                }
                apduCount += answer.apduCount
                commandsRun += 1
                previous = answer.response.bytes
                events(.relayed(commandsRun: commandsRun))
            }
        }

        /// PUT KEY and STORE DATA carry keys and personal data: their relay exchanges are not shown.
        static func isSensitive(_ command: CommandAPDU) -> Bool {
            command.ins == 0xD8 || command.ins == 0xE2
        }

        // MARK: - Helpers

        /// Counts and announces one HTTP request.
        mutating func count(_ kind: InstallExchangeKind) {
            exchanges += 1
            events(.requestSent(kind, count: exchanges))
        }

        /// The failure for an exchange's error: what the card has seen so far and what to do.
        func failure(_ error: InstallClientError, stage: InstallStage, commandsRun: Int) -> InstallFailure {
            var text: String
            switch stage {
            case .start:
                text = error.code == .server ? "the server refused the install: \(error)" : "\(error)"
                text += "; nothing was sent to the card"
            case .probe, .answers:
                text = error.code == .server ? "the server refused the card's answers: \(error)" : "\(error)"
                text += "; the bundle had not arrived, so no install command was sent to the card"
            case .relay:
                text = error.code == .server ? "the server stopped the relay: \(error)" : "\(error)"
                text += " during the relay; " + Self.ranText(commandsRun)
            case .install, .receipt:
                text = "\(error)"
            }
            if error.errorCode == .cardAuthenticationFailed {
                text +=
                    "; do not retry: the card did not authenticate with the issuer's keys, and cards lock "
                    + "after a few failed authentications"
            } else if error.code == .tlsFailure {
                text += "; the server's identity was not verified, so nothing more was sent to it"
            } else if error.isNetworkFailure {
                text += "; run the same command again when the server is reachable"
            }
            var failure = InstallFailure(
                code: error.code == .server ? .server : error.code == .cancelled ? .cancelled : .network,
                stage: stage,
                message: text,
                session: session,
                commandsRun: commandsRun,
                exchanges: exchanges
            )
            if error.code == .malformedResponse || error.code == .invalidConfiguration {
                failure.code = .protocolViolation
            }
            failure.clientError = error
            return failure
        }

        func violation(_ reason: String, stage: InstallStage, commandsRun: Int = 0) -> InstallFailure {
            let card =
                stage == .relay
                ? Self.ranText(commandsRun) + " of the relayed commands"
                : "no install command was sent to the card"
            return InstallFailure(
                code: .protocolViolation,
                stage: stage,
                message: "the server broke the protocol: \(reason); \(card)",
                session: session,
                commandsRun: commandsRun,
                exchanges: exchanges
            )
        }

        /// `no command ran`, `command 0 ran`, `commands 0-6 ran`.
        static func ranText(_ count: Int) -> String {
            switch count {
            case 0: "no command ran"
            case 1: "command 0 ran"
            default: "commands 0-\(count - 1) ran"
            }
        }

        func outcome(_ status: InstallOutcome.Status, commandsRun: Int, serverMessage: String?) -> InstallOutcome {
            InstallOutcome(
                status: status,
                application: application,
                session: session ?? "",
                mode: mode,
                commandsRun: commandsRun,
                exchanges: exchanges,
                probeRounds: probeRounds,
                apduCount: apduCount,
                serverMessage: serverMessage,
                duration: install.clock.elapsed() - start
            )
        }

        static func apduCount(_ receipt: Receipt?) -> Int {
            guard let receipt else { return 0 }
            return receipt.opening.count + receipt.commands.reduce(0) { $0 + $1.exchanges }
        }
    }
}
