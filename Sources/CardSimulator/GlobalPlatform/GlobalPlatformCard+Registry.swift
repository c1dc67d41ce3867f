public import APDUTypes

extension GlobalPlatformCard {
    /// Life cycle state bytes (GPCS 2.3.1 section 11.1.1, tables 11-3 to 11-7).
    public enum LifeCycle {
        /// Card: OP_READY.
        public static let opReady: UInt8 = 0x01
        /// Card: INITIALIZED.
        public static let initialized: UInt8 = 0x07
        /// Card: SECURED, the state of a card in the field.
        public static let secured: UInt8 = 0x0F
        /// Card: CARD_LOCKED; only the issuer security domain can be selected.
        public static let cardLocked: UInt8 = 0x7F
        /// Card: TERMINATED; only GET DATA is answered.
        public static let terminated: UInt8 = 0xFF
        /// The card life cycle states, in order.
        public static let cardStates: [UInt8] = [opReady, initialized, secured, cardLocked, terminated]

        /// Executable load file: LOADED.
        public static let loaded: UInt8 = 0x01
        /// Application: INSTALLED, not yet selectable.
        public static let installed: UInt8 = 0x03
        /// Application: SELECTABLE.
        public static let selectable: UInt8 = 0x07
        /// Security domain: PERSONALIZED; applications may use `0F` as an application-specific state.
        public static let personalized: UInt8 = 0x0F
        /// The bit a locked application or security domain has set on top of its state.
        public static let lockedBit: UInt8 = 0x80
    }

    /// Privilege bits of the first privilege byte (GPCS 2.3.1 section 11.1.2, table 11-7).
    public enum Privilege {
        /// The application is a security domain.
        public static let securityDomain: UInt8 = 0x80
        /// The application may lock the card.
        public static let cardLock: UInt8 = 0x10
        /// The application may terminate the card.
        public static let cardTerminate: UInt8 = 0x08
        /// Card Reset (formerly Default Selected): the application's default selection after reset.
        public static let cardReset: UInt8 = 0x04
        /// The privileges of the issuer security domain: `9E FE 80`, every ISD privilege.
        public static let issuerSecurityDomain: [UInt8] = [0x9E, 0xFE, 0x80]
    }

    /// An executable load file on the card (a Java Card package) and the executable modules (applets) in it.
    public struct LoadFile: Hashable, Sendable {
        /// The load file AID: the package AID.
        public var aid: ApplicationIdentifier
        /// The life cycle state: ``LifeCycle/loaded``.
        public var lifeCycle: UInt8
        /// The security domain the file is associated with.
        public var securityDomain: ApplicationIdentifier
        /// The package version as major and minor bytes (GET STATUS tag `CE`).
        public var version: [UInt8]
        /// The executable modules: the applet AIDs from the CAP file's Applet component.
        public var modules: [ApplicationIdentifier]
        /// The length of the load file data block (the value of tag `C4`), in bytes.
        public var size: Int
        /// The load parameters of INSTALL [for load], as sent.
        public var loadParameters: [UInt8]

        /// Creates a load file entry.
        ///
        /// - Parameters:
        ///   - aid: The load file AID.
        ///   - lifeCycle: The life cycle state; ``LifeCycle/loaded`` by default.
        ///   - securityDomain: The associated security domain.
        ///   - version: The version, major then minor.
        ///   - modules: The executable module AIDs.
        ///   - size: The load file data length.
        ///   - loadParameters: The load parameters, as sent.
        public init(
            aid: ApplicationIdentifier,
            lifeCycle: UInt8 = LifeCycle.loaded,
            securityDomain: ApplicationIdentifier,
            version: [UInt8],
            modules: [ApplicationIdentifier],
            size: Int,
            loadParameters: [UInt8] = []
        ) {
            self.aid = aid
            self.lifeCycle = lifeCycle
            self.securityDomain = securityDomain
            self.version = version
            self.modules = modules
            self.size = size
            self.loadParameters = loadParameters
        }
    }

    /// An application instance (or supplementary security domain) installed from a module of a load file.
    ///
    /// The simulator runs no Java Card bytecode: an application answers SELECT and keeps what it was
    /// installed and personalized with, so tests can read it back.
    public struct Application: Hashable, Sendable {
        /// The instance AID, the one SELECT uses.
        public var aid: ApplicationIdentifier
        /// The load file the instance comes from.
        public var loadFile: ApplicationIdentifier
        /// The executable module (applet class) the instance was made from.
        public var module: ApplicationIdentifier
        /// The security domain the application is associated with.
        public var securityDomain: ApplicationIdentifier
        /// The privileges: three bytes (a one-byte grant is stored with two zero bytes after it).
        public var privileges: [UInt8]
        /// The life cycle state: ``LifeCycle/installed``, ``LifeCycle/selectable``, an application-specific
        /// state, with ``LifeCycle/lockedBit`` when locked.
        public var lifeCycle: UInt8
        /// The install parameters field of INSTALL [for install], as sent (`C9` and optional `EF`, ...).
        public var installParameters: [UInt8]
        /// Every STORE DATA block the application received, in order.
        public var storedData: [StoreDataBlock]

        /// Creates an application entry.
        ///
        /// - Parameters:
        ///   - aid: The instance AID.
        ///   - loadFile: The load file AID.
        ///   - module: The module AID.
        ///   - securityDomain: The associated security domain.
        ///   - privileges: Three privilege bytes.
        ///   - lifeCycle: The life cycle state.
        ///   - installParameters: The install parameters field.
        ///   - storedData: The STORE DATA blocks received.
        public init(
            aid: ApplicationIdentifier,
            loadFile: ApplicationIdentifier,
            module: ApplicationIdentifier,
            securityDomain: ApplicationIdentifier,
            privileges: [UInt8],
            lifeCycle: UInt8,
            installParameters: [UInt8],
            storedData: [StoreDataBlock] = []
        ) {
            self.aid = aid
            self.loadFile = loadFile
            self.module = module
            self.securityDomain = securityDomain
            self.privileges = privileges
            self.lifeCycle = lifeCycle
            self.installParameters = installParameters
            self.storedData = storedData
        }

        /// The application-specific parameters: the value of tag `C9` in the install parameters, if any.
        public var applicationParameters: [UInt8]? {
            BERTLV.decode(installParameters)?.first { $0.tag == [0xC9] }?.value
        }

        /// The data of every STORE DATA block, in order, decrypted where the block was encrypted.
        public var personalizationData: [[UInt8]] {
            storedData.map(\.data)
        }

        /// Whether the application is locked.
        public var isLocked: Bool {
            lifeCycle & LifeCycle.lockedBit != 0
        }

        /// Whether the application has the Card Reset privilege (first privilege byte, bit `04`), which
        /// makes it the application a reset selects.
        public var hasCardResetPrivilege: Bool {
            (privileges.first ?? 0) & Privilege.cardReset != 0
        }

        /// Whether the application is a security domain (first privilege byte, bit `80`).
        public var isSecurityDomain: Bool {
            (privileges.first ?? 0) & Privilege.securityDomain != 0
        }
    }

    /// One STORE DATA block as the receiving application got it.
    public struct StoreDataBlock: Hashable, Sendable {
        /// The command's P1: last block (`80`), encryption (`60`), structure (`08` DGI, `10` BER-TLV).
        public var p1: UInt8
        /// The block number (P2).
        public var blockNumber: UInt8
        /// The data field after the secure channel, with encrypted values decrypted under the DEK.
        ///
        /// For DGI and BER-TLV blocks each value is decrypted and its length rewritten; otherwise the whole
        /// field is. Padding stays: GlobalPlatform leaves its format to the application.
        public var data: [UInt8]

        /// Creates a block.
        ///
        /// - Parameters:
        ///   - p1: The STORE DATA P1 byte.
        ///   - blockNumber: The block number.
        ///   - data: The data, decrypted.
        public init(p1: UInt8, blockNumber: UInt8, data: [UInt8]) {
            self.p1 = p1
            self.blockNumber = blockNumber
            self.data = data
        }

        /// Whether the block arrived encrypted under the DEK (P1 bits `60` both set).
        public var wasEncrypted: Bool {
            p1 & 0x60 == 0x60
        }
    }
}
