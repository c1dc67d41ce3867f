/// How ``SecureChannelSession/encryptSensitiveData(_:padding:)`` pads a secret before encrypting it.
///
/// GlobalPlatform leaves the format of secrets in STORE DATA to the receiving application, so the
/// caller chooses: most applications expect data already formatted to whole blocks (``none``), some
/// expect ISO/IEC 9797-1 method 2 padding.
public enum SensitiveDataPadding: Hashable, Sendable {
    /// No padding: the data must already be whole cipher blocks (8 bytes for SCP01/02, 16 for SCP03).
    case none
    /// Always append `80` and zero bytes up to whole blocks, even for data that is whole blocks already.
    case iso9797Method2
}
