/// Checks the bundle's validity period against the verifier's clock.
///
/// The bundle is valid from `issuedAt` (less ``allowedClockSkew``, since the server's and the
/// client's clocks differ) until just before `expiresAt`.
public struct ValidityPeriodCheck: BundleCheck {
    /// The verifier's current time, from an injected clock.
    public var now: BundleTimestamp
    /// How far the client's clock may be behind the server's, in seconds.
    public var allowedClockSkew: Int64

    /// Creates the check.
    ///
    /// - Parameters:
    ///   - now: The current time.
    ///   - allowedClockSkew: Seconds a bundle may appear to come from the future; five minutes by default.
    public init(now: BundleTimestamp, allowedClockSkew: Int64 = 300) {
        self.now = now
        self.allowedClockSkew = allowedClockSkew
    }

    /// `validity`.
    public var name: String { "validity" }

    /// Reports ``BundleError/Code/expired`` at or after `expiresAt` and
    /// ``BundleError/Code/notYetValid`` before `issuedAt` less the skew.
    public func check(_ bundle: SignedBundle) -> [BundleError] {
        let payload = bundle.payload
        if now >= payload.expiresAt {
            return [BundleError(code: .expired, reason: "the bundle expired at \(payload.expiresAt); now is \(now)")]
        }
        if now.adding(seconds: allowedClockSkew) < payload.issuedAt {
            return [
                BundleError(code: .notYetValid, reason: "the bundle is issued at \(payload.issuedAt); now is \(now)")
            ]
        }
        return []
    }
}
