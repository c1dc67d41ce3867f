import APDUTypes
import BundleFormat
import GRDB

/// The registry and audit trail in SQLite: the cards seen, every session's outcome, the installs
/// issued with their bundle digests and how they ended, and one audit event per request.
///
/// Rows are written when something has happened, never ahead of it: an install row appears when
/// a bundle is issued and becomes `installed` only on a receipt that shows every command
/// accepted. A failed compile leaves a failed session and no install. In-flight sessions live in
/// the server's memory; at start the registry marks the ones a previous run left open as expired.
public struct Registry: Sendable {
    private let database: DatabaseQueue

    /// Opens (creating if needed) the registry at a path, and migrates it.
    ///
    /// - Parameters:
    ///   - path: A file path, or `:memory:` for a registry that lives as long as the process.
    ///   - recoversSessions: Whether to mark the sessions and installs a previous server run left
    ///     open as expired: what a starting server does, and a reader such as `seqd registry` does not.
    /// - Throws: ``ServerSetupError`` with code ``ServerSetupError/Code/database``.
    public init(path: String, recoversSessions: Bool = true) throws(ServerSetupError) {
        do {
            if path == ":memory:" {
                database = try DatabaseQueue()
            } else {
                // Write-ahead logging: one sync per committed transaction instead of the rollback
                // journal's several, and readers (seqd registry) do not block the server.
                var configuration = Configuration()
                configuration.prepareDatabase { db in
                    try db.execute(sql: "PRAGMA journal_mode = WAL")
                }
                database = try DatabaseQueue(path: path, configuration: configuration)
            }
            try Self.migrator.migrate(database)
            guard recoversSessions else { return }
            try database.write { db in
                try db.execute(
                    sql: """
                        UPDATE installs SET state = 'expired', failure_reason = 'the server restarted before a receipt came'
                        WHERE state = 'issued'
                        """
                )
                try db.execute(
                    sql: """
                        UPDATE sessions SET state = 'expired', reason = 'the server restarted during the session'
                        WHERE state IN ('probed', 'authenticating', 'bundle-issued', 'relaying')
                        """
                )
            }
        } catch {
            throw ServerSetupError(.database, "cannot open the registry at '\(path)': \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE cards (
                        id TEXT PRIMARY KEY NOT NULL,
                        isd_aid TEXT NOT NULL,
                        iin TEXT,
                        cin TEXT,
                        kdd TEXT NOT NULL,
                        first_seen TEXT NOT NULL,
                        last_seen TEXT NOT NULL
                    );
                    CREATE TABLE sessions (
                        id TEXT PRIMARY KEY NOT NULL,
                        application TEXT NOT NULL,
                        version TEXT NOT NULL,
                        mode TEXT NOT NULL,
                        card_id TEXT REFERENCES cards(id),
                        state TEXT NOT NULL,
                        reason TEXT,
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL
                    );
                    CREATE TABLE installs (
                        session_id TEXT PRIMARY KEY NOT NULL REFERENCES sessions(id),
                        card_id TEXT NOT NULL REFERENCES cards(id),
                        application TEXT NOT NULL,
                        version TEXT NOT NULL,
                        mode TEXT NOT NULL,
                        bundle_id TEXT NOT NULL,
                        bundle_digest TEXT NOT NULL,
                        command_count INTEGER NOT NULL,
                        commands_run INTEGER,
                        state TEXT NOT NULL,
                        failure_reason TEXT,
                        issued_at TEXT NOT NULL,
                        finished_at TEXT
                    );
                    CREATE INDEX installs_by_card ON installs(card_id, application);
                    CREATE TABLE audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at TEXT NOT NULL,
                        session_id TEXT,
                        action TEXT NOT NULL,
                        status INTEGER NOT NULL,
                        code TEXT,
                        detail TEXT NOT NULL
                    );
                    """
            )
        }
        return migrator
    }

    // MARK: - Writing

    /// Records a new session.
    func sessionStarted(
        _ session: String,
        application: String,
        version: String,
        mode: String,
        at: BundleTimestamp,
        expiresAt: BundleTimestamp
    ) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sessions (id, application, version, mode, state, created_at, updated_at, expires_at)
                    VALUES (?, ?, ?, ?, 'probed', ?, ?, ?)
                    """,
                arguments: [session, application, version, mode, at.iso8601, at.iso8601, expiresAt.iso8601]
            )
        }
    }

    /// Records a card seen in a session (after its cryptogram verified), and links the session to it.
    func cardSeen(_ card: ProbedCard, session: String, at: BundleTimestamp) async throws {
        let hex: @Sendable ([UInt8]?) -> String? = { bytes in bytes.map { Hex.string($0) } }
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO cards (id, isd_aid, iin, cin, kdd, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen
                    """,
                arguments: [
                    card.registryKey, hex(card.isdAID.bytes), hex(card.iin), hex(card.cin),
                    hex(card.keyDiversificationData), at.iso8601, at.iso8601,
                ]
            )
            try db.execute(
                sql: "UPDATE sessions SET card_id = ?, updated_at = ? WHERE id = ?",
                arguments: [card.registryKey, at.iso8601, session]
            )
        }
    }

    /// Records a file-oriented card that authenticated (ISD AID and KDD empty: it has neither) and
    /// links the session to it.
    func fileCardSeen(_ card: ProbedFileCard, session: String, at: BundleTimestamp) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO cards (id, isd_aid, iin, cin, kdd, first_seen, last_seen) VALUES (?, '', ?, ?, '', ?, ?)
                    ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen
                    """,
                arguments: [
                    card.registryKey, card.iin.map { Hex.string($0) }, Hex.string(card.cin), at.iso8601, at.iso8601,
                ]
            )
            try db.execute(
                sql: "UPDATE sessions SET card_id = ?, updated_at = ? WHERE id = ?",
                arguments: [card.registryKey, at.iso8601, session]
            )
        }
    }

    /// Sets a session's state and reason.
    func sessionState(_ session: String, state: String, reason: String?, at: BundleTimestamp) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE sessions SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
                arguments: [state, reason, at.iso8601, session]
            )
        }
    }

    /// Records an issued install and moves its session to `state` in one transaction.
    func installIssued(
        session: String,
        card: String,
        application: String,
        version: String,
        mode: String,
        bundleID: String,
        digest: String,
        commandCount: Int,
        sessionState: String,
        at: BundleTimestamp
    ) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO installs (session_id, card_id, application, version, mode, bundle_id, bundle_digest,
                        command_count, state, issued_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'issued', ?)
                    """,
                arguments: [session, card, application, version, mode, bundleID, digest, commandCount, at.iso8601]
            )
            try db.execute(
                sql: "UPDATE sessions SET state = ?, updated_at = ? WHERE id = ?",
                arguments: [sessionState, at.iso8601, session]
            )
        }
    }

    /// Records how an issued install ended, and its session with it, in one transaction.
    func installFinished(
        session: String,
        installState: String,
        sessionState: String,
        commandsRun: Int?,
        reason: String?,
        at: BundleTimestamp
    ) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE installs SET state = ?, commands_run = ?, failure_reason = ?, finished_at = ?
                    WHERE session_id = ? AND state = 'issued'
                    """,
                arguments: [installState, commandsRun, reason, at.iso8601, session]
            )
            try db.execute(
                sql: "UPDATE sessions SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
                arguments: [sessionState, reason, at.iso8601, session]
            )
        }
    }

    /// Appends an audit event.
    func audit(
        session: String?,
        action: String,
        status: Int,
        code: String?,
        detail: String,
        at: BundleTimestamp
    )
        async throws
    {
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO audit (at, session_id, action, status, code, detail) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [at.iso8601, session, action, status, code, detail]
            )
        }
    }

    // MARK: - Reading

    /// The latest finished install of an application on a card, if any: `installed` or `failed`.
    func latestFinishedInstall(card: String, application: String) async throws -> Install? {
        try await database.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM installs WHERE card_id = ? AND application = ? AND state IN ('installed', 'failed')
                    ORDER BY finished_at DESC, rowid DESC LIMIT 1
                    """,
                arguments: [card, application]
            ).map(Install.init(row:))
        }
    }

    /// Every card seen, by first sighting.
    public func cards() async throws -> [Card] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM cards ORDER BY first_seen, id").map(Card.init(row:))
        }
    }

    /// The installs, oldest first; only one card's when `card` is given.
    public func installs(card: String? = nil) async throws -> [Install] {
        try await database.read { db in
            if let card {
                return try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM installs WHERE card_id = ? ORDER BY issued_at, rowid",
                    arguments: [card]
                ).map(Install.init(row:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM installs ORDER BY issued_at, rowid").map(Install.init(row:))
        }
    }

    /// Every session, oldest first.
    public func sessions() async throws -> [Session] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sessions ORDER BY created_at, rowid").map(Session.init(row:))
        }
    }

    /// The audit events, oldest first; only one session's when `session` is given.
    public func auditEvents(session: String? = nil) async throws -> [AuditEvent] {
        try await database.read { db in
            if let session {
                return try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM audit WHERE session_id = ? ORDER BY id",
                    arguments: [session]
                ).map(AuditEvent.init(row:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id").map(AuditEvent.init(row:))
        }
    }
}

extension Registry {
    /// A card the server has seen and authenticated.
    public struct Card: Hashable, Sendable {
        /// The registry key (``ProbedCard/registryKey``).
        public var id: String
        /// The ISD AID, hex; empty for a file-oriented card.
        public var isdAID: String
        /// The IIN, hex, when the card gave it.
        public var iin: String?
        /// The CIN, hex, when the card gave it.
        public var cin: String?
        /// The KDD, hex; empty for a file-oriented card.
        public var kdd: String
        /// When the card was first seen, ISO 8601 UTC.
        public var firstSeen: String
        /// When the card was last seen, ISO 8601 UTC.
        public var lastSeen: String

        init(row: Row) {
            id = row["id"]
            isdAID = row["isd_aid"]
            iin = row["iin"]
            cin = row["cin"]
            kdd = row["kdd"]
            firstSeen = row["first_seen"]
            lastSeen = row["last_seen"]
        }
    }

    /// An install: a bundle issued for a card, and how it ended.
    public struct Install: Hashable, Sendable {
        /// The session that issued it.
        public var session: String
        /// The card's registry key.
        public var card: String
        /// The application's catalogue name.
        public var application: String
        /// The script's version.
        public var version: String
        /// `bundle` or `relay`.
        public var mode: String
        /// The bundle id, hex.
        public var bundleID: String
        /// `sha256:` and the bundle's digest, as receipts carry it.
        public var bundleDigest: String
        /// The number of commands in the bundle.
        public var commandCount: Int
        /// How many commands the card accepted, once known.
        public var commandsRun: Int?
        /// `issued`, `installed`, `failed` or `expired`.
        public var state: String
        /// Why it failed or expired.
        public var failureReason: String?
        /// When the bundle was issued, ISO 8601 UTC.
        public var issuedAt: String
        /// When the install ended, ISO 8601 UTC.
        public var finishedAt: String?

        init(row: Row) {
            session = row["session_id"]
            card = row["card_id"]
            application = row["application"]
            version = row["version"]
            mode = row["mode"]
            bundleID = row["bundle_id"]
            bundleDigest = row["bundle_digest"]
            commandCount = row["command_count"]
            commandsRun = row["commands_run"]
            state = row["state"]
            failureReason = row["failure_reason"]
            issuedAt = row["issued_at"]
            finishedAt = row["finished_at"]
        }
    }

    /// A session and its outcome.
    public struct Session: Hashable, Sendable {
        /// The session id.
        public var id: String
        /// The application asked for.
        public var application: String
        /// The script's version.
        public var version: String
        /// `bundle` or `relay`.
        public var mode: String
        /// The card's registry key, once the card was authenticated.
        public var card: String?
        /// `probed`, `bundle-issued`, `relaying`, `installed`, `failed`, `expired` or `already-installed`.
        public var state: String
        /// Why the session ended as it did.
        public var reason: String?
        /// When it started, ISO 8601 UTC.
        public var createdAt: String
        /// When it last changed, ISO 8601 UTC.
        public var updatedAt: String
        /// When it expires (or expired), ISO 8601 UTC.
        public var expiresAt: String

        init(row: Row) {
            id = row["id"]
            application = row["application"]
            version = row["version"]
            mode = row["mode"]
            card = row["card_id"]
            state = row["state"]
            reason = row["reason"]
            createdAt = row["created_at"]
            updatedAt = row["updated_at"]
            expiresAt = row["expires_at"]
        }
    }

    /// One request and how the server answered it.
    public struct AuditEvent: Hashable, Sendable {
        /// When, ISO 8601 UTC.
        public var at: String
        /// The session, when the request named one that exists.
        public var session: String?
        /// `install`, `answers`, `receipt`, `relay` or `expire`.
        public var action: String
        /// The HTTP status answered.
        public var status: Int
        /// The error code, when the answer was an error.
        public var code: String?
        /// What happened.
        public var detail: String

        init(row: Row) {
            at = row["at"]
            session = row["session_id"]
            action = row["action"]
            status = row["status"]
            code = row["code"]
            detail = row["detail"]
        }
    }
}
