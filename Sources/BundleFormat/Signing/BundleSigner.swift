/// Something that signs bundles: a private key in memory today, a hardware token later.
///
/// ``BundleSealer`` calls ``sign(_:)`` with the canonical payload bytes and checks the result
/// with ``publicKey`` before it returns a bundle, so a faulty signer cannot ship a bad signature.
public protocol BundleSigner: Sendable {
    /// The public key that verifies this signer's signatures.
    var publicKey: BundlePublicKey { get }

    /// Signs bytes.
    ///
    /// - Parameter bytes: The message: a payload's canonical bytes.
    /// - Returns: The 64-byte signature in the form ``BundleSignatureAlgorithm`` defines.
    /// - Throws: Whatever the key store throws.
    func sign(_ bytes: [UInt8]) throws -> [UInt8]
}
