public import BundleFormat
public import CardTransport

/// Replays a signed bundle over a card channel: verify first, then send every command in order
/// and stop at the first status word the command does not accept.
///
/// Nothing is sent before the bundle passes ``BundleVerifier/standard(trustedKeys:now:expectedCard:expectedProfile:)``
/// against the pinned keys and the clock's current time: a bad signature, an expired or
/// malformed bundle, or one bound to another card ends with ``PlayerFailure/Code/bundleRejected``
/// and an untouched card. Then the player:
///
/// 1. selects the issuer security domain (`00 A4 04 00`, expecting `9000`) when the bundle
///    names one, ``Options/selectsSecurityDomain`` is on, and the player itself is about to
///    open the session (a `precomputed` bundle, ``SessionOpening/replayInitializeUpdate``, or a
///    bundle without secure channel); a session opened by the caller would not survive a SELECT;
/// 2. in `online` mode with ``SessionOpening/replayInitializeUpdate``, sends the recorded
///    INITIALIZE UPDATE and requires the recorded response;
/// 3. sends the bundle's commands, following T=0's `61xx` (GET RESPONSE) and `6Cxx` (resend with
///    the right Le), and checks each final status word against the command's patterns; in
///    `precomputed` mode the response to command 0 (INITIALIZE UPDATE) must equal the recorded one.
///
/// The player holds no state between runs and reads time only from its ``PlayerClock``.
/// Cancelling the task stops the run between two commands, never inside one.
public struct BundlePlayer: Sendable {
    /// How the secure channel session of an `online` bundle is opened.
    public enum SessionOpening: Hashable, Sendable {
        /// The caller ran INITIALIZE UPDATE on this connection (the probe) and the session is open:
        /// the player sends command 0 (EXTERNAL AUTHENTICATE) first.
        case alreadyOpened
        /// The player sends the bundle's recorded opening and requires the recorded answers:
        /// INITIALIZE UPDATE for GlobalPlatform, GET CHALLENGE and EXTERNAL AUTHENTICATE for
        /// secure messaging. This works for a card whose challenges are deterministic (a simulated
        /// card); a real card's fresh challenge makes it stop with
        /// ``PlayerFailure/Code/sessionMismatch`` before any bundle command is sent.
        case replayInitializeUpdate
    }

    /// What the player does besides sending the bundle's commands.
    public struct Options: Sendable {
        /// How an `online` bundle's session is opened.
        public var sessionOpening: SessionOpening
        /// Whether to select the issuer security domain before the player opens a session.
        public var selectsSecurityDomain: Bool
        /// The card the bundle must be bound to, when the caller has read its identity.
        public var expectedCard: BundleCardIdentity?
        /// Checks run besides the standard ones, such as a MAC-chain check with card keys.
        public var additionalChecks: [any BundleCheck]

        /// Creates options.
        ///
        /// - Parameters:
        ///   - sessionOpening: How an `online` bundle's session is opened; the caller's by default.
        ///   - selectsSecurityDomain: Whether to select the security domain first; on by default.
        ///   - expectedCard: The card the bundle must be bound to, if known.
        ///   - additionalChecks: Checks to run besides the standard ones.
        public init(
            sessionOpening: SessionOpening = .alreadyOpened,
            selectsSecurityDomain: Bool = true,
            expectedCard: BundleCardIdentity? = nil,
            additionalChecks: [any BundleCheck] = []
        ) {
            self.sessionOpening = sessionOpening
            self.selectsSecurityDomain = selectsSecurityDomain
            self.expectedCard = expectedCard
            self.additionalChecks = additionalChecks
        }
    }

    /// The pinned bundle-signing public keys.
    public var trustedKeys: [BundlePublicKey]
    /// What the player does besides sending the commands.
    public var options: Options
    /// Where the player reads time.
    public var clock: PlayerClock

    /// Creates a player.
    ///
    /// - Parameters:
    ///   - trustedKeys: The pinned public keys; bundles signed by any other key are refused.
    ///   - options: Session opening, security domain selection, the expected card.
    ///   - clock: The clock; the system's by default.
    public init(trustedKeys: [BundlePublicKey], options: Options = Options(), clock: PlayerClock = .system) {
        self.trustedKeys = trustedKeys
        self.options = options
        self.clock = clock
    }

    /// The verifier the player runs before sending anything: the standard checks at the clock's
    /// current time, a check that each command's bytes survive the channel's encoding, and the
    /// additional checks.
    public func verifier() -> BundleVerifier {
        var verifier = BundleVerifier.standard(
            trustedKeys: trustedKeys,
            now: clock.now(),
            expectedCard: options.expectedCard
        )
        verifier.checks.append(ChannelEncodingCheck())
        verifier.checks.append(contentsOf: options.additionalChecks)
        return verifier
    }

    /// Decodes and verifies a bundle file without sending anything.
    ///
    /// - Parameter bytes: The bundle file.
    /// - Returns: Every failure found, and the bundle when it decoded.
    public func verify(bytes: [UInt8]) -> BundleVerificationResult {
        verifier().verify(bytes: bytes)
    }

    /// Verifies a bundle file and plays it over a channel.
    ///
    /// - Parameters:
    ///   - bytes: The bundle file.
    ///   - channel: The connection to the card.
    ///   - events: Called with progress and every exchange, in order.
    /// - Returns: The receipt of a completed run.
    /// - Throws: ``PlayerFailure`` saying where and why the run stopped, with the receipt of what
    ///   ran when the bundle was accepted.
    public func play(
        bytes: [UInt8],
        over channel: some CardChannel,
        events: (@Sendable (PlayerEvent) -> Void)? = nil
    ) async throws(PlayerFailure) -> Receipt {
        try await play(verifier().verify(bytes: bytes), over: channel, events: events)
    }

    /// Verifies a decoded bundle and plays it over a channel.
    ///
    /// - Parameters:
    ///   - bundle: The bundle; its signature is checked like a file's.
    ///   - channel: The connection to the card.
    ///   - events: Called with progress and every exchange, in order.
    /// - Returns: The receipt of a completed run.
    /// - Throws: ``PlayerFailure`` saying where and why the run stopped.
    public func play(
        _ bundle: SignedBundle,
        over channel: some CardChannel,
        events: (@Sendable (PlayerEvent) -> Void)? = nil
    ) async throws(PlayerFailure) -> Receipt {
        try await play(verifier().verify(bundle), over: channel, events: events)
    }

    private func play(
        _ result: BundleVerificationResult,
        over channel: some CardChannel,
        events: (@Sendable (PlayerEvent) -> Void)?
    ) async throws(PlayerFailure) -> Receipt {
        guard result.isValid, let bundle = result.bundle else {
            throw Self.rejection(result)
        }
        var run = PlayerRun(
            bundle: bundle,
            channel: channel,
            options: options,
            clock: clock,
            events: events ?? { _ in }
        )
        return try await run.run()
    }

    /// The failure for a bundle that did not verify: every finding, by check and code.
    static func rejection(_ result: BundleVerificationResult) -> PlayerFailure {
        let findings = result.failures.map { failure in
            var text = "\(failure.check): \(failure.error.message) [\(failure.error.code)]"
            if let index = failure.commandIndex { text += " (command \(index))" }
            return text
        }
        var failure = PlayerFailure(
            code: .bundleRejected,
            reason: findings.isEmpty ? "the bundle did not verify" : findings.joined(separator: "; "),
            commandCount: result.bundle?.payload.commands.count ?? 0,
            commandsRun: 0
        )
        failure.verificationFailures = result.failures
        return failure
    }
}
