/// One rule a bundle must pass, run by ``BundleVerifier``.
///
/// Checks are values so that each caller picks its own set: the player pins its key and passes
/// the card it talks to, `seqc verify` may leave the card out, and the secure-channel module
/// adds a check that recomputes the MAC chain with the card keys. A check reports every problem
/// it finds; an empty list means it passed.
public protocol BundleCheck: Sendable {
    /// A short stable name for results and logs, such as `signature` or `structure`.
    var name: String { get }

    /// Checks a bundle.
    ///
    /// - Parameter bundle: The decoded bundle.
    /// - Returns: The problems found, in command order where that applies; empty when none.
    func check(_ bundle: SignedBundle) -> [BundleError]
}
