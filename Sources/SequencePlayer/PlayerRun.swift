import APDUTypes
import BundleFormat
import CardTransport
import Crypto

/// One run of one bundle over one channel: the state machine behind ``BundlePlayer``.
///
/// The bundle has been verified before a run is made. The run moves through its states in
/// order and never back; every failure leaves it, with the receipt of what ran.
struct PlayerRun {
    /// Where the run is.
    private enum State {
        /// Selecting the issuer security domain, when the player opens the session itself.
        case selectingSecurityDomain
        /// Replaying the recorded INITIALIZE UPDATE of an `online` bundle, when asked to.
        case openingSession
        /// Sending bundle commands; the associated value is the next index.
        case replaying(next: Int)
        /// Every command was answered with an accepted status word.
        case completed
    }

    let bundle: SignedBundle
    let channel: any CardChannel
    let options: BundlePlayer.Options
    let clock: PlayerClock
    let events: @Sendable (PlayerEvent) -> Void
    private let commands: [BundleCommand]
    private let steps: [PlayerStep]
    private let byteCount: Int
    private var state = State.selectingSecurityDomain
    private var commandsRun = 0
    private var bytesSent = 0
    private var currentStep: PlayerStep?
    private var loadBlock: Int?
    private var startedAt = BundleTimestamp(secondsSince1970: 0)
    private var start = Duration.zero
    private var opening: [Receipt.OpeningExchange] = []
    private var answered: [Receipt.Command] = []

    init(
        bundle: SignedBundle,
        channel: any CardChannel,
        options: BundlePlayer.Options,
        clock: PlayerClock,
        events: @escaping @Sendable (PlayerEvent) -> Void
    ) {
        self.bundle = bundle
        self.channel = channel
        self.options = options
        self.clock = clock
        self.events = events
        self.commands = bundle.payload.commands
        self.steps = PlayerStep.steps(of: bundle.payload.commands)
        self.byteCount = bundle.payload.commands.reduce(0) { $0 + $1.apdu.count }
    }

    /// Runs to the end or to the first failure.
    mutating func run() async throws(PlayerFailure) -> Receipt {
        startedAt = clock.now()
        start = clock.elapsed()
        let answerToReset = await channel.answerToReset
        events(.started(progress))
        do throws(PlayerFailure) {
            while true {
                switch state {
                case .selectingSecurityDomain:
                    if let aid = securityDomainToSelect {
                        try await selectSecurityDomain(aid)
                    }
                    state = .openingSession
                case .openingSession:
                    try await openSession()
                    state = .replaying(next: 0)
                case .replaying(let next):
                    guard next < commands.count else {
                        state = .completed
                        continue
                    }
                    try await replay(next)
                    state = .replaying(next: next + 1)
                case .completed:
                    events(.finished(progress))
                    return receipt(
                        answerToReset: answerToReset,
                        outcome: .init(status: .completed, commandsRun: commandsRun)
                    )
                }
            }
        } catch {
            var failure = error
            failure.receipt = receipt(
                answerToReset: answerToReset,
                outcome: Receipt.Outcome(
                    status: .stopped,
                    commandsRun: commandsRun,
                    stoppedAt: failure.commandIndex,
                    code: failure.code.name,
                    reason: failure.message,
                    statusWord: failure.statusWord?.description
                )
            )
            events(.finished(progress))
            throw failure
        }
    }

    // MARK: - Opening

    private static func receiptName(_ purpose: APDUExchange.Purpose) -> String {
        switch purpose {
        case .selectSecurityDomain: "select-security-domain"
        case .initializeUpdate: "initialize-update"
        case .getChallenge: "get-challenge"
        case .externalAuthenticate: "external-authenticate"
        case .command: "command"
        }
    }

    private var globalPlatformSession: BundleSecureChannel.GlobalPlatformSession? {
        if case .globalPlatform(let session) = bundle.payload.secureChannel { return session }
        return nil
    }

    /// The security domain to select: only when the player opens the session itself, since a
    /// SELECT ends a session the caller opened.
    private var securityDomainToSelect: ApplicationIdentifier? {
        guard options.selectsSecurityDomain, let aid = bundle.payload.card.identity.isdAID else { return nil }
        switch bundle.payload.secureChannel {
        case .none:
            return aid
        case .globalPlatform(let session):
            // An implicit session starts with the first command, chained from the selected AID.
            return session.mode != .online || options.sessionOpening == .replayInitializeUpdate ? aid : nil
        case .secureMessaging:
            return nil
        }
    }

    private mutating func selectSecurityDomain(_ aid: ApplicationIdentifier) async throws(PlayerFailure) {
        let stage = "SELECT \(Hex.string(aid.bytes))"
        try checkCancellation(before: 0, stage: stage)
        let select = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: aid.bytes, le: 256)
        let outcome = try await sendOpening(select, purpose: .selectSecurityDomain, stage: stage)
        guard outcome.response.statusWord == .success else {
            throw failure(
                .unexpectedStatusWord,
                Self.answered(outcome.response.statusWord),
                stage: stage,
                statusWord: outcome.response.statusWord,
                expected: [.success]
            )
        }
    }

    private mutating func openSession() async throws(PlayerFailure) {
        guard options.sessionOpening == .replayInitializeUpdate else { return }
        switch bundle.payload.secureChannel {
        case .none:
            return
        case .secureMessaging(let session):
            // Only a card whose challenges repeat (a simulated one) answers as recorded; a real
            // card's fresh challenge stops here, before anything of the bundle is sent.
            let challengeStage = "GET CHALLENGE (replayed)"
            try checkCancellation(before: 0, stage: challengeStage)
            let getChallenge = CommandAPDU(cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, le: session.cardChallenge.count)
            let challenge = try await sendOpening(getChallenge, purpose: .getChallenge, stage: challengeStage)
            try requireSuccess(challenge, stage: challengeStage)
            guard challenge.response.data == session.cardChallenge else {
                throw failure(.sessionMismatch, Self.sessionMismatchReason, stage: challengeStage)
            }
            let stage = "EXTERNAL AUTHENTICATE (replayed)"
            guard let command = try? CommandAPDU(bytes: session.authentication.command) else {
                throw failure(.unsupportedOpening, "the recorded EXTERNAL AUTHENTICATE does not decode", stage: stage)
            }
            let outcome = try await sendOpening(command, purpose: .externalAuthenticate, stage: stage)
            try requireSuccess(outcome, stage: stage)
            guard outcome.response.data == session.authentication.response else {
                throw failure(.sessionMismatch, Self.sessionMismatchReason, stage: stage)
            }
        case .globalPlatform(let session):
            guard session.mode == .online else { return }
            let stage = "INITIALIZE UPDATE (replayed)"
            try checkCancellation(before: 0, stage: stage)
            guard let command = try? CommandAPDU(bytes: session.initializeUpdate.command) else {
                throw failure(.unsupportedOpening, "the recorded INITIALIZE UPDATE does not decode", stage: stage)
            }
            let outcome = try await sendOpening(command, purpose: .initializeUpdate, stage: stage)
            guard outcome.response.statusWord == .success else {
                throw failure(
                    .unexpectedStatusWord,
                    Self.answered(outcome.response.statusWord),
                    stage: stage,
                    statusWord: outcome.response.statusWord,
                    expected: [.success]
                )
            }
            guard outcome.response.data == session.initializeUpdate.response else {
                throw failure(.sessionMismatch, Self.sessionMismatchReason, stage: stage)
            }
        }
    }

    private func requireSuccess(_ outcome: TransportRecovery.Outcome, stage: String) throws(PlayerFailure) {
        guard outcome.response.statusWord == .success else {
            throw failure(
                .unexpectedStatusWord,
                Self.answered(outcome.response.statusWord),
                stage: stage,
                statusWord: outcome.response.statusWord,
                expected: [.success]
            )
        }
    }

    private mutating func sendOpening(
        _ command: CommandAPDU,
        purpose: APDUExchange.Purpose,
        stage: String
    ) async throws(PlayerFailure) -> TransportRecovery.Outcome {
        let outcome: TransportRecovery.Outcome
        do throws(CardTransportError) {
            outcome = try await TransportRecovery(channel: channel, clock: clock)
                .send(command, purpose: purpose, sensitive: false) { events(.exchange($0)) }
        } catch {
            throw transportFailure(error, stage: stage)
        }
        opening.append(
            Receipt.OpeningExchange(
                purpose: Self.receiptName(purpose),
                command: Hex.string(command.bytes),
                response: Hex.string(outcome.response.data),
                statusWord: outcome.response.statusWord.description,
                durationMicroseconds: outcome.duration.wholeMicroseconds
            )
        )
        return outcome
    }

    // MARK: - Commands

    private mutating func replay(_ index: Int) async throws(PlayerFailure) {
        let command = commands[index]
        try checkCancellation(before: index, stage: nil)
        if let step = steps.first(where: { $0.commands.contains(index) }), step != currentStep {
            currentStep = step
            loadBlock = nil
            events(.stepStarted(step, progress))
        }
        if PlayerStep.isLoad(command.apdu) {
            loadBlock = (loadBlock ?? 0) + 1
        }
        events(.commandSent(index: index, progress))
        guard let apdu = try? command.commandAPDU() else {
            // Verification decodes every APDU; this is unreachable for a verified bundle.
            throw failure(.bundleRejected, "the command does not decode as an ISO 7816-4 command", at: index)
        }
        let outcome: TransportRecovery.Outcome
        do throws(CardTransportError) {
            outcome = try await TransportRecovery(channel: channel, clock: clock)
                .send(apdu, purpose: .command(index), sensitive: command.sensitive) { events(.exchange($0)) }
        } catch {
            throw transportFailure(error, at: index)
        }
        let statusWord = outcome.response.statusWord
        answered.append(
            Receipt.Command(
                index: index,
                statusWord: statusWord.description,
                response: Hex.string(outcome.response.data),
                sensitive: command.sensitive,
                durationMicroseconds: outcome.duration.wholeMicroseconds,
                exchanges: outcome.exchanges
            )
        )
        guard command.accepts(statusWord) else {
            throw failure(
                .unexpectedStatusWord,
                Self.answered(statusWord),
                at: index,
                statusWord: statusWord,
                expected: command.expect
            )
        }
        if index == 0, let session = globalPlatformSession, session.mode == .precomputed,
            outcome.response.data != session.initializeUpdate.response
        {
            throw failure(.sessionMismatch, Self.sessionMismatchReason, at: index)
        }
        commandsRun = index + 1
        bytesSent += command.apdu.count
        events(
            .commandAnswered(index: index, statusWord: statusWord, duration: outcome.duration, progress)
        )
    }

    // MARK: - Failures

    static let sessionMismatchReason =
        "the card's session differs from the one the bundle was computed for: another card, or its sequence counter moved"

    /// `card answered 6982 (security status not satisfied)`.
    static func answered(_ statusWord: StatusWord) -> String {
        guard let meaning = statusWord.meaning else { return "card answered \(statusWord)" }
        return "card answered \(statusWord) (\(meaning))"
    }

    private func checkCancellation(before index: Int, stage: String?) throws(PlayerFailure) {
        guard Task.isCancelled else { return }
        var cancelled = failure(.cancelled, "the task was cancelled", at: index, stage: stage)
        if stage != nil { cancelled.commandIndex = nil }
        throw cancelled
    }

    private func transportFailure(
        _ error: CardTransportError,
        at index: Int? = nil,
        stage: String? = nil
    ) -> PlayerFailure {
        var failure = failure(.transportFailed, Self.transportReason(error), at: index, stage: stage)
        failure.transportError = error
        return failure
    }

    /// `the card was removed (cardRemoved: …)`.
    static func transportReason(_ error: CardTransportError) -> String {
        let what: String
        switch error.code {
        case .cardRemoved: what = "the card was removed"
        case .readerRemoved: what = "the reader disappeared"
        case .noCard: what = "the reader has no card"
        case .noReader: what = "no reader"
        case .serviceUnavailable: what = "the PC/SC service is unavailable"
        case .closed: what = "the channel was closed"
        default: what = "the transport failed"
        }
        return "\(what) (\(error))"
    }

    private func failure(
        _ code: PlayerFailure.Code,
        _ reason: String,
        at index: Int? = nil,
        stage: String? = nil,
        statusWord: StatusWord? = nil,
        expected: [StatusWordPattern] = [],
        file: String = #fileID,
        line: UInt = #line
    ) -> PlayerFailure {
        var failure = PlayerFailure(
            code: code,
            reason: reason,
            commandCount: commands.count,
            commandsRun: commandsRun,
            commandIndex: index,
            file: file,
            line: line
        )
        if let index, commands.indices.contains(index) {
            failure.step = commands[index].step
            failure.origin = commands[index].origin
            failure.note = commands[index].note
        }
        failure.stage = stage
        failure.statusWord = statusWord
        failure.expected = expected
        return failure
    }

    // MARK: - Reporting

    private var progress: PlayerProgress {
        PlayerProgress(
            commandsCompleted: commandsRun,
            commandCount: commands.count,
            step: currentStep,
            stepCount: steps.count,
            loadBlock: loadBlock,
            bytesSent: bytesSent,
            byteCount: byteCount,
            elapsed: clock.elapsed() - start
        )
    }

    private func receipt(answerToReset: [UInt8], outcome: Receipt.Outcome) -> Receipt {
        let payload = bundle.payload
        return Receipt(
            bundle: Receipt.BundleReference(
                id: Hex.string(payload.id),
                digest: Self.digest(of: bundle),
                sequence: payload.sequence.name,
                version: payload.sequence.version,
                commandCount: payload.commands.count
            ),
            answerToReset: Hex.string(answerToReset),
            startedAt: startedAt.iso8601,
            durationMicroseconds: (clock.elapsed() - start).wholeMicroseconds,
            opening: opening,
            commands: answered,
            outcome: outcome
        )
    }

    /// `sha256:` and the lower-case hex SHA-256 of the bundle's file form.
    static func digest(of bundle: SignedBundle) -> String {
        "sha256:" + Hex.string(Array(SHA256.hash(data: bundle.encoded()))).lowercased()
    }
}
