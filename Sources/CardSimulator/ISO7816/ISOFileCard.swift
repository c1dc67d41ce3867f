public import APDUTypes
import SecureChannel

/// A simulated file-oriented smart card: ISO/IEC 7816-4 files and commands, ISO/IEC 7816-9 file
/// management, and mutual authentication with secure messaging as ICAO Doc 9303 Part 11 defines
/// them (``ISOMutualAuthentication``, ``ISOSecureMessagingCard``).
///
/// The card holds an MF with DFs and EFs (transparent, linear fixed, linear variable, cyclic) and
/// answers SELECT, READ/UPDATE BINARY, READ/UPDATE/APPEND RECORD, CREATE FILE, DELETE FILE,
/// ACTIVATE FILE, DEACTIVATE FILE, TERMINATE DF/EF, GET CHALLENGE and EXTERNAL AUTHENTICATE. Every
/// command gets a status word, as silicon answers: refused commands get the ISO/IEC 7816-4 error.
///
/// Security works as a Basic Access Control chip does:
/// - GET CHALLENGE then EXTERNAL AUTHENTICATE with the configured access keys open a secure
///   messaging session; a wrong cryptogram answers `6300` and counts against
///   ``Configuration/authenticationRetryLimit``, after which authentication is blocked (`6983`) for good.
/// - In the session every command must be protected (CLA `0C`) and every response is protected.
///   A command whose data objects do not verify answers `6988` (`6987` without a checksum) in plain
///   and ends the session; so does any plain command, which then runs without the session's rights.
/// - Files grant operations by their compact security attributes: `sm` holds for a protected
///   command, `external-auth` while the session that EXTERNAL AUTHENTICATE opened lasts.
///
/// The file tree, the keys and the failure counter persist in ``image``; the selection and the
/// session do not, and ``reset()`` ends them.
public final class ISOFileCard: SimulatedCard {
    /// The card's keys and operating system facts.
    public let configuration: Configuration

    let randomSource: RandomSource

    /// The MF and everything under it.
    var masterFile: File

    /// Failed EXTERNAL AUTHENTICATE commands since the last success.
    var failedAuthentications: Int

    /// The current DF, as the identifiers below the MF (empty for the MF).
    var currentDF: [UInt16] = []
    /// The current EF, as the identifiers below the MF, if there is one.
    var currentEF: [UInt16]?
    /// The current record of the current EF (a record number), if there is one.
    var currentRecord: Int?
    /// The last DF selected by name, for SELECT of the next occurrence.
    var lastNameMatch: [UInt16]?
    /// RND.IC of the last GET CHALLENGE, until EXTERNAL AUTHENTICATE uses it.
    var pendingChallenge: [UInt8]?
    /// The open secure messaging session.
    var secureMessaging: ISOSecureMessagingCard?
    /// Whether EXTERNAL AUTHENTICATE succeeded in the open session.
    var isExternallyAuthenticated = false

    /// Makes a new card with an empty MF.
    ///
    /// - Parameters:
    ///   - configuration: The access keys and the card's facts.
    ///   - randomSource: Where RND.IC and K.IC come from; the system generator by default.
    /// - Throws: ``ISOFileCardError/Code/invalidConfiguration`` for a retry limit below 1, a memory
    ///   size out of range, more than 15 historical bytes or a bad MF name.
    public init(configuration: Configuration, randomSource: RandomSource = .system) throws(ISOFileCardError) {
        try configuration.validate()
        self.configuration = configuration
        self.randomSource = randomSource
        self.masterFile = File(
            fid: Self.masterFileIdentifier,
            structure: .dedicated,
            dfName: configuration.masterFileName,
            lifeCycle: .activated,
            securityAttributes: configuration.masterFileSecurity,
            size: configuration.memorySize
        )
        self.failedAuthentications = 0
    }

    /// Makes a card from an image: its configuration, files and failure counter.
    ///
    /// - Parameters:
    ///   - image: A card image, such as one read with ``Image/init(json:)``.
    ///   - randomSource: Where RND.IC and K.IC come from; the system generator by default.
    /// - Throws: ``ISOFileCardError/Code/invalidConfiguration`` when the image's configuration is
    ///   out of range, ``ISOFileCardError/Code/invalidImage`` when its MF is not a DF with identifier `3F00`.
    public init(image: Image, randomSource: RandomSource = .system) throws(ISOFileCardError) {
        try image.configuration.validate()
        guard image.masterFile.fid == Self.masterFileIdentifier, image.masterFile.isDedicated else {
            throw .invalidImage("the image's root file is not a DF with identifier 3F00")
        }
        guard image.failedAuthentications >= 0 else {
            throw .invalidImage("the failed authentication counter is negative")
        }
        self.configuration = image.configuration
        self.randomSource = randomSource
        self.masterFile = image.masterFile
        self.failedAuthentications = image.failedAuthentications
    }

    /// The file identifier of the MF.
    public static let masterFileIdentifier: UInt16 = 0x3F00

    /// The persistent state: configuration, files with their contents, and the failure counter.
    public var image: Image {
        Image(configuration: configuration, masterFile: masterFile, failedAuthentications: failedAuthentications)
    }

    /// `3B`, T0, TD1 `80`, TD2 `01` (T=1), the historical bytes and the check byte TCK.
    public var answerToReset: [UInt8] {
        let historical = configuration.historicalBytes
        var bytes: [UInt8] = [0x3B, 0x80 | UInt8(historical.count), 0x80, 0x01] + historical
        bytes.append(bytes.dropFirst().reduce(0, ^))
        return bytes
    }

    /// Powers the card off and on: the session, the challenge and the selection end; the MF is current.
    public func reset() {
        endSecureMessaging()
        pendingChallenge = nil
        currentDF = []
        currentEF = nil
        currentRecord = nil
        lastNameMatch = nil
    }

    /// A file by its path from the MF, such as `[0x3F00, 0x5100, 0x5101]`.
    ///
    /// - Parameter path: The file identifiers from the MF; the leading `3F00` may be left out.
    /// - Returns: A copy of the file with its contents and children, or `nil` when there is none.
    public func file(at path: [UInt16]) -> File? {
        var path = path[...]
        if path.first == Self.masterFileIdentifier {
            path = path.dropFirst()
        }
        return file(below: Array(path))
    }

    /// Whether a secure messaging session is open.
    public var hasSecureMessagingSession: Bool {
        secureMessaging?.hasFailed == false
    }

    /// How many more failed EXTERNAL AUTHENTICATE commands the card accepts before it blocks.
    public var remainingAuthenticationAttempts: Int {
        max(0, configuration.authenticationRetryLimit - failedAuthentications)
    }

    /// Whether authentication is blocked for good.
    public var isAuthenticationBlocked: Bool {
        remainingAuthenticationAttempts == 0
    }

    /// The path of the current DF and of the current EF, with the MF's `3F00` first.
    public var currentSelection: (dedicatedFile: [UInt16], elementaryFile: [UInt16]?) {
        ([Self.masterFileIdentifier] + currentDF, currentEF.map { [Self.masterFileIdentifier] + $0 })
    }

    /// Processes one command: checks the class byte, unwraps secure messaging, runs the
    /// instruction and protects the response.
    ///
    /// - Parameter command: The command APDU as the reader delivered it.
    /// - Returns: The response: data and status word, protected when the command was.
    public func process(_ command: CommandAPDU) -> CardResponse {
        let cla = command.cla
        guard cla & 0xE0 == 0 else {
            endSecureMessaging()
            return CardResponse(statusWord: StatusWord(0x6E00))
        }
        guard cla & 0x10 == 0 else {
            endSecureMessaging()
            return CardResponse(statusWord: StatusWord(0x6884))
        }
        guard cla & 0x03 == 0 else {
            endSecureMessaging()
            return CardResponse(statusWord: StatusWord(0x6881))
        }
        switch cla & 0x0C {
        case 0x00:
            endSecureMessaging()
            let status = SecurityStatus(secureMessaging: false, externalAuthentication: false)
            return execute(command, status: status, responseLimit: 256)
        case 0x0C:
            return processProtected(command)
        default:
            endSecureMessaging()
            return CardResponse(statusWord: StatusWord(0x6882))
        }
    }

    /// Unprotects a command, runs it with the session's rights and protects the response.
    private func processProtected(_ command: CommandAPDU) -> CardResponse {
        guard var session = secureMessaging.take() else {
            endSecureMessaging()
            return CardResponse(statusWord: ISOSecureMessaging.incorrectDataObjectsStatusWord)
        }
        let plain: CommandAPDU
        do throws(SecureChannelError) {
            plain = try session.unprotect(command: command)
        } catch {
            endSecureMessaging()
            return CardResponse(
                statusWord: Self.hasChecksumObject(command.data)
                    ? ISOSecureMessaging.incorrectDataObjectsStatusWord
                    : ISOSecureMessaging.missingDataObjectsStatusWord
            )
        }
        let status = SecurityStatus(secureMessaging: true, externalAuthentication: isExternallyAuthenticated)
        let limit = ISOSecureMessaging.maximumResponseDataLength(
            cipher: session.messaging.cipher,
            instruction: plain.ins
        )
        let response: CardResponse
        if plain.ins == 0x82 {
            // EXTERNAL AUTHENTICATE starts a session; it is never sent inside one.
            response = CardResponse(statusWord: Refusal.conditionsOfUseNotSatisfied.statusWord)
        } else {
            response = execute(plain, status: status, responseLimit: limit)
        }
        let protected: CardResponse
        do throws(SecureChannelError) {
            protected = try session.protect(response: response)
        } catch {
            endSecureMessaging()
            return CardResponse(statusWord: StatusWord(0x6F00))
        }
        secureMessaging = .some(session)
        return protected
    }

    /// Runs a plain command.
    private func execute(_ command: CommandAPDU, status: SecurityStatus, responseLimit: Int) -> CardResponse {
        let response: CardResponse
        do throws(Refusal) {
            switch command.ins {
            case 0xA4: response = try select(command, responseLimit: responseLimit)
            case 0xB0: response = try readBinary(command, status: status, responseLimit: responseLimit)
            case 0xD6: response = try updateBinary(command, status: status)
            case 0xB2: response = try readRecord(command, status: status, responseLimit: responseLimit)
            case 0xDC: response = try updateRecord(command, status: status)
            case 0xE2: response = try appendRecord(command, status: status)
            case 0xE0: response = try createFile(command, status: status)
            case 0xE4: response = try deleteFile(command, status: status)
            case 0x44: response = try activateFile(command, status: status)
            case 0x04: response = try deactivateFile(command, status: status)
            case 0xE6, 0xE8: response = try terminateFile(command, status: status)
            case 0x84: response = try getChallenge(command)
            case 0x82: response = try externalAuthenticate(command)
            default: response = CardResponse(statusWord: StatusWord(0x6D00))
            }
        } catch {
            return CardResponse(statusWord: error.statusWord)
        }
        guard response.data.count <= responseLimit else {
            return CardResponse(statusWord: StatusWord(0x6F00))
        }
        return response
    }

    /// Ends the secure messaging session and the rights it carried.
    func endSecureMessaging() {
        secureMessaging = nil
        isExternallyAuthenticated = false
    }

    /// Whether a data field holds a DO'8E' at its top level, to tell `6987` from `6988`.
    private static func hasChecksumObject(_ data: [UInt8]) -> Bool {
        var index = 0
        while index + 1 < data.count {
            let tag = data[index]
            var length = Int(data[index + 1])
            index += 2
            if length == 0x81, index < data.count {
                length = Int(data[index])
                index += 1
            } else if length == 0x82, index + 1 < data.count {
                length = Int(data[index]) << 8 | Int(data[index + 1])
                index += 2
            }
            if tag == 0x8E {
                return true
            }
            index += length
        }
        return false
    }
}
