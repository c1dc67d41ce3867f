import APDUTypes

/// What the server knows of one card: its identification data and the per-card record.
///
/// Read from a card-data YAML file by ``CardDataParser`` (for `seqc compile`) or built by the
/// server from the card's probe answers.
public struct CardData: Hashable, Sendable {
    /// The card's profile, when the data says so.
    public var profile: Located<CardProfile>?
    /// Identification values by source, each with where it was written (if it came from a file).
    public var identification: [FieldSource: CardDataValue]
    /// The per-card record under `data`.
    public var record: CardDataValue?
    /// The source the data was read from, for excerpts.
    public var source: SourceFile?

    /// Creates card data.
    public init(
        profile: Located<CardProfile>? = nil,
        identification: [FieldSource: CardDataValue] = [:],
        record: CardDataValue? = nil,
        source: SourceFile? = nil
    ) {
        self.profile = profile
        self.identification = identification
        self.record = record
        self.source = source
    }

    /// The bytes a field source names: hex text or bytes cut from the CPLC, or `nil`.
    public func bytes(for source: FieldSource) -> [UInt8]? {
        switch value(for: source) {
        case .scalar(let text, _)?: Hex.bytes(text)
        case .bytes(let bytes, _)?: bytes
        default: nil
        }
    }

    /// The value a field source names, if present.
    public func value(for source: FieldSource) -> CardDataValue? {
        switch source {
        case .data(let path):
            var current = record
            for part in path {
                guard case .mapping(let entries)? = current else { return nil }
                current = entries.first { $0.key == part }?.value
            }
            return current
        default:
            return identification[source]
        }
    }
}

/// A value in card data: a scalar with its text, or a nested mapping or list.
public indirect enum CardDataValue: Hashable, Sendable {
    /// A scalar, with where it was written (if from a file).
    case scalar(String, SourceRange?)
    /// Raw bytes, e.g. a CPLC field cut from the CPLC value.
    case bytes([UInt8], SourceRange?)
    /// A mapping, in source order.
    case mapping([(key: String, value: CardDataValue)])
    /// A list.
    case list([CardDataValue])

    /// Where the value was written.
    public var range: SourceRange? {
        switch self {
        case .scalar(_, let range), .bytes(_, let range): range
        default: nil
        }
    }

    /// Compares values structurally.
    public static func == (lhs: CardDataValue, rhs: CardDataValue) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a, let r1), .scalar(let b, let r2)): a == b && r1 == r2
        case (.bytes(let a, let r1), .bytes(let b, let r2)): a == b && r1 == r2
        case (.mapping(let a), .mapping(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        case (.list(let a), .list(let b)): a == b
        default: false
        }
    }

    /// Hashes values structurally.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .scalar(let text, _): hasher.combine(text)
        case .bytes(let bytes, _): hasher.combine(bytes)
        case .mapping(let entries):
            for entry in entries {
                hasher.combine(entry.key)
                hasher.combine(entry.value)
            }
        case .list(let items): hasher.combine(items)
        }
    }
}
