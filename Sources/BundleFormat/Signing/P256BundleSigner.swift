public import Crypto
import Foundation

/// Signs bundles with ECDSA over P-256 and SHA-256, for keys that must live in P-256-only hardware.
///
/// ECDSA signatures are randomized: two seals of the same payload differ in the signature bytes
/// and both verify. Signatures are stored as the 64-byte `r ‖ s`. The description never shows the key.
public struct P256BundleSigner: BundleSigner, CustomStringConvertible, CustomReflectable {
    private let privateKey: P256.Signing.PrivateKey

    /// Creates a signer from a swift-crypto private key.
    public init(privateKey: P256.Signing.PrivateKey) {
        self.privateKey = privateKey
    }

    /// Creates a signer from a PEM block: PKCS#8 `PRIVATE KEY` or SEC 1 `EC PRIVATE KEY`.
    ///
    /// - Throws: ``BundleError`` with code ``BundleError/Code/invalidKey``.
    public init(pemRepresentation: String) throws(BundleError) {
        guard let key = try? P256.Signing.PrivateKey(pemRepresentation: pemRepresentation) else {
            throw .invalidKey("not a PEM P-256 private key")
        }
        self.privateKey = key
    }

    /// A signer with a fresh random key.
    public static func generate() -> P256BundleSigner {
        P256BundleSigner(privateKey: P256.Signing.PrivateKey())
    }

    /// The public key.
    public var publicKey: BundlePublicKey {
        BundlePublicKey(privateKey.publicKey)
    }

    /// Signs bytes with ECDSA P-256 over their SHA-256 digest.
    ///
    /// - Returns: The 64-byte signature `r ‖ s`.
    public func sign(_ bytes: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: bytes).rawRepresentation)
    }

    /// Names the public key only.
    public var description: String {
        "P256BundleSigner(\(publicKey))"
    }

    /// An empty mirror, so that `dump` and debuggers do not print the private key.
    public var customMirror: Mirror {
        Mirror(self, children: [:])
    }
}
