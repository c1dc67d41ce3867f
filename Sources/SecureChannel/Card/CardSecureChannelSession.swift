public import APDUTypes

/// The card side of one GlobalPlatform secure channel session (SCP01, SCP02 or SCP03).
///
/// It computes what a card computes, from the same functions ``SecureChannelSession`` uses on the
/// host side: the INITIALIZE UPDATE response with the card cryptogram, the check of EXTERNAL
/// AUTHENTICATE, the check and removal of every later command's C-MAC and encryption, and the R-MAC
/// and R-ENCRYPTION of responses. An offline verifier replays a recorded session through it and
/// names the first command that does not verify; a simulated card answers a host with it.
///
/// ```swift
/// var card = try CardSecureChannelSession(keys: keys, configuration: configuration,
///                                         keyDiversificationData: kdd, sequenceCounter: counter,
///                                         initializeUpdate: received)
/// send(card.initializeUpdateResponse)                  // KDD, key information, challenge, cryptogram, 90 00
/// try card.receiveExternalAuthenticate(nextCommand)    // host cryptogram and C-MAC
/// let plain = try card.unwrap(securedCommand)          // for every later command, in order
/// send(try card.wrap(response: data, statusWord: sw))  // R-MAC and R-ENCRYPTION, as the level requires
/// ```
///
/// The protocol state is an enum of states (awaiting EXTERNAL AUTHENTICATE, authenticated, failed).
/// Any rejected EXTERNAL AUTHENTICATE or command fails the session for good: a GlobalPlatform card
/// closes the channel (answering `6982`, or `6300` for a wrong host cryptogram), and nothing of a
/// rejected command, such as partial plaintext, is returned. Later calls throw
/// ``SecureChannelError/Code/invalidState``; ``failure`` keeps the first error and
/// ``acceptedCommandCount`` the number of commands accepted before it.
///
/// The type is non-copyable because the MAC chain is linear: a copy could accept the same command
/// twice on the same chaining value, which is exactly the replay the chain exists to refuse.
public struct CardSecureChannelSession: ~Copyable, Sendable {
    /// What the card knows about itself besides its keys and this session's values.
    public struct Configuration: Hashable, Sendable {
        /// The protocol the card runs; SCP01 and SCP02 also name the option "i".
        public var scp: SecureChannelProtocol
        /// The SCP03 implementation option "i" the card reports, such as `70`; ignored for SCP01 and SCP02.
        ///
        /// Bit `01` selects S16 mode, `10` pseudo-random card challenges with a sequence counter, `20`
        /// R-MAC support and `40` R-ENCRYPTION support.
        public var scp03Option: UInt8
        /// The card's key diversification data, the first 10 bytes of the INITIALIZE UPDATE response.
        public var keyDiversificationData: [UInt8]
        /// The AID of the security domain, from which SCP03 pseudo-random card challenges derive.
        public var securityDomainAID: ApplicationIdentifier?
        /// The weakest security level the card accepts in EXTERNAL AUTHENTICATE; none by default.
        public var minimumSecurityLevel: SecurityLevel

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - scp: The protocol and, for SCP01 and SCP02, its option.
        ///   - scp03Option: The SCP03 option "i"; `70` (pseudo-random challenges, R-MAC and R-ENCRYPTION) by default.
        ///   - keyDiversificationData: The 10-byte KDD the card reports.
        ///   - securityDomainAID: The security domain's AID, to compute SCP03 pseudo-random card challenges.
        ///   - minimumSecurityLevel: The weakest level EXTERNAL AUTHENTICATE may ask for.
        public init(
            scp: SecureChannelProtocol,
            scp03Option: UInt8 = 0x70,
            keyDiversificationData: [UInt8],
            securityDomainAID: ApplicationIdentifier? = nil,
            minimumSecurityLevel: SecurityLevel = []
        ) {
            self.scp = scp
            self.scp03Option = scp03Option
            self.keyDiversificationData = keyDiversificationData
            self.securityDomainAID = securityDomainAID
            self.minimumSecurityLevel = minimumSecurityLevel
        }
    }

    private enum State: Sendable {
        case awaitingExternalAuthenticate(CardAwaitingExternalAuthenticateState)
        case authenticated(CardAuthenticatedState)
        case failed(FailedState)
    }

    private var state: State

    /// The card's answer to INITIALIZE UPDATE: the data field and the status word `90 00`.
    ///
    /// Its ``CardResponse/bytes`` are what ``SecureChannelSession/receiveInitializeUpdateResponse(_:)``
    /// reads. For an implicitly initiated SCP02 session there is none and this is `nil`.
    public let initializeUpdateResponse: CardResponse?

    /// The session keys the card derived.
    public let sessionKeys: SessionKeys

    /// The number of commands accepted by ``unwrap(_:)`` since EXTERNAL AUTHENTICATE (or since an
    /// implicit session started).
    ///
    /// After a rejected command it is the zero-based position of that command in the session.
    public private(set) var acceptedCommandCount: Int

    /// Answers a received INITIALIZE UPDATE: derives the session and builds the response with the card cryptogram.
    ///
    /// - Parameters:
    ///   - keys: The card's static keys, already diversified; their key version is the one the card reports.
    ///   - configuration: The protocol and option, the KDD, the security domain AID and the minimum level.
    ///   - sequenceCounter: The counter the card reports: 2 bytes for SCP02, 3 for SCP03 with option bit
    ///     `10` (incremented by the card before INITIALIZE UPDATE), `nil` otherwise.
    ///   - cardChallenge: The card challenge: 8 random bytes for SCP01 and SCP03 S8, 6 for SCP02, 16 for
    ///     SCP03 S16, chosen by the caller. `nil` only for SCP03 with option bit `10`, whose pseudo-random
    ///     challenge is computed from the static ENC key, the counter and ``Configuration/securityDomainAID``.
    ///   - initializeUpdate: The received `80 50 KVN 00 Lc host-challenge [Le]`.
    /// - Throws: ``SecureChannelError/Code/unexpectedKeyVersion`` when the command asks for another key
    ///   version than the keys' (a card answers `6A88`), ``SecureChannelError/Code/malformedCommand`` for
    ///   another command, ``SecureChannelError/Code/invalidArgument``, ``SecureChannelError/Code/invalidKeys``,
    ///   ``SecureChannelError/Code/unsupportedProtocol`` for values that do not fit the protocol.
    public init(
        keys: StaticKeys,
        configuration: Configuration,
        sequenceCounter: [UInt8]?,
        cardChallenge: [UInt8]? = nil,
        initializeUpdate: CommandAPDU
    ) throws(SecureChannelError) {
        let scp = configuration.scp
        try SessionValidation.checkOption(scp)
        guard initializeUpdate.ins == 0x50, CommandFraming.hasNoSecureMessagingIndication(initializeUpdate.cla) else {
            let header = [initializeUpdate.cla, initializeUpdate.ins, initializeUpdate.p1, initializeUpdate.p2]
            throw .malformedCommand(
                "a secure channel opens with INITIALIZE UPDATE '80 50 KVN 00', not \(HexText.bytes(header))"
            )
        }
        let requested = initializeUpdate.p1
        guard requested == 0 || requested == keys.keyVersion else {
            throw .unexpectedKeyVersion(
                "INITIALIZE UPDATE asks for key version \(HexText.byte(requested)) but this card's keys have key "
                    + "version \(HexText.byte(keys.keyVersion)); a card answers 6A88"
            )
        }
        let kdd = configuration.keyDiversificationData
        guard kdd.count == 10 else {
            throw .invalidArgument("key diversification data is 10 bytes, not \(kdd.count)")
        }
        let option = configuration.scp03Option
        let challenge = try Self.cardChallenge(
            cardChallenge,
            keys: keys,
            configuration: configuration,
            sequenceCounter: sequenceCounter
        )
        let handshake = try Handshake(
            scp: scp,
            scp03Option: option,
            cardKeys: keys,
            hostChallenge: initializeUpdate.data,
            cardChallenge: challenge,
            sequenceCounter: sequenceCounter
        )
        let response = InitializeUpdate.Response(
            keyDiversificationData: kdd,
            keyVersion: keys.keyVersion,
            protocolIdentifier: scp.identifier,
            implementationOption: scp.identifier == 0x03 ? option : nil,
            sequenceCounter: sequenceCounter,
            cardChallenge: challenge,
            cardCryptogram: handshake.cardCryptogram
        )
        initializeUpdateResponse = CardResponse(data: response.bytes, statusWord: .success)
        sessionKeys = handshake.sessionKeys
        acceptedCommandCount = 0
        state = .awaitingExternalAuthenticate(
            CardAwaitingExternalAuthenticateState(
                scp: scp,
                scp03Option: option,
                sessionKeys: handshake.sessionKeys,
                hostCryptogram: handshake.hostCryptogram,
                minimumSecurityLevel: configuration.minimumSecurityLevel
            )
        )
    }

    /// Starts an implicitly initiated SCP02 session (options `0A`, `0B`, `1A`, `1B`), authenticated at once.
    ///
    /// The card side of ``SecureChannelSession/init(implicitInitiation:configuration:sequenceCounter:aid:keyDiversificationData:)``:
    /// the session keys derive from the sequence counter, the chain starts from the retail MAC of
    /// `pad80(AID)`, and every command carries a C-MAC over the unmodified APDU (security level `01`).
    ///
    /// - Parameters:
    ///   - keys: The card's static keys, already diversified.
    ///   - configuration: `.scp02(i:)` with an implicit option; the KDD is not used.
    ///   - sequenceCounter: The card's 2-byte sequence counter.
    ///   - aid: The AID of the application the session is opened with.
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` for a non-implicit option or wrong lengths,
    ///   ``SecureChannelError/Code/unsupportedSecurityLevel`` when the minimum level exceeds C-MAC,
    ///   ``SecureChannelError/Code/invalidKeys`` for keys other than 2-key triple DES.
    public init(
        implicitInitiation keys: StaticKeys,
        configuration: Configuration,
        sequenceCounter: [UInt8],
        aid: ApplicationIdentifier
    ) throws(SecureChannelError) {
        guard case .scp02(let i) = configuration.scp, !SCP02.Option(rawValue: i).isExplicit else {
            throw .invalidArgument(
                "implicit initiation needs SCP02 with option 0A, 0B, 1A or 1B, not \(configuration.scp)"
            )
        }
        try SessionValidation.checkOption(configuration.scp)
        guard SecurityLevel.commandMAC.isSuperset(of: configuration.minimumSecurityLevel) else {
            throw .unsupportedSecurityLevel(
                "implicit SCP02 sessions protect commands with C-MAC only (level 01), below the card's minimum "
                    + "\(configuration.minimumSecurityLevel)"
            )
        }
        guard sequenceCounter.count == 2 else {
            throw .invalidArgument("an SCP02 sequence counter is 2 bytes, not \(sequenceCounter.count)")
        }
        try SessionValidation.checkTripleDES(keys, protocolName: "SCP02")
        let option = SCP02.Option(rawValue: i)
        let derived = try SCP02.sessionKeys(keys, sequenceCounter: sequenceCounter, option: option)
        let channel = try SCP02CardChannel(implicitKeys: derived, level: .commandMAC, option: option, aid: aid.bytes)
        initializeUpdateResponse = nil
        sessionKeys = derived
        acceptedCommandCount = 0
        state = .authenticated(CardAuthenticatedState(level: .commandMAC, channel: .scp02(channel)))
    }

    /// Checks EXTERNAL AUTHENTICATE: the host cryptogram and the C-MAC, both in constant time.
    ///
    /// On success the channel is open at the level in P1, and the MAC chain (and the R-MAC chain)
    /// starts from this command's C-MAC. On any failure the session is failed for good. Le, if sent,
    /// is ignored.
    ///
    /// - Parameter command: The received `84 82 level 00 Lc host-cryptogram C-MAC`.
    /// - Throws: ``SecureChannelError/Code/hostCryptogramMismatch`` when the host does not hold the keys,
    ///   ``SecureChannelError/Code/commandMACMismatch`` when the C-MAC does not verify,
    ///   ``SecureChannelError/Code/unsupportedSecurityLevel`` for a level the protocol, the card's option
    ///   or ``Configuration/minimumSecurityLevel`` does not allow, ``SecureChannelError/Code/malformedCommand``
    ///   for another command; ``SecureChannelError/Code/invalidState`` unless INITIALIZE UPDATE was just answered.
    public mutating func receiveExternalAuthenticate(_ command: CommandAPDU) throws(SecureChannelError) {
        guard case .awaitingExternalAuthenticate(let current) = state else {
            throw .invalidState("the card session is \(stateName), not awaiting EXTERNAL AUTHENTICATE")
        }
        do throws(SecureChannelError) {
            state = .authenticated(try current.receive(command))
        } catch {
            state = .failed(FailedState(error: error))
            throw error
        }
    }

    /// Verifies a secured command and returns the plain command, advancing the chain as the card does.
    ///
    /// Checks the class byte's secure messaging indication, then the C-MAC against the chain in
    /// constant time; SCP03 checks the MAC over the encrypted data and then decrypts with the
    /// counter-derived IV, SCP01 and SCP02 decrypt first because their MAC covers the plain data.
    /// Padding is removed and the plain Lc and Le are restored. The SCP03 counter advances for every
    /// command. At security level `00` the command is returned as it is.
    ///
    /// - Parameter command: The received secured command.
    /// - Returns: The plain command: class byte without secure messaging indication, plain data, Le.
    /// - Throws: ``SecureChannelError/Code/commandMACMismatch`` when the C-MAC does not verify (or SCP01 and
    ///   SCP02 data do not decrypt), ``SecureChannelError/Code/malformedCommand`` for a command without secure
    ///   messaging indication or room for a MAC; either fails the session for good.
    ///   ``SecureChannelError/Code/invalidState`` before EXTERNAL AUTHENTICATE or after a failure.
    public mutating func unwrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        guard case .authenticated(var current) = state else {
            throw .invalidState("the card session is \(stateName); commands are unwrapped only in an open channel")
        }
        do throws(SecureChannelError) {
            let plain = try current.unwrap(command)
            state = .authenticated(current)
            acceptedCommandCount += 1
            return plain
        } catch {
            state = .failed(FailedState(error: error))
            throw error
        }
    }

    /// Secures the response to the last unwrapped command as the security level requires.
    ///
    /// SCP02 with R-MAC appends the retail MAC over the plain command, the response data and the status
    /// word. SCP03 with R-ENCRYPTION encrypts the data (padded) with the IV from the counter, and with
    /// R-MAC appends the CMAC chained on the command's C-MAC; responses with status words other than
    /// `9000`, `62xx` and `63xx` go out as they are. The response to EXTERNAL AUTHENTICATE carries no
    /// R-MAC. Without R-MAC (and always for SCP01) the response is returned as it is.
    ///
    /// - Parameters:
    ///   - data: The plain response data.
    ///   - statusWord: The status word.
    /// - Returns: The response to send: secured data and the status word.
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` when the secured data would exceed 256 bytes,
    ///   ``SecureChannelError/Code/invalidState`` when no command awaits its response (the session stays open).
    public mutating func wrap(response data: [UInt8], statusWord: StatusWord) throws(SecureChannelError) -> CardResponse
    {
        guard case .authenticated(var current) = state else {
            throw .invalidState("the card session is \(stateName); responses are secured only in an open channel")
        }
        let secured = try current.wrap(CardResponse(data: data, statusWord: statusWord))
        state = .authenticated(current)
        return secured
    }

    /// The security level of the open channel; `nil` before EXTERNAL AUTHENTICATE and after a failure.
    public var securityLevel: SecurityLevel? {
        if case .authenticated(let current) = state {
            return current.level
        }
        return nil
    }

    /// Whether the channel is open: EXTERNAL AUTHENTICATE was accepted (or the session is implicit)
    /// and nothing has been rejected since.
    public var isAuthenticated: Bool {
        if case .authenticated = state {
            return true
        }
        return false
    }

    /// The error that failed the session for good, if any: the first rejected EXTERNAL AUTHENTICATE or command.
    public var failure: SecureChannelError? {
        if case .failed(let failed) = state {
            return failed.error
        }
        return nil
    }

    private var stateName: String {
        switch state {
        case .awaitingExternalAuthenticate: "awaiting EXTERNAL AUTHENTICATE"
        case .authenticated: "authenticated"
        case .failed(let failed): "closed after a failure (\(failed.error.code))"
        }
    }

    /// The given card challenge, checked for length, or the SCP03 pseudo-random one; also checks the counter.
    private static func cardChallenge(
        _ given: [UInt8]?,
        keys: StaticKeys,
        configuration: Configuration,
        sequenceCounter: [UInt8]?
    ) throws(SecureChannelError) -> [UInt8] {
        let length: Int
        let counterLength: Int?
        let option = configuration.scp03Option
        switch configuration.scp {
        case .scp01:
            (length, counterLength) = (8, nil)
        case .scp02(let i):
            guard SCP02.Option(rawValue: i).isExplicit else {
                throw .invalidArgument(
                    "SCP02 i=\(HexText.byte(i)) is implicit initiation, which has no INITIALIZE UPDATE; use "
                        + "CardSecureChannelSession(implicitInitiation:...)"
                )
            }
            (length, counterLength) = (6, 2)
        case .scp03:
            guard option & SCP03.reservedOptionBits == 0 else {
                throw .unsupportedProtocol(
                    "SCP03 i=\(HexText.byte(option)) sets reserved bits; supported options combine 01 (S16), "
                        + "10 (pseudo-random challenge), 20 (R-MAC) and 40 (R-ENC)"
                )
            }
            length = SCP03.challengeLength(option: option)
            counterLength = option & SCP03.pseudoRandomChallengeBit != 0 ? 3 : nil
        }
        guard sequenceCounter?.count == counterLength else {
            let wanted = counterLength.map { "a \($0)-byte sequence counter" } ?? "no sequence counter"
            throw .invalidArgument(
                "\(configuration.scp) with this option reports \(wanted), not \(sequenceCounter?.count ?? 0) bytes"
            )
        }
        if let given {
            guard given.count == length else {
                throw .invalidArgument("the card challenge is \(length) bytes here, not \(given.count)")
            }
            return given
        }
        guard case .scp03 = configuration.scp, let counter = sequenceCounter, let aid = configuration.securityDomainAID
        else {
            throw .invalidArgument(
                "only an SCP03 card with option bit 10 and a known security domain AID computes its card challenge; "
                    + "give the card challenge"
            )
        }
        try SessionValidation.checkAES(keys)
        return try SCP03.pseudoRandomCardChallenge(
            staticENC: keys.enc,
            sequenceCounter: counter,
            aid: aid,
            length: length
        )
    }
}
