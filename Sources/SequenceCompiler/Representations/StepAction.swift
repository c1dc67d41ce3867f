/// What one step does, with every value still a template.
public enum StepAction: Hashable, Sendable {
    /// SELECT by AID or DF name, FID or path.
    case select(Select)
    /// GlobalPlatform DELETE.
    case delete(Delete)
    /// GlobalPlatform INSTALL [for load] followed by LOAD blocks.
    case load(Load)
    /// GlobalPlatform INSTALL [for install (and make selectable)].
    case install(Install)
    /// GlobalPlatform INSTALL [for personalization] followed by STORE DATA.
    case personalize(Personalize)
    /// STORE DATA to the currently selected application.
    case storeData(StoreData)
    /// GlobalPlatform PUT KEY.
    case putKey(PutKey)
    /// GlobalPlatform SET STATUS.
    case setStatus(SetStatus)
    /// PUT DATA.
    case putData(PutData)
    /// A raw command APDU.
    case apdu(RawAPDU)
    /// ISO 7816-9 CREATE FILE.
    case createFile(CreateFile)
    /// ISO 7816-4 UPDATE BINARY, split as needed.
    case updateBinary(UpdateBinary)
    /// ISO 7816-4 UPDATE RECORD.
    case updateRecord(UpdateRecord)
    /// ISO 7816-4 APPEND RECORD.
    case appendRecord(AppendRecord)
    /// ISO 7816-9 DELETE FILE.
    case deleteFile(FileReference)
    /// ISO 7816-9 ACTIVATE FILE.
    case activateFile(FileReference)

    /// The step's key in documents, such as `install`.
    public var keyword: StepKeyword {
        switch self {
        case .select: .select
        case .delete: .delete
        case .load: .load
        case .install: .install
        case .personalize: .personalize
        case .storeData: .storeData
        case .putKey: .putKey
        case .setStatus: .setStatus
        case .putData: .putData
        case .apdu: .apdu
        case .createFile: .createFile
        case .updateBinary: .updateBinary
        case .updateRecord: .updateRecord
        case .appendRecord: .appendRecord
        case .deleteFile: .deleteFile
        case .activateFile: .activateFile
        }
    }
}

/// The action keys a step may have, and `include`.
public enum StepKeyword: String, CaseIterable, Hashable, Sendable {
    case select
    case delete
    case load
    case install
    case personalize
    case storeData = "store-data"
    case putKey = "put-key"
    case setStatus = "set-status"
    case putData = "put-data"
    case apdu
    case createFile = "create-file"
    case updateBinary = "update-binary"
    case updateRecord = "update-record"
    case appendRecord = "append-record"
    case deleteFile = "delete-file"
    case activateFile = "activate-file"
    case include

    /// The profiles on which the step is available.
    public var profiles: Set<CardProfile> {
        switch self {
        case .select, .putData, .apdu, .include: [.globalplatform, .iso7816]
        case .delete, .load, .install, .personalize, .storeData, .putKey, .setStatus: [.globalplatform]
        case .createFile, .updateBinary, .updateRecord, .appendRecord, .deleteFile, .activateFile: [.iso7816]
        }
    }
}

/// SELECT: by AID (DF name), file identifier or path.
public struct Select: Hashable, Sendable {
    /// How the target is named.
    public enum Target: Hashable, Sendable {
        /// By AID or DF name (P1 `04`).
        case aid(ScalarValue)
        /// By file identifier (P1 `00`).
        case fid(ScalarValue)
        /// By path from the MF (P1 `08`).
        case path(ScalarValue)
    }
    /// What to select.
    public var target: Target
    /// What the card should return: `fci` (P2 `00`), `fcp` (`04`), `fmd` (`08`) or `none` (`0C`).
    public var returns: Located<String>?
}

/// DELETE of a load file, application or security domain.
public struct Delete: Hashable, Sendable {
    /// The AID to delete.
    public var aid: ScalarValue
    /// Whether to delete related objects too (P2 `80`), such as a package and its instances.
    public var related: Bool
    /// Whether an absent object (`6A88`) is fine.
    public var missingOK: Bool
}

/// INSTALL [for load] and LOAD of a CAP component.
public struct Load: Hashable, Sendable {
    /// The CAP component to load.
    public var component: Located<String>
    /// The load file AID; the CAP's package AID when absent.
    public var loadFileAID: ScalarValue?
    /// The security domain to associate; empty (the ISD) when absent.
    public var securityDomain: ScalarValue?
    /// The LOAD block size; chosen from the security level when absent.
    public var blockSize: ScalarValue?
    /// The load file data block hash to send in INSTALL [for load].
    public var hash: Located<LoadFileHash>
    /// Whether to include the Descriptor component.
    public var includesDescriptor: Bool
    /// System parameters for INSTALL [for load] (`EF` template).
    public var parameters: [SystemParameter]
    /// A load token, when a delegated management or token-verifying card needs one.
    public var token: ScalarValue?
}

/// The hash of the load file data block carried by INSTALL [for load].
public enum LoadFileHash: String, CaseIterable, Hashable, Sendable {
    /// No hash.
    case none
    /// SHA-1 (20 bytes), as GlobalPlatform 2.1.1 and 2.2 cards expect.
    case sha1 = "sha1"
    /// SHA-256 (32 bytes), for GlobalPlatform 2.3 cards that ask for it.
    case sha256 = "sha256"
}

/// One entry of an `EF` system-parameters template.
public struct SystemParameter: Hashable, Sendable {
    /// The parameter's name, such as `non-volatile-code`.
    public var name: Located<SystemParameterName>
    /// The value, an integer template.
    public var value: ScalarValue
}

/// The named system parameters and their tags inside `EF`.
public enum SystemParameterName: String, CaseIterable, Hashable, Sendable {
    /// `C6`: non-volatile code space limit (INSTALL [for load]).
    case nonVolatileCode = "non-volatile-code"
    /// `C7`: volatile data space limit.
    case volatileData = "volatile-data"
    /// `C8`: non-volatile data space limit.
    case nonVolatileData = "non-volatile-data"
    /// `D7`: volatile reserved memory (GlobalPlatform 2.2).
    case volatileReserved = "volatile-reserved"
    /// `D8`: non-volatile reserved memory (GlobalPlatform 2.2).
    case nonVolatileReserved = "non-volatile-reserved"

    /// The tag inside the `EF` template.
    public var tag: UInt8 {
        switch self {
        case .nonVolatileCode: 0xC6
        case .volatileData: 0xC7
        case .nonVolatileData: 0xC8
        case .volatileReserved: 0xD7
        case .nonVolatileReserved: 0xD8
        }
    }
}

/// INSTALL [for install] of an application from a loaded module.
public struct Install: Hashable, Sendable {
    /// The executable load file (package) AID.
    public var package: ScalarValue
    /// The executable module (applet class) AID.
    public var module: ScalarValue
    /// The new instance's AID; the module AID when absent.
    public var instance: ScalarValue?
    /// Privileges by name.
    public var privileges: [Located<Privilege>]
    /// How many bytes to encode the privileges in: 1, 3, or chosen from the privileges when absent.
    public var privilegeBytes: Located<Int>?
    /// Application-specific parameters, sent in the `C9` tag.
    public var parameters: ScalarValue?
    /// System parameters (`EF`).
    public var system: [SystemParameter]
    /// Whether to make the application selectable in the same command (P1 `0C` rather than `04`).
    public var selectable: Bool
    /// An install token.
    public var token: ScalarValue?
}

/// GlobalPlatform privileges (GPCS v2.3.1 table 6-1), with their byte and bit.
public enum Privilege: String, CaseIterable, Hashable, Sendable {
    case securityDomain = "security-domain"
    case dapVerification = "dap-verification"
    case delegatedManagement = "delegated-management"
    case cardLock = "card-lock"
    case cardTerminate = "card-terminate"
    case cardReset = "card-reset"
    case cvmManagement = "cvm-management"
    case mandatedDAPVerification = "mandated-dap-verification"
    case trustedPath = "trusted-path"
    case authorizedManagement = "authorized-management"
    case tokenVerification = "token-verification"
    case globalDelete = "global-delete"
    case globalLock = "global-lock"
    case globalRegistry = "global-registry"
    case finalApplication = "final-application"
    case globalService = "global-service"
    case receiptGeneration = "receipt-generation"
    case cipheredLoadFileDataBlock = "ciphered-load-file-data-block"
    case contactlessActivation = "contactless-activation"
    case contactlessSelfActivation = "contactless-self-activation"

    /// The byte index (0, 1 or 2) and the bits this privilege sets.
    ///
    /// DAP verification, delegated management and mandated DAP verification include the
    /// security-domain bit, as the specification codes them.
    public var encoding: (byte: Int, bits: UInt8) {
        switch self {
        case .securityDomain: (0, 0x80)
        case .dapVerification: (0, 0xC0)
        case .delegatedManagement: (0, 0xA0)
        case .cardLock: (0, 0x10)
        case .cardTerminate: (0, 0x08)
        case .cardReset: (0, 0x04)
        case .cvmManagement: (0, 0x02)
        case .mandatedDAPVerification: (0, 0xC1)
        case .trustedPath: (1, 0x80)
        case .authorizedManagement: (1, 0x40)
        case .tokenVerification: (1, 0x20)
        case .globalDelete: (1, 0x10)
        case .globalLock: (1, 0x08)
        case .globalRegistry: (1, 0x04)
        case .finalApplication: (1, 0x02)
        case .globalService: (1, 0x01)
        case .receiptGeneration: (2, 0x80)
        case .cipheredLoadFileDataBlock: (2, 0x40)
        case .contactlessActivation: (2, 0x20)
        case .contactlessSelfActivation: (2, 0x10)
        }
    }
}

/// INSTALL [for personalization] of an application, then its STORE DATA commands.
public struct Personalize: Hashable, Sendable {
    /// The application instance to personalize.
    public var instance: ScalarValue
    /// The data to store, one STORE DATA command per item.
    public var data: [StoreDataItem]
}

/// STORE DATA to the selected application.
public struct StoreData: Hashable, Sendable {
    /// The data to store, one STORE DATA command per item.
    public var data: [StoreDataItem]
}

/// One STORE DATA payload.
public struct StoreDataItem: Hashable, Sendable {
    /// How the payload is structured.
    public enum Format: Hashable, Sendable {
        /// A Data Grouping Identifier (EMV CPS): two-byte tag, DGI length, value. P1 structure bits `01`.
        case dgi(tag: ScalarValue)
        /// A BER-TLV. P1 structure bits `10`.
        case tlv(tag: ScalarValue)
        /// Bytes as written, no structure information.
        case raw
    }
    /// The structure.
    public var format: Format
    /// The value (for DGI and TLV), or the whole payload (raw).
    public var value: ScalarValue
    /// Whether the payload is secret and must be encrypted under the session's data key (P1 bits `11`).
    public var encrypted: Bool
    /// Where the item is written.
    public var range: SourceRange
}

/// PUT KEY: add or replace a key set.
public struct PutKey: Hashable, Sendable {
    /// The new key version number.
    public var version: ScalarValue
    /// The key version being replaced; absent to add a new key set (P1 `00`).
    public var replaces: ScalarValue?
    /// The identifier of the first key (P2), 1 by default.
    public var firstKeyID: ScalarValue?
    /// The keys, in key identifier order.
    public var keys: [KeyItem]
}

/// One key of a PUT KEY key set.
public struct KeyItem: Hashable, Sendable {
    /// The algorithm of a key.
    public enum KeyType: String, CaseIterable, Hashable, Sendable {
        /// AES (key type `88`), 16, 24 or 32 bytes.
        case aes
        /// Two- or three-key triple DES (key type `80`), 16 or 24 bytes.
        case des3 = "des3"
    }
    /// The algorithm.
    public var type: Located<KeyType>
    /// The key value, which must come from a secret field.
    public var value: ScalarValue
    /// Where the item is written.
    public var range: SourceRange
}

/// SET STATUS of the card, a security domain or an application.
public struct SetStatus: Hashable, Sendable {
    /// What the status applies to.
    public enum Scope: String, CaseIterable, Hashable, Sendable {
        /// The card (issuer security domain life cycle; P1 `80`).
        case card
        /// An application or security domain (P1 `40`).
        case application
        /// A security domain and its associated applications (P1 `60`).
        case securityDomain = "security-domain"
    }
    /// The scope.
    public var scope: Located<Scope>
    /// The target AID, required for applications and security domains.
    public var aid: ScalarValue?
    /// The new state: a name (`locked`, `unlocked`, `secured`, ...) or a one-byte hex value.
    public var state: ScalarValue
}

/// PUT DATA of one data object.
public struct PutData: Hashable, Sendable {
    /// The tag (one or two bytes) that goes into P1-P2.
    public var tag: ScalarValue
    /// The data.
    public var data: ScalarValue
    /// Whether to use the proprietary class `80` rather than `00`.
    public var proprietary: Bool
}

/// A raw command APDU, the escape hatch.
public struct RawAPDU: Hashable, Sendable {
    /// The whole command, as hex with optional templates.
    public var command: ScalarValue
    /// Whether the command carries secrets (the client must not log it).
    public var sensitive: Bool
}

/// CREATE FILE with an FCP template built from named fields.
public struct CreateFile: Hashable, Sendable {
    /// The kind of file.
    public enum FileType: String, CaseIterable, Hashable, Sendable {
        /// A dedicated file (directory).
        case df
        /// A transparent elementary file.
        case transparent
        /// A linear file of fixed-size records.
        case linearFixed = "linear-fixed"
        /// A linear file of records of varying size.
        case linearVariable = "linear-variable"
        /// A cyclic file of fixed-size records.
        case cyclic

        /// The file descriptor byte (ISO 7816-4 table 12).
        public var descriptorByte: UInt8 {
            switch self {
            case .df: 0x38
            case .transparent: 0x01
            case .linearFixed: 0x02
            case .linearVariable: 0x04
            case .cyclic: 0x06
            }
        }
    }
    /// The kind of file.
    public var type: Located<FileType>
    /// The file identifier (2 bytes).
    public var fid: ScalarValue
    /// The DF name (for DFs), 1 to 16 bytes.
    public var dfName: ScalarValue?
    /// Data size in bytes (transparent EFs) or total size (DFs).
    public var size: ScalarValue?
    /// The record size (record EFs).
    public var recordSize: ScalarValue?
    /// The number of records (fixed and cyclic EFs).
    public var records: ScalarValue?
    /// The short file identifier, 1 to 30.
    public var sfi: ScalarValue?
    /// The life cycle status after creation.
    public var lifeCycle: Located<LifeCycle>?
    /// Access conditions per operation.
    public var security: [AccessRule]
    /// Extra FCP bytes appended as written (proprietary tags).
    public var extra: ScalarValue?
}

/// ISO 7816-4 life cycle status bytes (table 13).
public enum LifeCycle: String, CaseIterable, Hashable, Sendable {
    /// `01`.
    case creation
    /// `03`.
    case initialisation
    /// `05`.
    case activated
    /// `04`.
    case deactivated

    /// The life cycle status byte.
    public var byte: UInt8 {
        switch self {
        case .creation: 0x01
        case .initialisation: 0x03
        case .activated: 0x05
        case .deactivated: 0x04
        }
    }
}

/// One access rule of a compact security attribute (`8C`).
public struct AccessRule: Hashable, Sendable {
    /// The operation.
    public var operation: Located<AccessOperation>
    /// The condition: a name or a one-byte hex security condition.
    public var condition: ScalarValue
}

/// Operations of the compact access mode byte (ISO 7816-4 tables 16 and 17), with the bit each uses.
public enum AccessOperation: String, CaseIterable, Hashable, Sendable {
    /// Bit 1 for EFs: READ BINARY, READ RECORD, SEARCH.
    case read
    /// Bit 2 for EFs: UPDATE BINARY, UPDATE RECORD, ERASE.
    case update
    /// Bit 3 for EFs: WRITE BINARY, WRITE RECORD, APPEND RECORD.
    case write
    /// Bit 1 for DFs: DELETE FILE of a child.
    case deleteChild = "delete-child"
    /// Bit 2 for DFs: CREATE FILE of an EF.
    case createEF = "create-ef"
    /// Bit 3 for DFs: CREATE FILE of a DF.
    case createDF = "create-df"
    /// Bit 4: DEACTIVATE FILE.
    case deactivate
    /// Bit 5: ACTIVATE FILE.
    case activate
    /// Bit 6: TERMINATE.
    case terminate
    /// Bit 7: DELETE FILE (self).
    case delete

    /// The access mode bit (1-based bit number).
    public var bit: Int {
        switch self {
        case .read, .deleteChild: 1
        case .update, .createEF: 2
        case .write, .createDF: 3
        case .deactivate: 4
        case .activate: 5
        case .terminate: 6
        case .delete: 7
        }
    }

    /// Whether the operation applies to DFs (as opposed to EFs); deactivate..delete apply to both.
    public var appliesToDF: Bool? {
        switch self {
        case .read, .update, .write: false
        case .deleteChild, .createEF, .createDF: true
        default: nil
        }
    }
}

/// Which file a command acts on: the current one, or one named by FID or SFI.
public struct FileReference: Hashable, Sendable {
    /// A file identifier, when given.
    public var fid: ScalarValue?
}

/// UPDATE BINARY of the current EF, or of an EF named by SFI.
public struct UpdateBinary: Hashable, Sendable {
    /// The data.
    public var data: ScalarValue
    /// The offset of the first byte.
    public var offset: ScalarValue?
    /// The short file identifier to address the EF without selecting it.
    public var sfi: ScalarValue?
    /// The largest data chunk per command; chosen from the security level when absent.
    public var chunk: ScalarValue?
}

/// UPDATE RECORD of one record.
public struct UpdateRecord: Hashable, Sendable {
    /// The record number (1-based).
    public var record: ScalarValue
    /// The record data.
    public var data: ScalarValue
    /// The short file identifier, when addressing the EF without selecting it.
    public var sfi: ScalarValue?
}

/// APPEND RECORD.
public struct AppendRecord: Hashable, Sendable {
    /// The record data.
    public var data: ScalarValue
    /// The short file identifier, when addressing the EF without selecting it.
    public var sfi: ScalarValue?
}
