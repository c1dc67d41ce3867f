import BundleFormat

/// The sessions in memory and which card each active one holds; changed only under the service's lock.
struct SessionTable: Sendable {
    /// The sessions by id: active ones, and finished ones until they are purged.
    var sessions: [String: InstallSession] = [:]
    /// The session that holds each card (one install at a time per card).
    var holders: [String: String] = [:]

    /// A session that expired, for the registry.
    struct Expiry: Sendable {
        /// The session.
        var session: String
        /// Whether a bundle had been issued (then its install is recorded as expired too).
        var hadInstall: Bool
    }

    /// Ends a session that is past its expiry and not finished, releasing its card.
    ///
    /// - Returns: The expiry to record, or `nil` when the session is not due.
    mutating func expireIfDue(_ id: String, now: BundleTimestamp) -> Expiry? {
        guard var session = sessions[id], !session.isFinished, now >= session.expiresAt else { return nil }
        let hadInstall: Bool
        switch session.state {
        case .bundleIssued, .relaying: hadInstall = true
        default: hadInstall = false
        }
        release(session)
        session.state = .finished(.expired)
        sessions[id] = session
        return Expiry(session: id, hadInstall: hadInstall)
    }

    /// Expires every due session and forgets finished ones older than `retention` seconds past their expiry.
    mutating func sweep(now: BundleTimestamp, retention: Int64) -> [Expiry] {
        var expiries: [Expiry] = []
        for id in Array(sessions.keys) {
            if let expiry = expireIfDue(id, now: now) {
                expiries.append(expiry)
            }
            if let session = sessions[id], session.isFinished, session.expiresAt.adding(seconds: retention) <= now {
                sessions[id] = nil
            }
        }
        return expiries
    }

    /// Releases the card a session holds, if it is the holder.
    mutating func release(_ session: InstallSession) {
        if let card = session.heldCard, holders[card] == session.id {
            holders[card] = nil
        }
    }

    /// Ends a session with an outcome, releasing its card.
    mutating func finish(_ id: String, _ outcome: InstallSession.Outcome) {
        guard var session = sessions[id] else { return }
        release(session)
        session.state = .finished(outcome)
        sessions[id] = session
    }
}
