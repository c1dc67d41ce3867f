/// Verifies bundles with a list of ``BundleCheck``s, as swift-certificates' verifier runs its policies.
///
/// Every check runs and every failure is reported, so a log shows all that is wrong with a
/// bundle; a bundle is valid only when no check reports anything. Use
/// ``standard(trustedKeys:now:expectedCard:)`` for the built-in set.
public struct BundleVerifier: Sendable {
    /// The checks, run in order.
    public var checks: [any BundleCheck]

    /// Creates a verifier from checks.
    public init(checks: [any BundleCheck]) {
        self.checks = checks
    }

    /// The built-in checks: format, structure, signature against pinned keys, validity period,
    /// and card binding when an expected card is given.
    ///
    /// - Parameters:
    ///   - trustedKeys: The pinned public keys; a bundle signed by any other key fails.
    ///   - now: The verifier's current time, from an injected clock.
    ///   - expectedCard: The card the bundle must be bound to, when the caller knows it.
    ///   - expectedProfile: The profile the card must have, when the caller knows it.
    /// - Returns: A verifier running those checks in that order.
    public static func standard(
        trustedKeys: [BundlePublicKey],
        now: BundleTimestamp,
        expectedCard: BundleCardIdentity? = nil,
        expectedProfile: BundleCardProfile? = nil
    ) -> BundleVerifier {
        var checks: [any BundleCheck] = [
            FormatCheck(),
            StructureCheck(),
            SignatureCheck(trustedKeys: trustedKeys),
            ValidityPeriodCheck(now: now),
        ]
        if let expectedCard {
            checks.append(CardBindingCheck(expected: expectedCard, profile: expectedProfile))
        }
        return BundleVerifier(checks: checks)
    }

    /// Runs every check on a decoded bundle.
    public func verify(_ bundle: SignedBundle) -> BundleVerificationResult {
        var failures: [BundleVerificationFailure] = []
        for check in checks {
            for error in check.check(bundle) {
                failures.append(BundleVerificationFailure(check: check.name, error: error))
            }
        }
        return BundleVerificationResult(bundle: bundle, failures: failures)
    }

    /// Decodes a bundle file strictly, then runs every check.
    ///
    /// A file that does not decode fails with one failure from the check named `decode`.
    public func verify(bytes: [UInt8]) -> BundleVerificationResult {
        do throws(BundleError) {
            return verify(try SignedBundle.decode(bytes))
        } catch {
            return BundleVerificationResult(
                bundle: nil,
                failures: [BundleVerificationFailure(check: "decode", error: error)]
            )
        }
    }

    /// Decodes and verifies a bundle file, throwing the first failure.
    ///
    /// - Returns: The bundle, when every check passed.
    /// - Throws: The first ``BundleError`` found.
    public func validBundle(from bytes: [UInt8]) throws(BundleError) -> SignedBundle {
        let result = verify(bytes: bytes)
        if let failure = result.failures.first {
            throw failure.error
        }
        guard let bundle = result.bundle else {
            throw .malformed("no bundle")
        }
        return bundle
    }
}

/// What a ``BundleVerifier`` found.
public struct BundleVerificationResult: Sendable {
    /// The decoded bundle, or `nil` when the bytes did not decode.
    public var bundle: SignedBundle?
    /// Every failure, in check order.
    public var failures: [BundleVerificationFailure]

    /// Creates a result.
    public init(bundle: SignedBundle?, failures: [BundleVerificationFailure]) {
        self.bundle = bundle
        self.failures = failures
    }

    /// Whether the bundle decoded and passed every check.
    public var isValid: Bool {
        bundle != nil && failures.isEmpty
    }

    /// The codes of the failures, in order.
    public var codes: [BundleError.Code] {
        failures.map(\.error.code)
    }
}

/// One failure: the check that reported it and the error.
public struct BundleVerificationFailure: Hashable, Sendable, CustomStringConvertible {
    /// The name of the check, such as `signature`, or `decode` when the bytes did not decode.
    public var check: String
    /// The error, with its code and, for a problem in one command, the command index.
    public var error: BundleError

    /// Creates a failure.
    public init(check: String, error: BundleError) {
        self.check = check
        self.error = error
    }

    /// The index of the command the failure is about, if any.
    public var commandIndex: Int? {
        error.commandIndex
    }

    /// `signature: bundle.signature-invalid: …`.
    public var description: String {
        "\(check): \(error)"
    }
}
