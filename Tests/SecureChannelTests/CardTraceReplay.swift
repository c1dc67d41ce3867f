import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// Plays the card's part of recorded sessions through ``CardSecureChannelSession``.
enum CardTraceReplay {
    /// The parsed INITIALIZE UPDATE response the trace recorded.
    static func recordedResponse(_ trace: TraceVector) throws -> InitializeUpdate.Response {
        try InitializeUpdate.Response(parsing: Array(try bytes(trace.initializeUpdateResponse).dropLast(2)))
    }

    /// The card's static keys: the trace's keys diversified with the recorded KDD, at the key version the card reported.
    static func cardKeys(_ trace: TraceVector, keys: StaticKeys? = nil) throws -> StaticKeys {
        let response = try recordedResponse(trace)
        var cardKeys = try trace.configuration().diversification.diversify(
            try keys ?? trace.keys(),
            keyDiversificationData: response.keyDiversificationData
        )
        cardKeys.keyVersion = response.keyVersion
        return cardKeys
    }

    /// The card's configuration: the trace's protocol, the option and KDD it reported, its security domain AID.
    static func configuration(_ trace: TraceVector) throws -> CardSecureChannelSession.Configuration {
        let response = try recordedResponse(trace)
        return CardSecureChannelSession.Configuration(
            scp: try trace.configuration().scp,
            scp03Option: response.implementationOption ?? 0,
            keyDiversificationData: response.keyDiversificationData,
            securityDomainAID: try trace.securityDomainAID.map { try #require(ApplicationIdentifier(hex: $0)) }
        )
    }

    /// Whether the card computes its challenge (SCP03 with a sequence counter and a known security domain AID).
    static func computesCardChallenge(_ trace: TraceVector) throws -> Bool {
        try recordedResponse(trace).sequenceCounter?.count == 3 && trace.securityDomainAID != nil
    }

    /// The card side of a trace after INITIALIZE UPDATE, with the recorded counter and card challenge
    /// (or the computed pseudo-random challenge when the trace names the security domain AID).
    static func open(_ trace: TraceVector, keys: StaticKeys? = nil) throws -> CardSecureChannelSession {
        let response = try recordedResponse(trace)
        let initializeUpdate = try InitializeUpdate.command(
            keyVersion: try byte(trace.keyVersion),
            hostChallenge: try bytes(trace.hostChallenge)
        )
        return try CardSecureChannelSession(
            keys: try cardKeys(trace, keys: keys),
            configuration: try configuration(trace),
            sequenceCounter: response.sequenceCounter,
            cardChallenge: try computesCardChallenge(trace) ? nil : response.cardChallenge,
            initializeUpdate: initializeUpdate
        )
    }

    /// The card side of a trace after the recorded EXTERNAL AUTHENTICATE.
    static func authenticate(_ trace: TraceVector) throws -> CardSecureChannelSession {
        var card = try open(trace)
        try card.receiveExternalAuthenticate(try recordedExternalAuthenticate(trace))
        return card
    }

    /// The recorded EXTERNAL AUTHENTICATE.
    static func recordedExternalAuthenticate(_ trace: TraceVector) throws -> CommandAPDU {
        try command(try #require(trace.externalAuthenticate))
    }

    /// The recorded secured commands, as sent.
    static func recordedCommands(_ trace: TraceVector) throws -> [CommandAPDU] {
        try (trace.commands ?? []).map { try command($0.wrapped) }
    }

    /// The plain commands of the trace.
    static func plainCommands(_ trace: TraceVector) throws -> [CommandAPDU] {
        try (trace.commands ?? []).map { try command($0.plain) }
    }

    /// Feeds commands to a fresh authenticated card until one is rejected, and returns the card.
    ///
    /// Its ``CardSecureChannelSession/acceptedCommandCount`` is then the position of the rejected
    /// command and its ``CardSecureChannelSession/failure`` the error.
    static func feed(_ commands: [CommandAPDU], _ trace: TraceVector) throws -> CardSecureChannelSession {
        var card = try authenticate(trace)
        for secured in commands {
            do {
                _ = try card.unwrap(secured)
            } catch {
                break
            }
        }
        return card
    }

    /// The plain data of a recorded response: the recorded plaintext when the trace has it, else the data as sent.
    static func plainResponse(_ recorded: TraceVector.Command) throws -> CardResponse? {
        guard let responseHex = recorded.response else {
            return nil
        }
        let response = try CardResponse(bytes: try bytes(responseHex))
        guard let plain = recorded.responsePlain else {
            return response
        }
        return CardResponse(data: try bytes(plain), statusWord: response.statusWord)
    }
}
