import APDUTypes
import BundleFormat
import KeyStore
import SecureChannel
import SequenceCompiler
import SequenceProtocol
import Synchronization

/// The install onto a file-oriented ISO 7816 card with secure messaging: two rounds of answers.
///
/// 1. The first probe's answers (SELECT MF, SELECT and READ BINARY of EF.GDO, GET CHALLENGE)
///    identify the card (its CIN, IIN and card number), pick its data file and access keys, and
///    hold the card; the server answers with a second probe, EXTERNAL AUTHENTICATE, computed from
///    RND.IC and a fresh RND.IFD and K.IFD (K.IFD stays in the session's memory).
/// 2. The second answer is the card's `E_IC ‖ M_IC`: a wrong M_IC, or a card that refused
///    EXTERNAL AUTHENTICATE, is `403 card-authentication-failed` and closes the session; otherwise
///    the install is compiled for the session keys both sides derived, and the bundle issued.
extension InstallService {
    func fileCardAnswer(
        _ session: InstallSession,
        _ answers: ProbeAnswers,
        now: BundleTimestamp
    ) async throws(ServerError) -> InstallStep {
        switch session.state {
        case .probed:
            return try await fileCardIdentify(session, answers, now: now)
        case .authenticating(let authentication):
            return try await fileCardAuthenticate(session, authentication, answers, now: now)
        default:
            throw ServerError(.wrongState, "the session is \(session.stateName), not waiting for answers")
        }
    }

    // MARK: - First answers: identify, choose keys, send EXTERNAL AUTHENTICATE

    private func fileCardIdentify(
        _ session: InstallSession,
        _ answers: ProbeAnswers,
        now: BundleTimestamp
    ) async throws(ServerError) -> InstallStep {
        let id = session.id
        let card: ProbedFileCard
        do {
            card = try FileCardProbe.read(answers, script: session.probe)
        } catch {
            if error.code == .unknownCard || error.code == .cardAuthenticationFailed {
                try await close(id, reason: error.message, at: now)
            }
            throw error
        }
        let replayed = table.withLock { table in
            table.sessions.values.contains { $0.id != id && $0.cardChallenge == card.cardChallenge }
        }
        guard !replayed else {
            throw ServerError(.answersMismatch, "this GET CHALLENGE answer was already used in another session")
        }
        let cardData: CardData
        let selected: SelectedAccessKeys
        let command: CommandAPDU
        let terminalChallenge = environment.randomBytes(FileCardProbe.challengeLength)
        let terminalKeyMaterial = environment.randomBytes(FileCardProbe.keyMaterialLength)
        do throws(ServerError) {
            cardData = try self.cardData.cardData(for: card)
            let identity = CardIdentity(iin: cardData.bytes(for: .iin), cin: cardData.bytes(for: .cin))
            do {
                selected = try keys.accessKeys(for: identity)
            } catch {
                throw ServerError(.unknownCard, "no usable secure messaging key set for the card: \(error)")
            }
            do {
                command = try BundleCompiler.secureMessagingAuthentication(
                    Self.secureMessagingRequest(
                        selected,
                        card: card,
                        terminalChallenge: terminalChallenge,
                        terminalKeyMaterial: terminalKeyMaterial,
                        authenticationResponse: [],
                        signer: signer,
                        issuedAt: now,
                        lifetime: 1,
                        bundleID: []
                    )
                )
            } catch {
                throw ServerError(.unknownCard, "the card's access keys cannot authenticate it: \(error)")
            }
        } catch {
            try await close(id, reason: error.message, at: now)
            throw error
        }
        let authentication = InstallSession.FileCardAuthentication(
            cardKey: card.registryKey,
            card: card,
            cardData: cardData,
            accessKeys: selected,
            terminalChallenge: terminalChallenge,
            terminalKeyMaterial: terminalKeyMaterial,
            probe: FileCardProbe.authenticationScript(command)
        )
        let held = try hold(id, cardKey: card.registryKey, now: now) { session in
            session.cardChallenge = card.cardChallenge
            session.state = .authenticating(authentication)
        }
        try await record(held.expiries, at: now)
        if let busy = held.busy {
            try await writing {
                try await self.registry.sessionState(id, state: "failed", reason: busy.message, at: now)
            }
            throw busy
        }
        try await writing {
            try await self.registry.sessionState(
                id,
                state: "authenticating",
                reason: "EXTERNAL AUTHENTICATE sent for key set '\(selected.name)'",
                at: now
            )
        }
        return InstallStep(kind: .probe, probe: authentication.probe)
    }

    /// Makes the session the card's holder and changes it, or says which session holds the card.
    private func hold(
        _ id: String,
        cardKey: String,
        now: BundleTimestamp,
        _ change: (inout InstallSession) -> Void
    ) throws(ServerError) -> (expiries: [SessionTable.Expiry], busy: ServerError?) {
        try table.withLock { (table: inout SessionTable) throws(ServerError) in
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
            change(&current)
            table.sessions[id] = current
            table.holders[cardKey] = id
            return (expiries, nil)
        }
    }

    // MARK: - Second answers: check M_IC, compile, secure, sign

    private func fileCardAuthenticate(
        _ session: InstallSession,
        _ authentication: InstallSession.FileCardAuthentication,
        _ answers: ProbeAnswers,
        now: BundleTimestamp
    ) async throws(ServerError) -> InstallStep {
        let id = session.id
        let response = try FileCardProbe.readAuthentication(answers, script: authentication.probe)
        let replayed = table.withLock { table in
            table.sessions.values.contains { $0.id != id && $0.authenticationResponse == response.data }
        }
        guard !replayed else {
            throw ServerError(.answersMismatch, "this EXTERNAL AUTHENTICATE answer was already used in another session")
        }
        do throws(ServerError) {
            try verify(response, authentication, session: id)
            table.withLock { table in
                guard var current = table.sessions[id], case .authenticating = current.state else { return }
                current.authenticationResponse = response.data
                current.state = .compiling(card: authentication.cardKey)
                table.sessions[id] = current
            }
            try await writing {
                try await self.registry.fileCardSeen(authentication.card, session: id, at: now)
            }
            if let installed = try await alreadyInstalled(session, cardKey: authentication.cardKey, now: now) {
                return installed
            }
            let remaining = max(1, session.expiresAt.secondsSince1970 - now.secondsSince1970)
            let request = Self.secureMessagingRequest(
                authentication.accessKeys,
                card: authentication.card,
                terminalChallenge: authentication.terminalChallenge,
                terminalKeyMaterial: authentication.terminalKeyMaterial,
                authenticationResponse: response.bytes,
                signer: signer,
                issuedAt: now,
                lifetime: remaining,
                bundleID: environment.randomBytes(16)
            )
            let result: BundleCompiler.Result
            do {
                result = try BundleCompiler.compile(
                    session.entry.prepared,
                    cardData: authentication.cardData,
                    secureMessaging: request
                )
            } catch {
                throw ServerError.internalError("the install could not be secured or signed for this card: \(error)")
            }
            return try await issue(session, cardKey: authentication.cardKey, result: result, now: now)
        } catch {
            // Answers meant for another session leave this one waiting for its own; anything else ends it.
            let stays = error.code == .answersMismatch
            table.withLock { table in
                if !stays {
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

    /// Checks the card's `E_IC ‖ M_IC`; tells an answer to another session's EXTERNAL AUTHENTICATE
    /// from a card with other keys.
    private func verify(
        _ response: CardResponse,
        _ authentication: InstallSession.FileCardAuthentication,
        session id: String
    ) throws(ServerError) {
        func verifies(_ candidate: InstallSession.FileCardAuthentication) -> SecureChannelError? {
            do throws(SecureChannelError) {
                _ = try ISOMutualAuthentication.Terminal(
                    accessKeys: candidate.accessKeys.keys,
                    cardChallenge: candidate.card.cardChallenge,
                    terminalChallenge: candidate.terminalChallenge,
                    terminalKeyMaterial: candidate.terminalKeyMaterial
                )
                .establish(response: response)
                return nil
            } catch {
                return error
            }
        }
        guard let failure = verifies(authentication) else { return }
        if response.statusWord == .success, failure.code != .unexpectedStatusWord {
            let others = table.withLock { table in
                table.sessions.values.compactMap { session -> InstallSession.FileCardAuthentication? in
                    guard session.id != id, case .authenticating(let other) = session.state else { return nil }
                    return other
                }
            }
            if others.contains(where: { verifies($0) == nil }) {
                throw ServerError(
                    .answersMismatch,
                    "the EXTERNAL AUTHENTICATE answer belongs to another session's challenge"
                )
            }
        }
        let what =
            response.statusWord == .success
            ? "its EXTERNAL AUTHENTICATE answer does not verify (\(failure.code))"
            : "it refused EXTERNAL AUTHENTICATE with \(FileCardProbe.describe(response.statusWord))"
        throw ServerError(
            .cardAuthenticationFailed,
            "the card did not authenticate with key set '\(authentication.accessKeys.name)': \(what); the session is "
                + "closed and must not be retried: cards block after a few failed authentications"
        )
    }

    static func secureMessagingRequest(
        _ selected: SelectedAccessKeys,
        card: ProbedFileCard,
        terminalChallenge: [UInt8],
        terminalKeyMaterial: [UInt8],
        authenticationResponse: [UInt8],
        signer: any BundleSigner,
        issuedAt: BundleTimestamp,
        lifetime: Int64,
        bundleID: [UInt8]
    ) -> BundleCompiler.SecureMessagingRequest {
        BundleCompiler.SecureMessagingRequest(
            accessKeys: selected.keys,
            keyReference: selected.keyReference,
            cardChallenge: card.cardChallenge,
            terminalChallenge: terminalChallenge,
            terminalKeyMaterial: terminalKeyMaterial,
            authenticationResponse: authenticationResponse,
            signer: signer,
            issuedAt: issuedAt,
            lifetime: lifetime,
            bundleID: bundleID
        )
    }
}
