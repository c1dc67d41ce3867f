/// Checks the signature over the canonical payload with a pinned public key.
///
/// The bundle's key id only selects among the pinned keys; the signature is always verified
/// with the pinned key's bytes, never with anything the bundle carries.
public struct SignatureCheck: BundleCheck {
    /// The pinned keys.
    public var trustedKeys: [BundlePublicKey]

    /// Creates the check.
    public init(trustedKeys: [BundlePublicKey]) {
        self.trustedKeys = trustedKeys
    }

    /// `signature`.
    public var name: String { "signature" }

    /// Reports ``BundleError/Code/unknownSigningKey`` when no pinned key has the bundle's key id
    /// and algorithm, and ``BundleError/Code/signatureInvalid`` when the signature does not verify.
    public func check(_ bundle: SignedBundle) -> [BundleError] {
        let signature = bundle.signature
        let candidates = trustedKeys.filter { $0.algorithm == signature.algorithm && $0.keyID == signature.keyID }
        guard !candidates.isEmpty else {
            return [
                BundleError(
                    code: .unknownSigningKey,
                    reason:
                        "no pinned \(signature.algorithm.rawValue) key has key id \(CanonicalHex.string(signature.keyID))"
                )
            ]
        }
        let bytes = bundle.signedBytes
        guard candidates.contains(where: { $0.isValidSignature(signature.value, for: bytes) }) else {
            return [
                BundleError(
                    code: .signatureInvalid,
                    reason: "the signature does not verify with key \(CanonicalHex.string(signature.keyID))"
                )
            ]
        }
        return []
    }
}
