import APDUTypes
public import Crypto
import Foundation

/// A public key that verifies bundle signatures: what clients pin.
///
/// The key id is the first 8 bytes of SHA-256 over ``rawRepresentation`` (the 32-byte Ed25519
/// key, or the 65-byte uncompressed X9.63 P-256 point), in upper-case hex in bundles.
public struct BundlePublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The algorithm the key verifies.
    public let algorithm: BundleSignatureAlgorithm
    /// The raw key: 32 bytes for Ed25519, the 65-byte uncompressed point for P-256.
    public let rawRepresentation: [UInt8]

    /// Creates a key from its raw bytes, checking that they are a valid key of the algorithm.
    ///
    /// - Throws: ``BundleError`` with code ``BundleError/Code/invalidKey``.
    public init(algorithm: BundleSignatureAlgorithm, rawRepresentation: [UInt8]) throws(BundleError) {
        switch algorithm {
        case .ed25519:
            guard rawRepresentation.count == 32,
                (try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)) != nil
            else {
                throw .invalidKey("an Ed25519 public key is 32 bytes")
            }
        case .ecdsaP256SHA256:
            guard rawRepresentation.count == 65,
                (try? P256.Signing.PublicKey(x963Representation: rawRepresentation)) != nil
            else {
                throw .invalidKey("a P-256 public key is a 65-byte uncompressed point on the curve")
            }
        }
        self.algorithm = algorithm
        self.rawRepresentation = rawRepresentation
    }

    /// Creates a key from an Ed25519 public key.
    public init(_ key: Curve25519.Signing.PublicKey) {
        self.algorithm = .ed25519
        self.rawRepresentation = Array(key.rawRepresentation)
    }

    /// Creates a key from a P-256 public key.
    public init(_ key: P256.Signing.PublicKey) {
        self.algorithm = .ecdsaP256SHA256
        self.rawRepresentation = Array(key.x963Representation)
    }

    /// Reads a `PUBLIC KEY` PEM block (SubjectPublicKeyInfo) holding an Ed25519 or P-256 key.
    ///
    /// - Throws: ``BundleError`` with code ``BundleError/Code/invalidKey``.
    public init(pemRepresentation: String) throws(BundleError) {
        guard let der = PEM.decode(pemRepresentation, label: "PUBLIC KEY") else {
            throw .invalidKey("not a PEM 'PUBLIC KEY' block")
        }
        if der.count == 44, der.starts(with: PEM.ed25519PublicKeyPrefix) {
            try self.init(algorithm: .ed25519, rawRepresentation: Array(der.suffix(32)))
        } else if let key = try? P256.Signing.PublicKey(derRepresentation: der) {
            self.init(key)
        } else {
            throw .invalidKey("the PEM block holds neither an Ed25519 nor a P-256 public key")
        }
    }

    /// Reads a key from hex: 64 digits for Ed25519, 130 for P-256 (spaces and colons allowed).
    ///
    /// - Throws: ``BundleError`` with code ``BundleError/Code/invalidKey``.
    public init(hex: String) throws(BundleError) {
        guard let bytes = Hex.bytes(hex) else {
            throw .invalidKey("not hex")
        }
        try self.init(algorithm: bytes.count == 65 ? .ecdsaP256SHA256 : .ed25519, rawRepresentation: bytes)
    }

    /// The key id: the first 8 bytes of SHA-256 over the raw key.
    public var keyID: [UInt8] {
        Array(SHA256.hash(data: rawRepresentation).prefix(8))
    }

    /// The raw key in upper-case hex.
    public var hexRepresentation: String {
        Hex.string(rawRepresentation)
    }

    /// The key as a `PUBLIC KEY` PEM block (SubjectPublicKeyInfo).
    public var pemRepresentation: String {
        switch algorithm {
        case .ed25519:
            return PEM.encode(PEM.ed25519PublicKeyPrefix + rawRepresentation, label: "PUBLIC KEY")
        case .ecdsaP256SHA256:
            guard let key = try? P256.Signing.PublicKey(x963Representation: rawRepresentation) else {
                return ""
            }
            return key.pemRepresentation + "\n"
        }
    }

    /// Whether `signature` is a valid signature of this key over `bytes`.
    public func isValidSignature(_ signature: [UInt8], for bytes: [UInt8]) -> Bool {
        switch algorithm {
        case .ed25519:
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else {
                return false
            }
            return key.isValidSignature(signature, for: bytes)
        case .ecdsaP256SHA256:
            guard let key = try? P256.Signing.PublicKey(x963Representation: rawRepresentation),
                let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else {
                return false
            }
            return key.isValidSignature(ecdsa, for: bytes)
        }
    }

    /// `ed25519 key 5F2C0B7E9A1D4E33`.
    public var description: String {
        "\(algorithm.rawValue) key \(Hex.string(keyID))"
    }
}
