/// How ``CardKey/encrypt(_:mode:)`` and ``CardKey/decrypt(_:mode:)`` chain blocks; neither mode pads.
public enum BlockCipherMode: Hashable, Sendable {
    /// Electronic codebook: every block on its own.
    case ecb
    /// Cipher block chaining from an initial chaining value of exactly one block.
    case cbc(iv: [UInt8])
}
