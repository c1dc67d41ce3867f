/// A parsed install script: what the author wrote, with every value still a template.
///
/// Produced by the parse stage from Yams nodes; every part keeps its ``SourceRange``.
public struct SequenceDocument: Hashable, Sendable {
    /// The main source file.
    public var source: SourceFile
    /// The sequence's name, such as `brokerage`.
    public var name: Located<String>
    /// The sequence's version, such as `2.1.0`.
    public var version: Located<String>
    /// A sentence for humans.
    public var summary: String?
    /// The card profiles the script targets.
    public var profiles: [Located<CardProfile>]
    /// The card fields the templates may use, in declaration order.
    public var fields: [FieldDeclaration]
    /// The files the steps use, in declaration order.
    public var components: [ComponentDeclaration]
    /// The steps, with includes already expanded.
    public var steps: [Step]
    /// Every file read for this document (includes), besides the main source.
    public var includedSources: [SourceFile]
}

/// A family of cards a script can target.
public enum CardProfile: String, CaseIterable, Hashable, Sendable, Codable {
    /// A GlobalPlatform (Java Card) card with a card manager.
    case globalplatform
    /// A file-oriented ISO/IEC 7816-4 card.
    case iso7816
}

/// A declared card-specific field that templates can reference by name.
public struct FieldDeclaration: Hashable, Sendable {
    /// The name used in templates.
    public var name: Located<String>
    /// The type and its bounds.
    public var type: FieldType
    /// Where the server takes the value from.
    public var source: Located<FieldSource>
    /// Whether the value is secret: commands carrying it are flagged so clients never log them.
    public var isSecret: Bool
    /// A value used when the card data has none.
    public var defaultValue: ScalarValue?
    /// A sentence for humans.
    public var summary: String?
    /// The whole declaration.
    public var range: SourceRange
    /// Whether the declaration itself has a reported mistake; such a field gets no value from card data.
    public var hasErrors: Bool = false
}

/// The type of a card field, with its bounds.
public enum FieldType: Hashable, Sendable {
    /// Bytes whose length lies in the range.
    case bytes(length: ClosedRange<Int>)
    /// An integer in the range.
    case integer(ClosedRange<Int>)
    /// A string whose UTF-8 length lies in the range.
    case string(length: ClosedRange<Int>)
    /// An application identifier: 5 to 16 bytes.
    case aid

    /// The name used in documents.
    public var name: String {
        switch self {
        case .bytes: "bytes"
        case .integer: "integer"
        case .string: "string"
        case .aid: "aid"
        }
    }

    /// The names the language accepts for `type:`.
    public static let names = ["bytes", "integer", "string", "aid"]
}

/// Where a card field's value comes from.
public enum FieldSource: Hashable, Sendable {
    /// A field of the Card Production Life Cycle data (GET DATA `9F7F`).
    case cplc(CPLCField)
    /// The Issuer Identification Number (GET DATA `42`).
    case iin
    /// The Card Image Number (GET DATA `45`).
    case cin
    /// The key diversification data from INITIALIZE UPDATE.
    case keyDiversificationData
    /// The AID of the issuer security domain.
    case issuerSecurityDomain
    /// Per-card data the server supplies (a customer record), by dotted path under `data`.
    case data([String])

    /// The text form used in documents, such as `cplc.ic-serial-number` or `data.customer.name`.
    public var text: String {
        switch self {
        case .cplc(let field): "cplc.\(field.rawValue)"
        case .iin: "iin"
        case .cin: "cin"
        case .keyDiversificationData: "kdd"
        case .issuerSecurityDomain: "isd-aid"
        case .data(let path): (["data"] + path).joined(separator: ".")
        }
    }
}

/// The fields of GlobalPlatform Card Production Life Cycle data, in their order in the 42 bytes.
public enum CPLCField: String, CaseIterable, Hashable, Sendable {
    case icFabricator = "ic-fabricator"
    case icType = "ic-type"
    case osID = "os-id"
    case osReleaseDate = "os-release-date"
    case osReleaseLevel = "os-release-level"
    case icFabricationDate = "ic-fabrication-date"
    case icSerialNumber = "ic-serial-number"
    case icBatchID = "ic-batch-id"
    case icModuleFabricator = "ic-module-fabricator"
    case icModulePackagingDate = "ic-module-packaging-date"
    case iccManufacturer = "icc-manufacturer"
    case icEmbeddingDate = "ic-embedding-date"
    case icPrepersonalizer = "ic-prepersonalizer"
    case icPrepersonalizationDate = "ic-prepersonalization-date"
    case icPrepersonalizationEquipment = "ic-prepersonalization-equipment"
    case icPersonalizer = "ic-personalizer"
    case icPersonalizationDate = "ic-personalization-date"
    case icPersonalizationEquipment = "ic-personalization-equipment"

    /// The field's length in bytes.
    public var length: Int {
        switch self {
        case .icSerialNumber, .icPrepersonalizationEquipment, .icPersonalizationEquipment: 4
        default: 2
        }
    }

    /// The field's offset in the 42-byte CPLC value.
    public var offset: Int {
        Self.allCases.prefix { $0 != self }.reduce(0) { $0 + $1.length }
    }

    /// The length of the whole CPLC value.
    public static let totalLength = 42
}

/// A file the script uses: a CAP file or raw contents.
public struct ComponentDeclaration: Hashable, Sendable {
    /// The kind of file.
    public enum Kind: String, CaseIterable, Hashable, Sendable {
        /// A Java Card CAP file (`.cap`, a ZIP) or its `.ijc` form.
        case cap
        /// Raw bytes.
        case binary
        /// Hex text (whitespace and line breaks allowed), read as bytes.
        case hex
    }

    /// The name templates and steps use.
    public var name: Located<String>
    /// The kind of file.
    public var kind: Kind
    /// The path relative to the script.
    public var path: Located<String>
    /// The whole declaration.
    public var range: SourceRange
}

/// One step of a script.
public struct Step: Hashable, Sendable {
    /// The author's name for the step.
    public var name: String?
    /// What the step does.
    public var action: StepAction
    /// The status words the author accepts; `nil` means the step's default (`9000`).
    public var expect: [StatusPattern]?
    /// Where the action key is written.
    public var range: SourceRange
}

/// A status word the author accepts, possibly with wildcard nibbles (`61XX`, `63CX`).
public struct StatusPattern: Hashable, Sendable, CustomStringConvertible {
    /// The value with wildcard nibbles zeroed.
    public var value: UInt16
    /// One bits where the status word must equal `value`.
    public var mask: UInt16

    /// Creates a pattern.
    public init(value: UInt16, mask: UInt16 = 0xFFFF) {
        self.value = value & mask
        self.mask = mask
    }

    /// Parses `9000`, `6A88`, `61XX` or `63CX`; `nil` if the text is not four hex digits or `X`.
    public init?(text: String) {
        let digits = Array(text.uppercased())
        guard digits.count == 4 else { return nil }
        var value: UInt16 = 0
        var mask: UInt16 = 0
        for digit in digits {
            value <<= 4
            mask <<= 4
            if digit == "X" {
                continue
            }
            guard let nibble = digit.hexDigitValue else { return nil }
            value |= UInt16(nibble)
            mask |= 0xF
        }
        self.init(value: value, mask: mask)
    }

    /// Whether a status word matches.
    public func matches(_ statusWord: UInt16) -> Bool {
        statusWord & mask == value
    }

    /// `9000`, or `61XX` with wildcards.
    public var description: String {
        (0..<4).map { index in
            let shift = UInt16(12 - index * 4)
            guard (mask >> shift) & 0xF == 0xF else { return "X" }
            return String((value >> shift) & 0xF, radix: 16, uppercase: true)
        }.joined()
    }

    /// Plain success, `9000`.
    public static let success = StatusPattern(value: 0x9000)
}
