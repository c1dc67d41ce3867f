import APDUTypes
import SecureChannel
public import SequenceProtocol

/// The probe of a GlobalPlatform card and the reading of its answers.
///
/// The ISD AID is not known before the probe, so the probe selects the card manager with an
/// empty DF name (`00 A4 04 00 00`): a GlobalPlatform card answers with the issuer security
/// domain, and the AID comes from tag `84` of its FCI. Then GET DATA reads the identification
/// data, each optional because cards differ in what they support, and INITIALIZE UPDATE with
/// key version `00` (the card's default key set) and a fresh 8-byte host challenge opens the
/// authentication, last, so that nothing runs between it and the bundle's EXTERNAL AUTHENTICATE.
public enum GlobalPlatformProbe {
    /// The purposes of the probe's commands, in order.
    public enum Purpose {
        /// SELECT of the card manager (required).
        public static let selectISD = "select-isd"
        /// GET DATA `9F7F`, the CPLC (optional).
        public static let cplc = "cplc"
        /// GET DATA `66`, the card recognition data (optional).
        public static let cardData = "card-data"
        /// GET DATA `00E0`, the key information template (optional).
        public static let keyInformation = "key-information"
        /// GET DATA `0042`, the IIN (optional).
        public static let iin = "iin"
        /// GET DATA `0045`, the CIN (optional).
        public static let cin = "cin"
        /// GET DATA `00CF`, the KDD (optional).
        public static let kdd = "kdd"
        /// INITIALIZE UPDATE with the host challenge (required, last).
        public static let initializeUpdate = "initialize-update"
    }

    /// The length of the host challenge the probe sends.
    public static let hostChallengeLength = 8

    /// The probe script for a host challenge.
    ///
    /// - Parameter hostChallenge: 8 fresh random bytes.
    /// - Returns: The commands the client sends, in order.
    public static func script(hostChallenge: [UInt8]) -> ProbeScript {
        let getData: [(String, [UInt8])] = [
            (Purpose.cplc, [0x9F, 0x7F]), (Purpose.cardData, [0x00, 0x66]), (Purpose.keyInformation, [0x00, 0xE0]),
            (Purpose.iin, [0x00, 0x42]), (Purpose.cin, [0x00, 0x45]), (Purpose.kdd, [0x00, 0xCF]),
        ]
        var commands = [ProbeCommand(purpose: Purpose.selectISD, apdu: "00A4040000")]
        for (purpose, tag) in getData {
            let command = CommandAPDU(cla: 0x80, ins: 0xCA, p1: tag[0], p2: tag[1], data: [], le: 256)
            commands.append(ProbeCommand(purpose: purpose, apdu: Hex.string(command.bytes), required: false))
        }
        let initializeUpdate = CommandAPDU(cla: 0x80, ins: 0x50, p1: 0x00, p2: 0x00, data: hostChallenge, le: 256)
        commands.append(ProbeCommand(purpose: Purpose.initializeUpdate, apdu: Hex.string(initializeUpdate.bytes)))
        return ProbeScript(commands: commands)
    }

    /// Reads the card's answers to ``script(hostChallenge:)``.
    ///
    /// - Parameters:
    ///   - answers: The answers, in the probe's order.
    ///   - script: The probe they answer.
    /// - Returns: The probed card.
    /// - Throws: ``ServerError``: ``SequenceProtocol/ErrorCode/malformedRequest`` for a response
    ///   that is not hex, ``SequenceProtocol/ErrorCode/answersMismatch`` for answers out of the
    ///   probe's order or a missing required answer, ``SequenceProtocol/ErrorCode/unknownCard``
    ///   when the card is not a GlobalPlatform card manager, and
    ///   ``SequenceProtocol/ErrorCode/cardAuthenticationFailed`` when the card refused INITIALIZE UPDATE.
    public static func read(_ answers: ProbeAnswers, script: ProbeScript) throws(ServerError) -> ProbedCard {
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
        guard let select = responses[Purpose.selectISD] else {
            throw ServerError(.answersMismatch, "the answers lack the card manager SELECT")
        }
        guard select.statusWord == .success else {
            throw ServerError(
                .unknownCard,
                "the card answered the card manager SELECT with \(Self.describe(select.statusWord)): not a GlobalPlatform card"
            )
        }
        guard let aid = Self.fciAID(select.data) else {
            throw ServerError(.unknownCard, "the card manager's SELECT answer has no FCI with its AID (tag 84)")
        }
        guard let initializeUpdate = responses[Purpose.initializeUpdate] else {
            throw ServerError(.answersMismatch, "the answers lack INITIALIZE UPDATE")
        }
        guard initializeUpdate.statusWord == .success else {
            throw ServerError(
                .cardAuthenticationFailed,
                "the card answered INITIALIZE UPDATE with \(Self.describe(initializeUpdate.statusWord)); "
                    + "it cannot open a secure channel with its default key set"
            )
        }
        let data = initializeUpdate.data
        guard data.count == 28 || data.count == 29 || data.count == 32 else {
            throw ServerError(
                .answersMismatch,
                "the INITIALIZE UPDATE answer has \(data.count) data bytes, not 28, 29 or 32"
            )
        }
        func value(_ purpose: String, tag: [UInt8]) -> [UInt8]? {
            guard let response = responses[purpose], response.statusWord == .success else { return nil }
            return Self.dataObject(response.data, tag: tag)
        }
        return ProbedCard(
            isdAID: aid,
            cplc: value(Purpose.cplc, tag: [0x9F, 0x7F]).flatMap { $0.count == 42 ? $0 : nil },
            cardRecognitionData: value(Purpose.cardData, tag: [0x66]),
            keyInformation: value(Purpose.keyInformation, tag: [0xE0]),
            iin: value(Purpose.iin, tag: [0x42]),
            cin: value(Purpose.cin, tag: [0x45]),
            keyDiversificationData: Array(data[0..<10]),
            keyVersion: data[10],
            initializeUpdateResponse: initializeUpdate.bytes
        )
    }

    /// The host challenge inside a probe's INITIALIZE UPDATE.
    static func hostChallenge(in script: ProbeScript) -> [UInt8]? {
        guard let command = script.commands.last, command.purpose == Purpose.initializeUpdate,
            let bytes = Hex.bytes(command.apdu), let apdu = try? CommandAPDU(bytes: bytes)
        else {
            return nil
        }
        return apdu.data
    }

    /// The AID in an FCI: tag `84` inside `6F`.
    static func fciAID(_ data: [UInt8]) -> ApplicationIdentifier? {
        guard let top = BERTLV.decode(data), let template = top.first(where: { $0.tag == [0x6F] }),
            let inner = BERTLV.decode(template.value), let name = inner.first(where: { $0.tag == [0x84] })
        else {
            return nil
        }
        return ApplicationIdentifier(name.value)
    }

    /// The value of a GET DATA answer: the data object's value when it is `tag`, else the bytes as given.
    static func dataObject(_ data: [UInt8], tag: [UInt8]) -> [UInt8] {
        if let elements = BERTLV.decode(data), elements.count == 1, elements[0].tag == tag {
            return elements[0].value
        }
        return data
    }

    static func describe(_ statusWord: StatusWord) -> String {
        statusWord.meaning.map { "\(statusWord) (\($0))" } ?? "\(statusWord)"
    }
}
