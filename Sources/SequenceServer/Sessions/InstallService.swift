import APDUTypes
public import BundleFormat
import Crypto
public import KeyStore
import SecureChannel
import SequenceCompiler
public import SequencePlayer
public import SequenceProtocol
import Synchronization

/// The install protocol without HTTP: sessions, card identification and authentication, compiling,
/// securing and signing, receipts, relay, and the registry.
///
/// Each method takes one decoded request and returns the answer, or throws the ``ServerError``
/// the client gets. Sessions live in memory under one lock; compiling happens outside it, so
/// installs onto different cards run in parallel, while a card is held by one session at a
/// time. Time and randomness come from the ``ServerEnvironment``.
public final class InstallService: Sendable {
    /// Limits that shape sessions.
    public struct Settings: Sendable {
        /// How long a session lives from its start, in seconds; the bundle is valid as long.
        public var sessionLifetime: Int64
        /// How long a finished session is remembered after its expiry, in seconds, so that late
        /// or repeated messages get `409` or `410` instead of `404`.
        public var retention: Int64

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - sessionLifetime: Seconds from a session's start to its expiry; 300 by default.
        ///   - retention: Seconds a finished session is remembered past its expiry; 3600 by default.
        public init(sessionLifetime: Int64 = 300, retention: Int64 = 3600) {
            self.sessionLifetime = sessionLifetime
            self.retention = retention
        }
    }

    /// The applications.
    public let catalogue: Catalogue
    /// The issuer's per-card data.
    public let cardData: any CardDataSource
    /// The card keys.
    public let keys: any KeyProvider
    /// The registry and audit trail.
    public let registry: Registry
    /// Time and randomness.
    public let environment: ServerEnvironment
    /// Session limits.
    public let settings: Settings
    let signer: any BundleSigner
    let table = Mutex(SessionTable())

    /// Creates a service.
    ///
    /// - Parameters:
    ///   - catalogue: The applications.
    ///   - cardData: The issuer's per-card data.
    ///   - keys: The card keys.
    ///   - signer: Signs every bundle.
    ///   - registry: The registry and audit trail.
    ///   - environment: Time and randomness; the system's by default.
    ///   - settings: Session limits.
    public init(
        catalogue: Catalogue,
        cardData: any CardDataSource,
        keys: any KeyProvider,
        signer: any BundleSigner,
        registry: Registry,
        environment: ServerEnvironment = .system,
        settings: Settings = Settings()
    ) {
        self.catalogue = catalogue
        self.cardData = cardData
        self.keys = keys
        self.signer = signer
        self.registry = registry
        self.environment = environment
        self.settings = settings
    }

    /// The public key that verifies this server's bundles: what clients pin.
    public var signingKey: BundlePublicKey { signer.publicKey }

    // MARK: - Step 1: install request → probe

    /// Starts a session: checks the request and answers with the probe.
    ///
    /// - Parameter request: The client's request.
    /// - Returns: The session and its probe.
    /// - Throws: ``ServerError``: `unsupported-version` or `unknown-application`.
    public func start(_ request: InstallRequest) async throws(ServerError) -> ProbeResponse {
        try await audited("install", session: nil) { () async throws(ServerError) -> (ProbeResponse, String, String?) in
            let response = try await startSession(request)
            return (response, "probe sent for '\(request.application)' (\(request.mode.rawValue))", response.session)
        }
    }

    private func startSession(_ request: InstallRequest) async throws(ServerError) -> ProbeResponse {
        guard request.protocolVersion == SequenceProtocol.version else {
            throw ServerError(
                .unsupportedVersion,
                "this server speaks protocol version \(SequenceProtocol.version), not \(request.protocolVersion)"
            )
        }
        guard let entry = catalogue[request.application] else {
            throw ServerError(
                .unknownApplication,
                "no application '\(request.application.prefix(64))' in the catalogue"
            )
        }
        let now = environment.now()
        let id = Hex.string(environment.randomBytes(16))
        // A script for GlobalPlatform cards gets their probe; one only for file-oriented cards
        // gets the EF.GDO probe, whose EXTERNAL AUTHENTICATE comes in a second probe.
        let flow: InstallSession.Flow = entry.supportsGlobalPlatform ? .globalPlatform : .fileCard
        let hostChallenge: [UInt8]
        let probe: ProbeScript
        switch flow {
        case .globalPlatform:
            hostChallenge = environment.randomBytes(GlobalPlatformProbe.hostChallengeLength)
            probe = GlobalPlatformProbe.script(hostChallenge: hostChallenge)
        case .fileCard:
            hostChallenge = []
            probe = FileCardProbe.script()
        }
        let session = InstallSession(
            id: id,
            entry: entry,
            mode: request.mode,
            createdAt: now,
            expiresAt: now.adding(seconds: settings.sessionLifetime),
            hostChallenge: hostChallenge,
            probe: probe,
            card: nil,
            state: .probed,
            flow: flow
        )
        let expiries = try table.withLock { (table: inout SessionTable) throws(ServerError) -> [SessionTable.Expiry] in
            guard table.sessions[id] == nil else {
                throw ServerError.internalError("the random source repeated a session id")
            }
            table.sessions[id] = session
            return table.sweep(now: now, retention: settings.retention)
        }
        try await record(expiries, at: now)
        try await writing {
            try await self.registry.sessionStarted(
                id,
                application: entry.name,
                version: entry.version,
                mode: request.mode.rawValue,
                at: now,
                expiresAt: session.expiresAt
            )
        }
        return ProbeResponse(session: id, expiresAt: session.expiresAt.iso8601, probe: probe)
    }

    // MARK: - Step 2: answers → bundle

    /// Reads the card's answers: identifies and authenticates the card, then compiles, secures and
    /// signs the install for it.
    ///
    /// - Parameters:
    ///   - session: The session id.
    ///   - answers: The card's answers to the probe.
    /// - Returns: The bundle, the relay go-ahead, or "already installed".
    /// - Throws: ``ServerError``; see `Docs/Protocol.md` for which code closes the session.
    public func answers(session: String, _ answers: ProbeAnswers) async throws(ServerError) -> InstallStep {
        try await audited("answers", session: session) {
            () async throws(ServerError) -> (InstallStep, String, String?) in
            let step = try await answer(session, answers)
            let detail: String
            switch step.kind {
            case .bundle: detail = "bundle issued"
            case .relay: detail = "relay ready"
            case .alreadyInstalled: detail = "already installed"
            case .probe: detail = "external authenticate sent"
            }
            return (step, detail, session)
        }
    }

    private func answer(_ id: String, _ answers: ProbeAnswers) async throws(ServerError) -> InstallStep {
        let now = environment.now()
        let session = try await current(id, now: now, expecting: "probed") { session in
            switch session.state {
            case .probed: return true
            case .authenticating: return session.flow == .fileCard
            default: return false
            }
        }
        if session.flow == .fileCard {
            return try await fileCardAnswer(session, answers, now: now)
        }
        let card: ProbedCard
        do {
            card = try GlobalPlatformProbe.read(answers, script: session.probe)
        } catch {
            if error.code == .unknownCard || error.code == .cardAuthenticationFailed {
                try await close(id, reason: error.message, at: now)
            }
            throw error
        }
        let replayed = table.withLock { table in
            table.sessions.values.contains {
                $0.id != id && $0.card?.initializeUpdateResponse == card.initializeUpdateResponse
            }
        }
        guard !replayed else {
            throw ServerError(.answersMismatch, "these INITIALIZE UPDATE answers were already used in another session")
        }
        let cardData: CardData
        let selected: SelectedKeySet
        do {
            cardData = try self.cardData.cardData(for: card)
            selected = try keySet(for: card, cardData: cardData)
        } catch {
            try await close(id, reason: error.message, at: now)
            throw error
        }
        let cardKey = card.registryKey
        let held: (expiries: [SessionTable.Expiry], busy: ServerError?)
        held = try table.withLock { (table: inout SessionTable) throws(ServerError) in
            guard var current = table.sessions[id], case .probed = current.state else {
                throw ServerError(.wrongState, "the session is no longer waiting for answers")
            }
            var expiries: [SessionTable.Expiry] = []
            if let holder = table.holders[cardKey] {
                if let expiry = table.expireIfDue(holder, now: now) {
                    expiries.append(expiry)
                } else {
                    let until = table.sessions[holder]?.expiresAt.iso8601 ?? "?"
                    table.finish(id, .failed)
                    let busy = ServerError(
                        .cardBusy,
                        "another install (session \(holder)) is in progress on this card until it ends or expires at \(until)"
                    )
                    return (expiries, busy)
                }
            }
            current.card = card
            current.state = .compiling(card: cardKey)
            table.sessions[id] = current
            table.holders[cardKey] = id
            return (expiries, nil)
        }
        try await record(held.expiries, at: now)
        if let busy = held.busy {
            try await writing {
                try await self.registry.sessionState(id, state: "failed", reason: busy.message, at: now)
            }
            throw busy
        }
        do {
            return try await issue(session, card: card, cardData: cardData, selected: selected, now: now)
        } catch {
            let stays = error.code == .answersMismatch
            table.withLock { table in
                if stays, var current = table.sessions[id] {
                    table.release(current)
                    current.card = nil
                    current.state = .probed
                    table.sessions[id] = current
                } else if !stays {
                    table.finish(id, .failed)
                }
            }
            if !stays {
                try await writing {
                    try await self.registry.sessionState(id, state: "failed", reason: error.message, at: now)
                }
            }
            throw error
        }
    }

    /// Authenticates the card, then answers "already installed" or compiles, signs and issues the install.
    private func issue(
        _ session: InstallSession,
        card: ProbedCard,
        cardData: CardData,
        selected: SelectedKeySet,
        now: BundleTimestamp
    ) async throws(ServerError) -> InstallStep {
        let entry = session.entry
        var keys = selected.keys
        let keyVersion = keys.keyVersion
        // The probe asked for key version 00 (the card's default key set); the key set's own
        // version is checked here instead of by the session.
        keys.keyVersion = 0
        if keyVersion != 0, card.keyVersion != keyVersion {
            throw ServerError(
                .cardAuthenticationFailed,
                "the card's default key set has key version \(Hex.string([card.keyVersion])); the issuer's key set "
                    + "'\(selected.name)' is version \(Hex.string([keyVersion]))"
            )
        }
        var configuration = selected.configuration
        configuration.securityDomainAID = card.isdAID
        try authenticate(session, card: card, keys: keys, configuration: configuration, keySetName: selected.name)
        try await writing { try await self.registry.cardSeen(card, session: session.id, at: now) }
        if let installed = try await alreadyInstalled(session, cardKey: card.registryKey, now: now) {
            return installed
        }
        let remaining = max(1, session.expiresAt.secondsSince1970 - now.secondsSince1970)
        let request = BundleCompiler.Request(
            keys: keys,
            configuration: configuration,
            hostChallenge: session.hostChallenge,
            initializeUpdateResponse: card.initializeUpdateResponse,
            signer: signer,
            issuedAt: now,
            lifetime: remaining,
            bundleID: environment.randomBytes(16)
        )
        let result: BundleCompiler.Result
        do {
            result = try BundleCompiler.compile(entry.prepared, cardData: cardData, request: request)
        } catch {
            throw ServerError.internalError("the install could not be secured or signed for this card: \(error)")
        }
        // With R-MAC in the level, the receipt's responses are checked against the card's keys.
        var responseCheck: MACChainCheck?
        if configuration.securityLevel.contains(.responseMAC) {
            // The card's own key version, as its INITIALIZE UPDATE response names it.
            var stored = keys
            stored.keyVersion = card.keyVersion
            let cardKeys = try? configuration.diversification.diversify(
                stored,
                keyDiversificationData: card.keyDiversificationData
            )
            responseCheck = cardKeys.map { MACChainCheck(cardKeys: $0) }
        }
        return try await issue(
            session,
            cardKey: card.registryKey,
            result: result,
            now: now,
            responseCheck: responseCheck
        )
    }

    /// The "already installed" answer, when the registry says the application is on the card.
    ///
    /// Only when the entry does not reinstall; the session then ends. `nil` otherwise.
    func alreadyInstalled(
        _ session: InstallSession,
        cardKey: String,
        now: BundleTimestamp
    ) async throws(ServerError) -> InstallStep? {
        let entry = session.entry
        if !entry.reinstall {
            let latest = try await reading {
                try await self.registry.latestFinishedInstall(card: cardKey, application: entry.name)
            }
            if let latest, latest.state == "installed" {
                let message =
                    "\(entry.name) \(latest.version) is installed on this card (session \(latest.session), "
                    + "\(latest.finishedAt ?? latest.issuedAt)); the catalogue does not reinstall it"
                table.withLock { $0.finish(session.id, .alreadyInstalled) }
                try await writing {
                    try await self.registry.sessionState(
                        session.id,
                        state: "already-installed",
                        reason: message,
                        at: now
                    )
                }
                return InstallStep(kind: .alreadyInstalled, message: message)
            }
        }
        return nil
    }

    /// Records a compiled install and answers with its bundle (or the relay go-ahead); a script
    /// that did not compile for the card is `500`, its diagnostics in the audit trail.
    func issue(
        _ session: InstallSession,
        cardKey: String,
        result: BundleCompiler.Result,
        now: BundleTimestamp,
        responseCheck: MACChainCheck? = nil
    ) async throws(ServerError) -> InstallStep {
        let entry = session.entry
        guard let bundle = result.bundle else {
            // The diagnostics may quote the card's record: they go to the audit trail, not to the client.
            let text = DiagnosticRenderer(sources: result.sources, showsExcerpts: false).render(result.diagnostics)
            try await writing {
                try await self.registry.audit(
                    session: session.id,
                    action: "compile",
                    status: 500,
                    code: ErrorCode.internalError.rawValue,
                    detail: text,
                    at: now
                )
            }
            throw ServerError.internalError(
                "'\(entry.name)' does not compile for this card's data; the server's audit trail has the diagnostics"
            )
        }
        let encoded = bundle.encoded()
        let digest = "sha256:" + Hex.string(Array(SHA256.hash(data: encoded))).lowercased()
        let next: InstallSession.State =
            session.mode == .relay
            ? .relaying(.init(card: cardKey, bundle: bundle, sent: 0))
            : .bundleIssued(.init(card: cardKey, bundle: bundle, digest: digest, responseCheck: responseCheck))
        table.withLock { table in
            table.sessions[session.id]?.state = next
        }
        try await writing {
            try await self.registry.installIssued(
                session: session.id,
                card: cardKey,
                application: entry.name,
                version: entry.version,
                mode: session.mode.rawValue,
                bundleID: Hex.string(bundle.payload.id),
                digest: digest,
                commandCount: bundle.payload.commands.count,
                sessionState: session.mode == .relay ? "relaying" : "bundle-issued",
                at: now
            )
        }
        if session.mode == .relay {
            return InstallStep(
                kind: .relay,
                message: "\(bundle.payload.commands.count) commands: post to /v1/installs/\(session.id)/relay"
            )
        }
        return InstallStep(kind: .bundle, bundle: String(decoding: encoded, as: UTF8.self))
    }

    /// The key set for a card: matched on the card-data file's identification, with the card's KDD.
    private func keySet(for card: ProbedCard, cardData: CardData) throws(ServerError) -> SelectedKeySet {
        let identity = CardIdentity(
            isdAID: cardData.bytes(for: .issuerSecurityDomain) ?? card.isdAID.bytes,
            iin: cardData.bytes(for: .iin),
            cin: cardData.bytes(for: .cin),
            keyDiversificationData: card.keyDiversificationData
        )
        do {
            return try keys.keySet(for: identity)
        } catch {
            throw ServerError(.unknownCard, "no usable key set for the card: \(error)")
        }
    }

    /// Checks the card cryptogram; tells a replay of another session's answers from a card with other keys.
    private func authenticate(
        _ session: InstallSession,
        card: ProbedCard,
        keys: StaticKeys,
        configuration: SecureChannelSession.Configuration,
        keySetName: String
    ) throws(ServerError) {
        func verifies(_ challenge: [UInt8]) -> SecureChannelError? {
            do throws(SecureChannelError) {
                var channel = try SecureChannelSession(
                    keys: keys,
                    configuration: configuration,
                    hostChallenge: challenge
                )
                try channel.receiveInitializeUpdateResponse(card.initializeUpdateResponse)
                return nil
            } catch {
                return error
            }
        }
        guard let failure = verifies(session.hostChallenge) else { return }
        if failure.code == .malformedResponse {
            throw ServerError(.answersMismatch, "the INITIALIZE UPDATE answer is malformed: \(failure)")
        }
        if failure.code == .cardCryptogramMismatch {
            let others = table.withLock { table in
                table.sessions.values.filter {
                    $0.id != session.id && $0.flow == .globalPlatform && $0.hostChallenge != session.hostChallenge
                }
                .map(\.hostChallenge)
            }
            if others.contains(where: { verifies($0) == nil }) {
                throw ServerError(
                    .answersMismatch,
                    "the INITIALIZE UPDATE answer belongs to another session's host challenge"
                )
            }
        }
        throw ServerError(
            .cardAuthenticationFailed,
            "the card did not authenticate with key set '\(keySetName)' (\(failure.code)); the session is closed and "
                + "must not be retried: cards lock after a few failed authentications"
        )
    }

    // MARK: - Step 3: receipt → result

    /// Checks a receipt against the session's bundle and records the install's outcome.
    ///
    /// - Parameters:
    ///   - session: The session id.
    ///   - receipt: The player's receipt.
    /// - Returns: What was recorded.
    /// - Throws: ``ServerError``: `receipt-mismatch` (the session stays open for the right
    ///   receipt), `wrong-state`, `unknown-session`, `session-expired`.
    public func receipt(session: String, _ receipt: Receipt) async throws(ServerError) -> InstallResult {
        try await audited("receipt", session: session) {
            () async throws(ServerError) -> (InstallResult, String, String?) in
            let result = try await acceptReceipt(session, receipt)
            return (result, result.message, session)
        }
    }

    private func acceptReceipt(_ id: String, _ receipt: Receipt) async throws(ServerError) -> InstallResult {
        let now = environment.now()
        let session = try await current(id, now: now, expecting: "bundle issued") { session in
            if case .bundleIssued = session.state { return true }
            return false
        }
        guard case .bundleIssued(let issued) = session.state else {
            throw ServerError(.wrongState, "the session has no bundle awaiting a receipt")
        }
        let verdict = try ReceiptCheck.check(receipt, bundle: issued.bundle, digest: issued.digest)
        if let check = issued.responseCheck {
            var responses: [CardResponse] = []
            for answered in receipt.commands {
                guard let data = Hex.bytes(answered.response), let sw = Hex.bytes(answered.statusWord), sw.count == 2
                else {
                    throw ServerError(.receiptMismatch, "command \(answered.index)'s response is not hex")
                }
                responses.append(CardResponse(data: data, statusWord: StatusWord(sw1: sw[0], sw2: sw[1])))
            }
            if let failure = check.checkResponseMACs(issued.bundle, responses: responses) {
                throw ServerError(
                    .receiptMismatch,
                    "command \(failure.commandIndex.map(String.init) ?? "-"): \(failure.message)"
                )
            }
        }
        let finished = try table.withLock { (table: inout SessionTable) throws(ServerError) -> Bool in
            guard let current = table.sessions[id], case .bundleIssued = current.state else { return false }
            switch verdict {
            case .installed: table.finish(id, .installed)
            case .failed: table.finish(id, .failed)
            }
            return true
        }
        guard finished else {
            throw ServerError(.wrongState, "the session's receipt was already taken")
        }
        let name = "\(session.entry.name) \(session.entry.version)"
        switch verdict {
        case .installed(let run):
            try await writing {
                try await self.registry.installFinished(
                    session: id,
                    installState: "installed",
                    sessionState: "installed",
                    commandsRun: run,
                    reason: nil,
                    at: now
                )
            }
            let checked =
                issued.responseCheck != nil
                ? " (every response's R-MAC verified)"
                : " (the channel has no R-MAC, so the status words are the client's report)"
            return InstallResult(status: "installed", message: "\(name) installed: \(run) commands accepted\(checked)")
        case .failed(let run, let reason):
            try await writing {
                try await self.registry.installFinished(
                    session: id,
                    installState: "failed",
                    sessionState: "failed",
                    commandsRun: run,
                    reason: reason,
                    at: now
                )
            }
            return InstallResult(
                status: "failed",
                message: "\(name) not installed: \(reason); \(run) commands ran. Run the install again to finish it"
            )
        }
    }

    // MARK: - Relay

    /// One relay exchange: checks the previous command's answer and returns the next command.
    ///
    /// - Parameters:
    ///   - session: The session id.
    ///   - exchange: The previous command's response; none the first time.
    /// - Returns: The next command, or `done`.
    /// - Throws: ``ServerError``.
    public func relay(session: String, _ exchange: RelayExchange) async throws(ServerError) -> RelayCommand {
        try await audited("relay", session: session) {
            () async throws(ServerError) -> (RelayCommand, String, String?) in
            let command = try await relayNext(session, exchange)
            return (command, command.done ? (command.message ?? "done") : "command sent", session)
        }
    }

    private enum RelayStep {
        case send(String)
        case installed(Int)
        case failed(Int, String)
    }

    private func relayNext(_ id: String, _ exchange: RelayExchange) async throws(ServerError) -> RelayCommand {
        let now = environment.now()
        let session = try await current(id, now: now, expecting: "relaying") { session in
            if case .relaying = session.state { return true }
            return false
        }
        var response: CardResponse?
        if let text = exchange.response {
            guard let bytes = Hex.bytes(text), let parsed = CardResponse.parse(bytes) else {
                throw ServerError.malformed("the relayed response is not a response APDU in hex")
            }
            response = parsed
        }
        let step = try table.withLock { (table: inout SessionTable) throws(ServerError) -> RelayStep in
            guard var current = table.sessions[id], case .relaying(var progress) = current.state else {
                throw ServerError(.wrongState, "the session is not relaying")
            }
            let commands = progress.bundle.payload.commands
            if progress.sent > 0 {
                guard let response else {
                    throw ServerError(.wrongState, "the relay awaits the response to command \(progress.sent - 1)")
                }
                let previous = commands[progress.sent - 1]
                guard previous.accepts(response.statusWord) else {
                    table.finish(id, .failed)
                    let meaning = response.statusWord.meaning.map { " (\($0))" } ?? ""
                    return .failed(
                        progress.sent - 1,
                        "the card answered \(response.statusWord)\(meaning) to command \(progress.sent - 1)"
                    )
                }
                if progress.sent == commands.count {
                    table.finish(id, .installed)
                    return .installed(commands.count)
                }
            } else if response != nil {
                throw ServerError(.wrongState, "the first relay exchange carries no response")
            }
            let next = commands[progress.sent]
            progress.sent += 1
            current.state = .relaying(progress)
            table.sessions[id] = current
            return .send(Hex.string(next.apdu))
        }
        let name = "\(session.entry.name) \(session.entry.version)"
        switch step {
        case .send(let apdu):
            return RelayCommand(apdu: apdu, done: false)
        case .installed(let run):
            try await writing {
                try await self.registry.installFinished(
                    session: id,
                    installState: "installed",
                    sessionState: "installed",
                    commandsRun: run,
                    reason: nil,
                    at: now
                )
            }
            return RelayCommand(
                apdu: nil,
                done: true,
                message: "\(name) installed: \(run) commands accepted",
                status: "installed"
            )
        case .failed(let run, let reason):
            try await writing {
                try await self.registry.installFinished(
                    session: id,
                    installState: "failed",
                    sessionState: "failed",
                    commandsRun: run,
                    reason: reason,
                    at: now
                )
            }
            return RelayCommand(apdu: nil, done: true, message: "\(name) not installed: \(reason)", status: "failed")
        }
    }

    // MARK: - Shared

    /// The session, after expiring it if due: `404` when unknown, `410` when expired, `409` when
    /// its state is not the one the message needs.
    func current(
        _ id: String,
        now: BundleTimestamp,
        expecting: String,
        _ fits: (InstallSession) -> Bool
    ) async throws(ServerError) -> InstallSession {
        let (session, expiry) = table.withLock { table in
            let expiry = table.expireIfDue(id, now: now)
            return (table.sessions[id], expiry)
        }
        if let expiry {
            try await record([expiry], at: now)
        }
        guard let session else { throw ServerError.unknownSession(id) }
        if case .finished(.expired) = session.state {
            throw ServerError(.sessionExpired, "the session expired at \(session.expiresAt.iso8601)")
        }
        guard fits(session) else {
            throw ServerError(
                .wrongState,
                "the session is \(session.stateName), not \(expecting); start a new install instead of repeating a message"
            )
        }
        return session
    }

    /// Ends a session as failed (the card cannot be served) and records why.
    func close(_ id: String, reason: String, at now: BundleTimestamp) async throws(ServerError) {
        table.withLock { $0.finish(id, .failed) }
        try await writing { try await self.registry.sessionState(id, state: "failed", reason: reason, at: now) }
    }

    /// Records expired sessions.
    func record(_ expiries: [SessionTable.Expiry], at now: BundleTimestamp) async throws(ServerError) {
        for expiry in expiries {
            let reason = "no message came before the session expired"
            try await writing {
                if expiry.hadInstall {
                    try await self.registry.installFinished(
                        session: expiry.session,
                        installState: "expired",
                        sessionState: "expired",
                        commandsRun: nil,
                        reason: reason + "; the card may hold part of the install",
                        at: now
                    )
                } else {
                    try await self.registry.sessionState(expiry.session, state: "expired", reason: reason, at: now)
                }
                try await self.registry.audit(
                    session: expiry.session,
                    action: "expire",
                    status: 410,
                    code: ErrorCode.sessionExpired.rawValue,
                    detail: reason,
                    at: now
                )
            }
        }
    }

    /// Records a request the HTTP layer refused before it reached a method (malformed or too large).
    ///
    /// - Parameters:
    ///   - action: `install`, `answers`, `receipt` or `relay`.
    ///   - session: The session the URL names, if any.
    ///   - error: The error answered.
    public func recordRefusal(action: String, session: String?, error: ServerError) async {
        try? await registry.audit(
            session: session.map { String($0.prefix(64)) },
            action: action,
            status: error.httpStatus,
            code: error.code.rawValue,
            detail: error.message,
            at: environment.now()
        )
    }

    /// Runs a request and writes its audit event, success or error.
    private func audited<Answer>(
        _ action: String,
        session: String?,
        _ body: () async throws(ServerError) -> (Answer, String, String?)
    ) async throws(ServerError) -> Answer {
        do {
            let (answer, detail, auditSession) = try await body()
            let status = action == "install" ? 201 : 200
            try await writing {
                try await self.registry.audit(
                    session: auditSession,
                    action: action,
                    status: status,
                    code: nil,
                    detail: detail,
                    at: self.environment.now()
                )
            }
            return answer
        } catch {
            await recordRefusal(action: action, session: session, error: error)
            throw error
        }
    }

    func writing(_ body: () async throws -> Void) async throws(ServerError) {
        do {
            try await body()
        } catch {
            throw ServerError.internalError("the registry could not be written")
        }
    }

    func reading<Value>(_ body: () async throws -> Value) async throws(ServerError) -> Value {
        do {
            return try await body()
        } catch {
            throw ServerError.internalError("the registry could not be read")
        }
    }
}
