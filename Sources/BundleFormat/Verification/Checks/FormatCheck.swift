/// Checks that the payload names the format this code reads: `cardseq-bundle/1`.
///
/// Decoding already refuses other formats; this check covers bundles built in memory.
public struct FormatCheck: BundleCheck {
    /// Creates the check.
    public init() {}

    /// `format`.
    public var name: String { "format" }

    /// Reports ``BundleError/Code/unsupportedFormat`` for any other format.
    public func check(_ bundle: SignedBundle) -> [BundleError] {
        guard bundle.payload.format == BundlePayload.currentFormat else {
            return [
                BundleError(
                    code: .unsupportedFormat,
                    reason: "format '\(bundle.payload.format)' is not '\(BundlePayload.currentFormat)'"
                )
            ]
        }
        return []
    }
}
