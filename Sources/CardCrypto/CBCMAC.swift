/// ISO/IEC 9797-1 MAC algorithm 1 with DES or triple DES: the last block of a CBC encryption.
///
/// With a triple-DES key this is the "full triple-DES" MAC of SCP01 (C-MAC and cryptograms) and of
/// the SCP02 cryptograms. The caller pads (SCP01 and SCP02 use ``Padding/iso9797Method2(_:blockSize:)``),
/// so the message must be a whole number of 8-byte blocks.
///
/// The value is non-copyable: it owns one OpenSSL context, and ``finalize()`` consumes it.
public struct CBCMAC: ~Copyable {
    /// The MAC length in bytes: one DES block.
    public static let byteCount = 8

    private var chain: CBCChain
    private var messageCount = 0
    private var failure: CardCryptoError?

    /// Starts a MAC with a DES or triple-DES key and an initial chaining value.
    ///
    /// - Parameters:
    ///   - key: A single-DES or triple-DES key.
    ///   - iv: 8 bytes, often zero; SCP01 chains the previous C-MAC here.
    /// - Throws: ``CardCryptoError/Code/unsupportedAlgorithm`` for an AES key,
    ///   ``CardCryptoError/Code/invalidIVLength`` when `iv` is not 8 bytes.
    public init(key: CardKey, iv: [UInt8]) throws(CardCryptoError) {
        try self.init(key: key, iv: iv, runtime: .shared)
    }

    init(key: CardKey, iv: [UInt8], runtime: OpenSSLRuntime) throws(CardCryptoError) {
        guard key.algorithm != .aes else {
            throw .unsupportedAlgorithm("the ISO 9797-1 CBC-MAC here takes a DES or triple-DES key, not an AES key")
        }
        guard iv.count == 8 else {
            throw .invalidIVLength(iv.count, blockSize: 8)
        }
        chain = try key.withEVPCipher(chaining: true, runtime: runtime) { cipher, keyBytes throws(CardCryptoError) in
            try CBCChain(cipher: cipher, key: keyBytes, iv: iv)
        }
    }

    /// Adds bytes to the message.
    ///
    /// - Parameter data: The next bytes of the already padded message; pieces need not be whole blocks.
    public mutating func update(_ data: some Sequence<UInt8>) {
        guard failure == nil else {
            return
        }
        let result = withContiguousBytes(data) { bytes -> Result<Int, CardCryptoError> in
            do throws(CardCryptoError) {
                try chain.absorb(bytes)
                return .success(bytes.count)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let count):
            messageCount += count
        case .failure(let error):
            failure = error
        }
    }

    /// Returns the MAC of everything passed to ``update(_:)``.
    ///
    /// - Returns: The last 8-byte block of the CBC encryption.
    /// - Throws: ``CardCryptoError/Code/invalidDataLength`` when the message is empty or not whole
    ///   8-byte blocks.
    public consuming func finalize() throws(CardCryptoError) -> [UInt8] {
        if let failure {
            throw failure
        }
        guard messageCount > 0, messageCount % 8 == 0 else {
            throw .invalidDataLength(
                "the ISO 9797-1 CBC-MAC takes padded, whole 8-byte blocks, not \(messageCount) bytes"
            )
        }
        try chain.finish()
        return bytes(of: chain.chainingValue)
    }

    /// Computes the MAC of a whole, already padded message in one call.
    ///
    /// - Parameters:
    ///   - data: The padded message: whole 8-byte blocks, at least one.
    ///   - key: A single-DES or triple-DES key.
    ///   - iv: 8 bytes, often zero.
    /// - Returns: The 8-byte MAC.
    /// - Throws: ``CardCryptoError/Code/invalidDataLength`` when `data` is empty or not whole blocks,
    ///   ``CardCryptoError/Code/unsupportedAlgorithm`` for an AES key,
    ///   ``CardCryptoError/Code/invalidIVLength`` when `iv` is not 8 bytes.
    public static func authenticationCode(
        for data: some Sequence<UInt8>,
        using key: CardKey,
        iv: [UInt8]
    ) throws(CardCryptoError) -> [UInt8] {
        var mac = try CBCMAC(key: key, iv: iv)
        mac.update(data)
        return try mac.finalize()
    }
}
