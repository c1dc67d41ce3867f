public import APDUTypes
public import SequenceProtocol

/// The probes of a file-oriented ISO 7816 card with secure messaging, and the reading of their answers.
///
/// The first probe selects the MF (`00 A4 00 0C 02 3F00`), then EF.GDO under it (`00 A4 02 0C 02
/// 2F02`), reads it whole (`00 B0 00 00 00`) and asks for the card's challenge last
/// (`00 84 00 00 08`), so that nothing runs between GET CHALLENGE and EXTERNAL AUTHENTICATE.
/// The second probe is that EXTERNAL AUTHENTICATE, made by the server from RND.IC, its own
/// RND.IFD and K.IFD, and the card's access keys: the secure messaging session keys depend on the
/// card's answer, so the bundle can only be made after it.
public enum FileCardProbe {
    /// The purposes of the probes' commands, in order.
    public enum Purpose {
        /// SELECT of the MF by its identifier `3F00` (required).
        public static let selectMF = "select-mf"
        /// SELECT of EF.GDO (`2F02`) in the MF (required).
        public static let selectGDO = "select-gdo"
        /// READ BINARY of EF.GDO: the card number, IIN and CIN data objects (required).
        public static let generalDataObjects = "gdo"
        /// GET CHALLENGE: RND.IC, 8 bytes (required, last).
        public static let getChallenge = "get-challenge"
        /// EXTERNAL AUTHENTICATE, the second probe's only command (required).
        public static let externalAuthenticate = "external-authenticate"
    }

    /// The length of RND.IC and RND.IFD.
    public static let challengeLength = 8
    /// The length of K.IFD.
    public static let keyMaterialLength = 16

    /// The first probe: select the MF and EF.GDO, read EF.GDO, GET CHALLENGE.
    public static func script() -> ProbeScript {
        let selectMF = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x00, p2: 0x0C, data: [0x3F, 0x00])
        let selectGDO = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x02, p2: 0x0C, data: [0x2F, 0x02])
        let read = CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0x00, p2: 0x00, data: [], le: 256)
        let challenge = CommandAPDU(cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, data: [], le: challengeLength)
        return ProbeScript(commands: [
            ProbeCommand(purpose: Purpose.selectMF, apdu: Hex.string(selectMF.bytes)),
            ProbeCommand(purpose: Purpose.selectGDO, apdu: Hex.string(selectGDO.bytes)),
            ProbeCommand(purpose: Purpose.generalDataObjects, apdu: Hex.string(read.bytes)),
            ProbeCommand(purpose: Purpose.getChallenge, apdu: Hex.string(challenge.bytes)),
        ])
    }

    /// The second probe: the EXTERNAL AUTHENTICATE to send.
    ///
    /// - Parameter command: EXTERNAL AUTHENTICATE from the server's challenge and key material.
    /// - Returns: A probe of that one required command.
    public static func authenticationScript(_ command: CommandAPDU) -> ProbeScript {
        ProbeScript(commands: [ProbeCommand(purpose: Purpose.externalAuthenticate, apdu: Hex.string(command.bytes))])
    }

    /// Reads the card's answers to ``script()``.
    ///
    /// - Throws: ``ServerError``: `malformed-request` for a response that is not hex,
    ///   `answers-mismatch` for answers out of the probe's order or a missing answer, `unknown-card`
    ///   when the card has no MF or EF.GDO, or EF.GDO has no CIN, and `card-authentication-failed`
    ///   when the card refused GET CHALLENGE.
    public static func read(_ answers: ProbeAnswers, script: ProbeScript) throws(ServerError) -> ProbedFileCard {
        let responses = try Self.responses(answers, script: script)
        guard let select = responses[Purpose.selectMF] else {
            throw ServerError(.answersMismatch, "the answers lack the SELECT of the MF")
        }
        guard select.statusWord == .success else {
            throw ServerError(
                .unknownCard,
                "the card answered the SELECT of the MF with \(describe(select.statusWord)): not a file-oriented card"
            )
        }
        guard let selectGDO = responses[Purpose.selectGDO] else {
            throw ServerError(.answersMismatch, "the answers lack the SELECT of EF.GDO")
        }
        guard selectGDO.statusWord == .success else {
            throw ServerError(
                .unknownCard,
                "the card answered the SELECT of EF.GDO (2F02) with \(describe(selectGDO.statusWord)): "
                    + "it carries no identification the server can match"
            )
        }
        guard let read = responses[Purpose.generalDataObjects] else {
            throw ServerError(.answersMismatch, "the answers lack the READ BINARY of EF.GDO")
        }
        guard read.statusWord == .success || read.statusWord == StatusWord(0x6282) else {
            throw ServerError(
                .unknownCard,
                "the card answered the READ BINARY of EF.GDO with \(describe(read.statusWord))"
            )
        }
        guard let objects = BERTLV.decode(read.data) else {
            throw ServerError(.unknownCard, "EF.GDO does not hold BER-TLV data objects")
        }
        func value(_ tag: UInt8) -> [UInt8]? {
            objects.first(where: { $0.tag == [tag] })?.value
        }
        guard let cin = value(0x45), !cin.isEmpty else {
            throw ServerError(.unknownCard, "EF.GDO has no CIN (data object 45)")
        }
        guard let challenge = responses[Purpose.getChallenge] else {
            throw ServerError(.answersMismatch, "the answers lack GET CHALLENGE")
        }
        guard challenge.statusWord == .success else {
            throw ServerError(
                .cardAuthenticationFailed,
                "the card answered GET CHALLENGE with \(describe(challenge.statusWord)); it cannot be authenticated"
            )
        }
        guard challenge.data.count == challengeLength else {
            throw ServerError(
                .answersMismatch,
                "the GET CHALLENGE answer has \(challenge.data.count) data bytes, not \(challengeLength)"
            )
        }
        return ProbedFileCard(cardNumber: value(0x5A), iin: value(0x42), cin: cin, cardChallenge: challenge.data)
    }

    /// Reads the card's answer to ``authenticationScript(_:)``.
    ///
    /// - Returns: The whole response: `E_IC ‖ M_IC` and the status word.
    /// - Throws: ``ServerError``: `malformed-request` for a response that is not hex,
    ///   `answers-mismatch` when the answer is missing or not for EXTERNAL AUTHENTICATE.
    public static func readAuthentication(
        _ answers: ProbeAnswers,
        script: ProbeScript
    ) throws(ServerError) -> CardResponse {
        let responses = try Self.responses(answers, script: script)
        guard let response = responses[Purpose.externalAuthenticate] else {
            throw ServerError(.answersMismatch, "the answers lack EXTERNAL AUTHENTICATE")
        }
        return response
    }

    /// The answers by purpose, checked against the probe's order.
    static func responses(_ answers: ProbeAnswers, script: ProbeScript) throws(ServerError) -> [String: CardResponse] {
        guard answers.answers.count <= script.commands.count else {
            throw ServerError(.answersMismatch, "more answers (\(answers.answers.count)) than probe commands")
        }
        var responses: [String: CardResponse] = [:]
        for (index, answer) in answers.answers.enumerated() {
            let expected = script.commands[index].purpose
            guard answer.purpose == expected else {
                throw ServerError(
                    .answersMismatch,
                    "answer \(index) is for '\(answer.purpose.prefix(40))', but probe command \(index) is '\(expected)'"
                )
            }
            guard let bytes = Hex.bytes(answer.response), let response = CardResponse.parse(bytes) else {
                throw .malformed("the answer to '\(expected)' is not a response APDU in hex")
            }
            responses[expected] = response
        }
        return responses
    }

    static func describe(_ statusWord: StatusWord) -> String {
        statusWord.meaning.map { "\(statusWord) (\($0))" } ?? "\(statusWord)"
    }
}
