/// Everything a bundle says, without its signature: the part the signature covers.
///
/// The signed bytes are ``canonicalBytes()``: the JSON object of these members with keys
/// sorted, no whitespace and integers only, as Docs/Bundle-Format.md defines. The payload holds
/// no secret: session keys and card keys stay on the server.
public struct BundlePayload: Hashable, Sendable {
    /// The format identifier of this version: `cardseq-bundle/1`.
    public static let currentFormat = "cardseq-bundle/1"

    /// The format identifier and version; always ``currentFormat`` for payloads this code makes.
    public var format: String
    /// A 16-byte identifier of this bundle, for logs and for the server to refuse a replay.
    public var id: [UInt8]
    /// When the server sealed the bundle.
    public var issuedAt: BundleTimestamp
    /// When the bundle stops being valid; clients refuse it afterwards.
    public var expiresAt: BundleTimestamp
    /// The install script the commands were compiled from.
    public var sequence: BundleSequence
    /// The card the commands were compiled and secured for.
    public var card: BundleCard
    /// The secure channel and its session values.
    public var secureChannel: BundleSecureChannel
    /// The commands, in the order the client sends them.
    public var commands: [BundleCommand]

    /// Creates a payload of the current format.
    public init(
        id: [UInt8],
        issuedAt: BundleTimestamp,
        expiresAt: BundleTimestamp,
        sequence: BundleSequence,
        card: BundleCard,
        secureChannel: BundleSecureChannel,
        commands: [BundleCommand]
    ) {
        self.format = Self.currentFormat
        self.id = id
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.sequence = sequence
        self.card = card
        self.secureChannel = secureChannel
        self.commands = commands
    }

    /// A fresh bundle identifier from a random number generator, which tests replace with a seeded one.
    public static func randomID(using generator: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// The bytes the signature covers: the canonical JSON of the payload.
    public func canonicalBytes() -> [UInt8] {
        JSONWriter.canonical(json, capacity: canonicalLengthEstimate)
    }

    /// About the length of the canonical form: the commands' hex and a little for everything else.
    var canonicalLengthEstimate: Int {
        commands.reduce(1024) {
            $0 + 2 * $1.apdu.count + 160 + ($1.origin?.utf8.count ?? 0) + ($1.note?.utf8.count ?? 0)
        }
    }

    /// Checks that the payload survives encoding and strict decoding unchanged.
    ///
    /// Catches in-memory values that the JSON form cannot carry: wrong lengths, an empty name,
    /// a malformed status word pattern, a timestamp outside years 1970 to 9999.
    func checkEncodable(json: JSONValue) throws(BundleError) {
        let decoded = try BundlePayload(json: json)
        guard decoded == self else {
            throw .malformed("the payload does not survive encoding and decoding unchanged")
        }
    }
}

extension BundlePayload {
    /// The member names of the JSON form, besides `signature`.
    static let memberNames: Set<String> = [
        "format", "id", "issuedAt", "expiresAt", "sequence", "card", "secureChannel", "commands",
    ]

    init(json: JSONValue) throws(BundleError) {
        var reader = try JSONObjectReader(json, path: "")
        format = try reader.string("format")
        guard format == Self.currentFormat else {
            throw BundleError(
                code: .unsupportedFormat,
                reason: "format '\(format)' is not '\(Self.currentFormat)'"
            )
        }
        id = try reader.hex("id", lengths: 16...16)
        issuedAt = try reader.timestamp("issuedAt")
        expiresAt = try reader.timestamp("expiresAt")
        sequence = try BundleSequence(json: try reader.value("sequence"), path: "sequence")
        card = try BundleCard(json: try reader.value("card"), path: "card")
        secureChannel = try BundleSecureChannel(json: try reader.value("secureChannel"), path: "secureChannel")
        let elements = try reader.array("commands")
        var commands: [BundleCommand] = []
        commands.reserveCapacity(elements.count)
        for (position, element) in elements.enumerated() {
            commands.append(try BundleCommand(json: element, element: position, of: "commands"))
        }
        self.commands = commands
        try reader.finish()
    }

    var json: JSONValue {
        .object([
            "format": .string(format),
            "id": .string(CanonicalHex.string(id)),
            "issuedAt": .string(issuedAt.iso8601),
            "expiresAt": .string(expiresAt.iso8601),
            "sequence": sequence.json,
            "card": card.json,
            "secureChannel": secureChannel.json,
            "commands": .array(commands.map(\.json)),
        ])
    }
}

extension JSONObjectReader {
    /// A timestamp member in the one accepted ISO 8601 form.
    mutating func timestamp(_ key: String) throws(BundleError) -> BundleTimestamp {
        let text = try string(key)
        guard let timestamp = BundleTimestamp(iso8601: text) else {
            throw error(key, "must be an ISO 8601 UTC time of the form 2025-03-01T09:30:00Z")
        }
        return timestamp
    }
}

extension BundlePayload: Codable {
    /// Decodes the JSON form with the same rules as ``SignedBundle/decode(_:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }

    /// Encodes the JSON form.
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
