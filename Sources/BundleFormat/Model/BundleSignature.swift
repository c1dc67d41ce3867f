/// The signature over a bundle's canonical payload, and which key made it.
///
/// In JSON: `{"algorithm": "ed25519", "keyId": "5F2C0B7E9A1D4E33", "value": "…128 hex digits…"}`.
/// The key id only helps pick the key: verification always uses a pinned public key's bytes.
public struct BundleSignature: Hashable, Sendable {
    /// The signature algorithm.
    public var algorithm: BundleSignatureAlgorithm
    /// The first 8 bytes of SHA-256 over the signing key's raw public key (``BundlePublicKey/keyID``).
    public var keyID: [UInt8]
    /// The signature: 64 bytes for both algorithms (Ed25519 `R ‖ S`; ECDSA `r ‖ s`).
    public var value: [UInt8]

    /// Creates a signature record.
    public init(algorithm: BundleSignatureAlgorithm, keyID: [UInt8], value: [UInt8]) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.value = value
    }
}

/// The signature algorithms a bundle may name.
public enum BundleSignatureAlgorithm: String, CaseIterable, Hashable, Sendable, Codable {
    /// Ed25519 (RFC 8032) over the canonical payload bytes; deterministic.
    case ed25519
    /// ECDSA over P-256 with SHA-256 (FIPS 186-5), signature as `r ‖ s`; randomized.
    case ecdsaP256SHA256 = "ecdsa-p256-sha256"

    /// The length of a signature value in bytes.
    public var signatureLength: Int { 64 }
}

extension BundleSignature {
    init(json: JSONValue, path: String) throws(BundleError) {
        var reader = try JSONObjectReader(json, path: path)
        let name = try reader.string("algorithm")
        guard let algorithm = BundleSignatureAlgorithm(rawValue: name) else {
            throw BundleError(
                code: .unsupportedAlgorithm,
                reason: "signature algorithm '\(name)' is not one of "
                    + BundleSignatureAlgorithm.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            )
        }
        self.algorithm = algorithm
        keyID = try reader.hex("keyId", lengths: 8...8)
        value = try reader.hex("value", lengths: algorithm.signatureLength...algorithm.signatureLength)
        try reader.finish()
    }

    var json: JSONValue {
        .object([
            "algorithm": .string(algorithm.rawValue),
            "keyId": .string(CanonicalHex.string(keyID)),
            "value": .string(CanonicalHex.string(value)),
        ])
    }
}

extension BundleSignature: Codable {
    /// Decodes the JSON form with the same rules as ``SignedBundle/decode(_:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder), path: "signature")
    }

    /// Encodes the JSON form.
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
