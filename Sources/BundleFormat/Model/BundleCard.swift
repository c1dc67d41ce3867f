public import APDUTypes

/// The card a bundle is bound to: its profile and the identifiers read from it.
///
/// A bundle holds commands secured for one card's session, so it names that card: the client
/// compares these identifiers with the card in the reader before sending anything, and
/// ``CardBindingCheck`` does the same for a verifier that knows the expected card. In JSON the
/// identity members sit next to `profile`:
/// `{"cin": "4508000000000000000123", "isdAid": "A000000151000000", "kdd": "…", "profile": "globalplatform"}`.
public struct BundleCard: Hashable, Sendable {
    /// How the card is addressed.
    public var profile: BundleCardProfile
    /// The identifiers of this card.
    public var identity: BundleCardIdentity

    /// Creates the card description.
    public init(profile: BundleCardProfile, identity: BundleCardIdentity) {
        self.profile = profile
        self.identity = identity
    }
}

/// How a card is addressed: the compiler's card profiles.
public enum BundleCardProfile: String, CaseIterable, Hashable, Sendable, Codable {
    /// A GlobalPlatform (Java Card) card with an issuer security domain.
    case globalplatform
    /// A file-oriented ISO/IEC 7816-4 card.
    case iso7816
}

/// The identifiers of one card, as the server's probe reads them.
///
/// ``isdAID`` and ``iin`` are shared by many cards; ``cin``, ``kdd`` and ``icSerialNumber`` tell
/// one card from another, and a bundle must carry at least one of those (``isBound``).
public struct BundleCardIdentity: Hashable, Sendable {
    /// The issuer security domain's AID.
    public var isdAID: ApplicationIdentifier?
    /// The Issuer Identification Number (GET DATA `42`): 1 to 16 bytes.
    public var iin: [UInt8]?
    /// The Card Image Number (GET DATA `45`): 1 to 16 bytes.
    public var cin: [UInt8]?
    /// The key diversification data from the INITIALIZE UPDATE response: 10 bytes.
    public var kdd: [UInt8]?
    /// The IC fabricator from the CPLC data (GET DATA `9F7F`): 2 bytes.
    public var icFabricator: [UInt8]?
    /// The IC serial number from the CPLC data: 4 bytes.
    public var icSerialNumber: [UInt8]?

    /// Creates an identity; leave out what the card did not tell.
    public init(
        isdAID: ApplicationIdentifier? = nil,
        iin: [UInt8]? = nil,
        cin: [UInt8]? = nil,
        kdd: [UInt8]? = nil,
        icFabricator: [UInt8]? = nil,
        icSerialNumber: [UInt8]? = nil
    ) {
        self.isdAID = isdAID
        self.iin = iin
        self.cin = cin
        self.kdd = kdd
        self.icFabricator = icFabricator
        self.icSerialNumber = icSerialNumber
    }

    /// The identifiers as `(JSON member name, bytes)` pairs, in member-name order.
    public var identifiers: [(name: String, bytes: [UInt8])] {
        var out: [(name: String, bytes: [UInt8])] = []
        if let cin { out.append(("cin", cin)) }
        if let icFabricator { out.append(("icFabricator", icFabricator)) }
        if let icSerialNumber { out.append(("icSerialNumber", icSerialNumber)) }
        if let iin { out.append(("iin", iin)) }
        if let isdAID { out.append(("isdAid", isdAID.bytes)) }
        if let kdd { out.append(("kdd", kdd)) }
        return out
    }

    /// The names of the identifiers that single out one card: `cin`, `icSerialNumber`, `kdd`.
    public static let individualIdentifierNames: Set<String> = ["cin", "icSerialNumber", "kdd"]

    /// Whether the identity names one card: it has a CIN, a KDD or an IC serial number.
    public var isBound: Bool {
        identifiers.contains { Self.individualIdentifierNames.contains($0.name) }
    }
}

extension BundleCard {
    init(json: JSONValue, path: String) throws(BundleError) {
        var reader = try JSONObjectReader(json, path: path)
        profile = try reader.enumeration("profile", as: BundleCardProfile.self)
        var isdAID: ApplicationIdentifier?
        if let bytes = try reader.optionalHex("isdAid", lengths: 5...16) {
            isdAID = ApplicationIdentifier(bytes)
        }
        identity = BundleCardIdentity(
            isdAID: isdAID,
            iin: try reader.optionalHex("iin", lengths: 1...16),
            cin: try reader.optionalHex("cin", lengths: 1...16),
            kdd: try reader.optionalHex("kdd", lengths: 10...10),
            icFabricator: try reader.optionalHex("icFabricator", lengths: 2...2),
            icSerialNumber: try reader.optionalHex("icSerialNumber", lengths: 4...4)
        )
        try reader.finish()
    }

    var json: JSONValue {
        var members: JSONObject = ["profile": .string(profile.rawValue)]
        for (name, bytes) in identity.identifiers {
            members[name] = .string(CanonicalHex.string(bytes))
        }
        return .object(members)
    }
}

extension BundleCard: Codable {
    /// Decodes the JSON form with the same rules as ``SignedBundle/decode(_:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder), path: "card")
    }

    /// Encodes the JSON form.
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
