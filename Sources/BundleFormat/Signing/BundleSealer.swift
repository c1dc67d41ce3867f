/// Signs payloads into bundles.
///
/// Sealing refuses a payload that the structural checks reject (a bundle that would fail
/// verification is never signed), signs the canonical bytes, and verifies the new signature
/// with the signer's public key before returning.
public struct BundleSealer: Sendable {
    /// The signer.
    public var signer: any BundleSigner

    /// Creates a sealer.
    public init(signer: any BundleSigner) {
        self.signer = signer
    }

    /// Seals a payload.
    ///
    /// - Parameter payload: The payload; its `format` must be ``BundlePayload/currentFormat``.
    /// - Returns: The signed bundle.
    /// - Throws: ``BundleError``: the first structural problem of the payload, or
    ///   ``BundleError/Code/signingFailed`` when the signer fails or its signature does not verify.
    public func seal(_ payload: BundlePayload) throws(BundleError) -> SignedBundle {
        let unsigned = SignedBundle(
            payload: payload,
            signature: BundleSignature(algorithm: signer.publicKey.algorithm, keyID: [], value: [])
        )
        if let problem = FormatCheck().check(unsigned).first {
            throw problem
        }
        // The JSON form is built once: checked for a lossless round trip, then signed.
        let json = payload.json
        try payload.checkEncodable(json: json)
        if let problem = StructureCheck().problems(in: payload).first {
            throw problem
        }
        let publicKey = signer.publicKey
        let bytes = JSONWriter.canonical(json, capacity: payload.canonicalLengthEstimate)
        let value: [UInt8]
        do {
            value = try signer.sign(bytes)
        } catch {
            throw BundleError(code: .signingFailed, reason: "the signer failed: \(error)")
        }
        guard value.count == publicKey.algorithm.signatureLength,
            publicKey.isValidSignature(value, for: bytes)
        else {
            throw BundleError(
                code: .signingFailed,
                reason: "the signer's signature does not verify with its public key"
            )
        }
        return SignedBundle(
            payload: payload,
            signature: BundleSignature(algorithm: publicKey.algorithm, keyID: publicKey.keyID, value: value)
        )
    }
}

extension SignedBundle {
    /// Seals a payload with a signer: shorthand for `BundleSealer(signer:).seal(_:)`.
    ///
    /// - Throws: ``BundleError`` as ``BundleSealer/seal(_:)`` does.
    public static func seal(payload: BundlePayload, signer: any BundleSigner) throws(BundleError) -> SignedBundle {
        try BundleSealer(signer: signer).seal(payload)
    }
}
