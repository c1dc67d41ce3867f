public import Crypto
import Foundation

/// Signs bundles with an Ed25519 private key held in memory.
///
/// Ed25519 signatures (RFC 8032) are deterministic: the same key and payload give the same
/// bytes, which is what lets golden bundle files pin the signature (swift-crypto's BoringSSL
/// backend signs deterministically; Apple's CryptoKit does not, and its signatures still verify).
/// The description never shows the key.
public struct Ed25519BundleSigner: BundleSigner, CustomStringConvertible, CustomReflectable {
    private let privateKey: Curve25519.Signing.PrivateKey

    /// Creates a signer from a swift-crypto private key.
    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
    }

    /// Creates a signer from the 32-byte private key (the RFC 8032 seed).
    ///
    /// - Throws: ``BundleError`` with code ``BundleError/Code/invalidKey`` for another length.
    public init(rawRepresentation: [UInt8]) throws(BundleError) {
        guard rawRepresentation.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation)
        else {
            throw .invalidKey("an Ed25519 private key is 32 bytes")
        }
        self.privateKey = key
    }

    /// Creates a signer from a `PRIVATE KEY` PEM block: PKCS#8 version 1, as RFC 8410 and
    /// `openssl genpkey -algorithm ed25519` write it.
    ///
    /// - Throws: ``BundleError`` with code ``BundleError/Code/invalidKey``.
    public init(pemRepresentation: String) throws(BundleError) {
        guard let der = PEM.decode(pemRepresentation, label: "PRIVATE KEY"),
            der.count == 48, der.starts(with: PEM.ed25519PrivateKeyPrefix)
        else {
            throw .invalidKey("not a PEM PKCS#8 Ed25519 private key")
        }
        try self.init(rawRepresentation: Array(der.suffix(32)))
    }

    /// A signer with a fresh random key.
    public static func generate() -> Ed25519BundleSigner {
        Ed25519BundleSigner(privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The key as a `PRIVATE KEY` PEM block (PKCS#8 version 1), for storing it.
    public var pemRepresentation: String {
        PEM.encode(PEM.ed25519PrivateKeyPrefix + Array(privateKey.rawRepresentation), label: "PRIVATE KEY")
    }

    /// The public key.
    public var publicKey: BundlePublicKey {
        BundlePublicKey(privateKey.publicKey)
    }

    /// Signs bytes with Ed25519.
    ///
    /// - Returns: The 64-byte signature `R ‖ S`.
    public func sign(_ bytes: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: bytes))
    }

    /// Names the public key only.
    public var description: String {
        "Ed25519BundleSigner(\(publicKey))"
    }

    /// An empty mirror, so that `dump` and debuggers do not print the private key.
    public var customMirror: Mirror {
        Mirror(self, children: [:])
    }
}
