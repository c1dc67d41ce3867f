public import APDUTypes
public import SecureChannel

/// A simulated GlobalPlatform card, strict as silicon: an issuer security domain with secure channels
/// (SCP01, SCP02, SCP03) and card content management (GPCS 2.3.1 chapter 11, Amendment D).
///
/// The issuer security domain answers INITIALIZE UPDATE and EXTERNAL AUTHENTICATE with
/// ``SecureChannel/CardSecureChannelSession``, then checks every command's C-MAC (a bad one gets
/// `6982` and closes the channel), decrypts command data and secures responses as the security level
/// says. A key set with an implicit SCP02 option (`0A`, `0B`, `1A`, `1B`) opens a C-MAC session with
/// the first secured command instead, its MAC chained from the MAC of the security domain's AID. Card
/// content management needs the channel: INSTALL [for load] and LOAD (block order, `C4`
/// length, load file hash, package and applet AIDs read from the CAP components), INSTALL [for
/// install], [for make selectable] and [for personalization], STORE DATA (decrypted under the DEK and
/// kept by the receiving application), DELETE, GET STATUS, SET STATUS, PUT KEY (key check values
/// verified) and PUT DATA. GET DATA answers without a channel. Wrong host cryptograms count towards a
/// retry limit after which INITIALIZE UPDATE answers `6983`.
///
/// Installed applications run no bytecode: they answer SELECT with a minimal FCI, `6D00` to anything
/// else, and keep what they were installed and personalized with (``application(_:)``). A selectable
/// application with the Card Reset privilege is selected after reset instead of the issuer security
/// domain, which SELECT by AID still reaches.
///
/// Everything that survives a power cycle is in ``image``; ``init(image:)`` brings a card back, so a
/// card keeps its applications between runs and refuses a second install of the same instance AID.
///
/// ```swift
/// let card = try GlobalPlatformCard(configuration: configuration)
/// let channel = SimulatedCardChannel(card: card)      // or card.process(command) directly
/// try imageFile.write(card.image.encoded())
/// ```
public final class GlobalPlatformCard: SimulatedCard {
    /// What persists: configuration, registry, counters and the retry state.
    var stored: Image

    /// The application selected on the basic logical channel.
    var selection: Selection = .issuerSecurityDomain

    /// The secure channel session of the issuer security domain.
    var channel: ChannelState = .closed

    /// The load begun by INSTALL [for load] and continued by LOAD, if any.
    var pendingLoad: PendingLoad?

    /// The application INSTALL [for personalization] named, if STORE DATA goes to one.
    var personalizationTarget: ApplicationIdentifier?

    /// The block number the next STORE DATA must carry.
    var nextStoreDataBlock = 0

    /// What the next GET STATUS with P2 bit `01` returns, after a `6310`.
    var statusContinuation: StatusContinuation?

    /// Makes a fresh card from a configuration, with an empty registry.
    ///
    /// - Parameter configuration: The card's configuration.
    /// - Throws: ``GlobalPlatformCardError/Code/invalidConfiguration`` when the configuration cannot work.
    public convenience init(configuration: Configuration) throws(GlobalPlatformCardError) {
        try self.init(image: Image(configuration: configuration))
    }

    /// Brings back a card from its image, as it was when the image was taken (powered off), then powered on.
    ///
    /// - Parameter image: The card image.
    /// - Throws: ``GlobalPlatformCardError/Code/invalidConfiguration`` when the configuration cannot work,
    ///   ``GlobalPlatformCardError/Code/invalidImage`` when the registry is inconsistent.
    public init(image: Image) throws(GlobalPlatformCardError) {
        try image.configuration.validate()
        var seen: Set<ApplicationIdentifier> = [image.configuration.issuerSecurityDomainAID]
        for aid in image.loadFiles.map(\.aid) + image.applications.map(\.aid) where !seen.insert(aid).inserted {
            throw .invalidImage("AID \(aid) appears twice in the registry")
        }
        guard image.consecutiveAuthenticationFailures >= 0, image.challengeCounter >= 0 else {
            throw .invalidImage("counters cannot be negative")
        }
        stored = image
        selection = selectionAfterReset
    }

    /// The card as it would be written to a file now: configuration, registry, counters, retry state.
    public var image: Image {
        stored
    }

    /// The card's configuration as it is now: PUT KEY, PUT DATA, SET STATUS and the counters change it.
    public var configuration: Configuration {
        stored.configuration
    }

    /// The answer to reset from the configuration.
    public var answerToReset: [UInt8] {
        stored.configuration.answerToReset
    }

    /// Powers the card off and on: the secure channel, a load in progress and the selection end; the
    /// application with the Card Reset privilege is selected, or the issuer security domain when none has it.
    public func reset() {
        endSession()
        selection = selectionAfterReset
    }

    /// Answers one command on the basic logical channel, with a status word for anything it refuses.
    ///
    /// - Parameter command: The command APDU.
    /// - Returns: The response data and status word.
    public func process(_ command: CommandAPDU) -> CardResponse {
        do throws(Refusal) {
            return try dispatch(command)
        } catch {
            return CardResponse(statusWord: error.statusWord)
        }
    }

    /// The application with an instance AID, if installed.
    ///
    /// - Parameter aid: The instance AID.
    /// - Returns: The registry entry, with its life cycle and personalization data.
    public func application(_ aid: ApplicationIdentifier) -> Application? {
        stored.applications.first { $0.aid == aid }
    }

    /// The executable load file with an AID, if loaded.
    ///
    /// - Parameter aid: The load file (package) AID.
    /// - Returns: The registry entry, with its modules.
    public func loadFile(_ aid: ApplicationIdentifier) -> LoadFile? {
        stored.loadFiles.first { $0.aid == aid }
    }

    /// The installed applications, in install order.
    public var applications: [Application] {
        stored.applications
    }

    /// The executable load files, in load order.
    public var loadFiles: [LoadFile] {
        stored.loadFiles
    }

    /// The AID of the application selected on the basic logical channel.
    public var selectedAID: ApplicationIdentifier {
        switch selection {
        case .issuerSecurityDomain: stored.configuration.issuerSecurityDomainAID
        case .application(let aid): aid
        }
    }

    /// The security level of the open secure channel; `nil` when none is open.
    public var securityLevel: SecurityLevel? {
        guard case .open(let box) = channel else { return nil }
        return box.session.securityLevel
    }

    /// Ends the secure channel session and everything that lives only inside it.
    func endSession() {
        channel = .closed
        pendingLoad = nil
        personalizationTarget = nil
        nextStoreDataBlock = 0
        statusContinuation = nil
    }

    /// Checks the class byte and sends the command to the selected application.
    private func dispatch(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        let cla = command.cla
        switch cla & 0xF0 {
        case 0x00, 0x80:
            break
        case 0x10, 0x90:
            throw .chainingNotSupported
        case 0x40...0x70, 0xC0...0xF0:
            throw cla == 0xFF ? .classNotSupported : .logicalChannelNotSupported
        default:
            throw .classNotSupported
        }
        guard cla & 0x03 == 0 else {
            throw .logicalChannelNotSupported
        }
        guard cla & 0x08 == 0 else {
            throw .secureMessagingNotSupported
        }
        if command.isExtended && !stored.configuration.supportsExtendedLength {
            throw .wrongLength
        }
        if command.ins == 0xA4 {
            guard cla == 0x00 else {
                throw .classNotSupported
            }
            return try select(command)
        }
        switch selection {
        case .issuerSecurityDomain:
            return try securityDomain(command)
        case .application:
            // The instance runs no bytecode: it knows no instruction.
            throw .instructionNotSupported
        }
    }

    /// The issuer security domain: secure channel commands, then everything else through the channel.
    private func securityDomain(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        let lifeCycle = stored.configuration.cardLifeCycle
        if lifeCycle == LifeCycle.terminated && command.ins != 0xCA {
            throw .conditionsNotSatisfied
        }
        switch command.ins {
        case 0x50:
            return try initializeUpdate(command)
        case 0x82:
            return try externalAuthenticate(command)
        default:
            break
        }
        if case .awaitingExternalAuthenticate = channel {
            // Anything but EXTERNAL AUTHENTICATE after INITIALIZE UPDATE abandons the session.
            endSession()
        }
        let box: ChannelBox
        let plain: CommandAPDU
        if case .open(let current) = channel {
            do throws(SecureChannelError) {
                plain = try current.session.unwrap(command)
            } catch {
                endSession()
                throw .securityStatusNotSatisfied
            }
            box = current
        } else {
            guard command.cla & 0x04 != 0 else {
                return try execute(command, in: nil)
            }
            // Secure messaging without a session: SCP02 implicit initiation, if a key set offers it.
            (box, plain) = try openImplicitSession(command)
        }
        var response: CardResponse
        do throws(Refusal) {
            response = try execute(plain, in: box)
        } catch {
            response = CardResponse(statusWord: error.statusWord)
        }
        guard case .open(let current) = channel, current === box else {
            return response
        }
        do throws(SecureChannelError) {
            return try box.session.wrap(response: response.data, statusWord: response.statusWord)
        } catch {
            return CardResponse(statusWord: StatusWord(0x6F00))
        }
    }

    /// Runs a plain command on the issuer security domain, inside the session `box` or without one.
    private func execute(_ command: CommandAPDU, in box: ChannelBox?) throws(Refusal) -> CardResponse {
        if command.ins != 0xE8 && pendingLoad != nil {
            // LOAD must follow INSTALL [for load] and the previous LOAD directly.
            pendingLoad = nil
        }
        if command.ins != 0xF2 {
            statusContinuation = nil
        }
        let isGlobalPlatformClass = command.cla & 0x80 != 0
        switch command.ins {
        case 0xCA:
            return try getData(command)
        case 0xDA:
            _ = try contentManagement(box)
            return try putData(command)
        case 0xE6, 0xE8, 0xE4, 0xF2, 0xF0, 0xD8, 0xE2:
            guard isGlobalPlatformClass else {
                throw .classNotSupported
            }
        default:
            throw .instructionNotSupported
        }
        let session = try contentManagement(box)
        let lifeCycle = stored.configuration.cardLifeCycle
        if lifeCycle == LifeCycle.cardLocked && command.ins != 0xF2 && command.ins != 0xF0 {
            throw .conditionsNotSatisfied
        }
        switch command.ins {
        case 0xE6: return try install(command)
        case 0xE8: return try load(command)
        case 0xE4: return try delete(command)
        case 0xF2: return try getStatus(command, session: session)
        case 0xF0: return try setStatus(command)
        case 0xD8: return try putKey(command, session: session)
        default: return try storeData(command, session: session)
        }
    }

    /// The open channel, if it is at least at the level card content management needs; otherwise `6982`.
    private func contentManagement(_ box: ChannelBox?) throws(Refusal) -> ChannelBox {
        guard let box, let level = box.session.securityLevel,
            level.isSuperset(of: stored.configuration.contentManagementSecurityLevel)
        else {
            throw .securityStatusNotSatisfied
        }
        return box
    }
}

extension GlobalPlatformCard {
    /// What is selected on the basic logical channel.
    enum Selection: Hashable {
        case issuerSecurityDomain
        case application(ApplicationIdentifier)
    }

    /// The secure channel of the issuer security domain, as an enum of states.
    enum ChannelState {
        /// No session: commands run without secure messaging.
        case closed
        /// INITIALIZE UPDATE was answered; only EXTERNAL AUTHENTICATE may follow.
        case awaitingExternalAuthenticate(ChannelBox)
        /// EXTERNAL AUTHENTICATE was accepted, or an implicit session started: every command goes
        /// through the session.
        case open(ChannelBox)
    }

    /// Holds the non-copyable card session, so the channel state can refer to it.
    final class ChannelBox {
        var session: CardSecureChannelSession
        /// The key version of the key set the session was opened with.
        let keyVersion: UInt8

        init(session: consuming CardSecureChannelSession, keyVersion: UInt8) {
            self.session = session
            self.keyVersion = keyVersion
        }
    }

    /// A command the card refuses, with the status word it answers (ISO/IEC 7816-4 section 5.6,
    /// GPCS 2.3.1 section 11.1.3).
    struct Refusal: Error {
        let statusWord: StatusWord

        init(_ rawValue: UInt16) {
            statusWord = StatusWord(rawValue)
        }

        /// `6300`: authentication failed (a wrong host cryptogram).
        static let authenticationFailed = Self(0x6300)
        /// `6581`: memory failure.
        static let memoryFailure = Self(0x6581)
        /// `6700`: wrong length.
        static let wrongLength = Self(0x6700)
        /// `6881`: logical channel not supported.
        static let logicalChannelNotSupported = Self(0x6881)
        /// `6882`: secure messaging not supported (ISO secure messaging class bits).
        static let secureMessagingNotSupported = Self(0x6882)
        /// `6884`: command chaining not supported.
        static let chainingNotSupported = Self(0x6884)
        /// `6982`: security status not satisfied.
        static let securityStatusNotSatisfied = Self(0x6982)
        /// `6983`: authentication method blocked.
        static let authenticationBlocked = Self(0x6983)
        /// `6985`: conditions of use not satisfied.
        static let conditionsNotSatisfied = Self(0x6985)
        /// `6A80`: incorrect parameters in the data field.
        static let incorrectData = Self(0x6A80)
        /// `6A82`: application not found.
        static let applicationNotFound = Self(0x6A82)
        /// `6A84`: not enough memory space.
        static let notEnoughMemory = Self(0x6A84)
        /// `6A86`: incorrect parameters P1-P2.
        static let incorrectParameters = Self(0x6A86)
        /// `6A88`: referenced data not found.
        static let referencedDataNotFound = Self(0x6A88)
        /// `6D00`: instruction not supported.
        static let instructionNotSupported = Self(0x6D00)
        /// `6E00`: class not supported.
        static let classNotSupported = Self(0x6E00)
    }
}
