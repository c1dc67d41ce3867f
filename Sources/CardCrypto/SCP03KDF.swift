import COpenSSL

/// The key derivation function of GlobalPlatform SCP03 (Card Specification Amendment D, section 6.2.2).
///
/// A counter-mode KDF (NIST SP 800-108) with AES-CMAC as the PRF. Block i (from 1) is
/// `CMAC(K, 00 × 11 ‖ constant ‖ 00 ‖ L ‖ i ‖ context)`, where L is the output length in bits as two
/// big-endian bytes and i is one byte; the blocks are concatenated and cut to L bits.
///
/// SCP03 uses it for session keys (constant `04` S-ENC, `06` S-MAC, `07` S-RMAC, context host
/// challenge ‖ card challenge), the cryptograms (`00` card, `01` host, 64 or 128 bits) and the
/// pseudo-random card challenge (`02`).
public enum SCP03KDF {
    /// Derives `lengthInBits` bits from an AES key.
    ///
    /// - Parameters:
    ///   - key: An AES key of 16, 24 or 32 bytes.
    ///   - constant: The derivation constant, such as `0x04` for S-ENC.
    ///   - context: The context bytes, such as host challenge ‖ card challenge.
    ///   - lengthInBits: A positive multiple of 8 up to 255 × 128 bits, such as 64, 128, 192 or 256.
    /// - Returns: `lengthInBits / 8` bytes.
    /// - Throws: ``CardCryptoError/Code/invalidOutputLength`` for any other length,
    ///   ``CardCryptoError/Code/unsupportedAlgorithm`` for a DES or triple-DES key.
    public static func derive(
        key: CardKey,
        constant: UInt8,
        context: [UInt8],
        lengthInBits: Int
    ) throws(CardCryptoError) -> [UInt8] {
        let byteCount = try validatedByteCount(lengthInBits)
        let blockCount = (byteCount + AESCMAC.byteCount - 1) / AESCMAC.byteCount
        var output = try [UInt8](unsafeUninitializedCapacity: blockCount * AESCMAC.byteCount) {
            buffer,
            count throws(CardCryptoError) in
            try derive(
                key: key,
                constant: constant,
                context: context,
                lengthInBits: lengthInBits,
                into: UnsafeMutableRawBufferPointer(buffer)
            )
            count = buffer.count
        }
        output.removeLast(output.count - byteCount)
        return output
    }

    /// Derives a key of the same algorithm and length as `key`, such as an SCP03 session key.
    ///
    /// The derived bytes go straight into the new key's wiped storage, never into an ordinary array.
    ///
    /// - Parameters:
    ///   - key: An AES key of 16, 24 or 32 bytes.
    ///   - constant: The derivation constant: `0x04` S-ENC, `0x06` S-MAC, `0x07` S-RMAC.
    ///   - context: The context bytes, host challenge ‖ card challenge for session keys.
    /// - Returns: An AES key as long as `key`.
    /// - Throws: ``CardCryptoError/Code/unsupportedAlgorithm`` for a DES or triple-DES key.
    public static func deriveKey(
        from key: CardKey,
        constant: UInt8,
        context: [UInt8]
    ) throws(CardCryptoError) -> CardKey {
        let blockCount = (key.byteCount + AESCMAC.byteCount - 1) / AESCMAC.byteCount
        return try withUnsafeTemporaryAllocation(byteCount: blockCount * AESCMAC.byteCount, alignment: 16) {
            buffer throws(CardCryptoError) in
            defer { OPENSSL_cleanse(buffer.baseAddress, buffer.count) }
            try derive(key: key, constant: constant, context: context, lengthInBits: key.byteCount * 8, into: buffer)
            return try CardKey(.aes, bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<key.byteCount]))
        }
    }

    private static func validatedByteCount(_ lengthInBits: Int) throws(CardCryptoError) -> Int {
        guard lengthInBits > 0, lengthInBits % 8 == 0, lengthInBits <= 255 * 128 else {
            throw .invalidOutputLength(
                "the SCP03 KDF produces a positive multiple of 8 bits up to 32640, not \(lengthInBits) bits"
            )
        }
        return lengthInBits / 8
    }

    /// Writes whole CMAC blocks into `output`, whose length is a multiple of 16 covering `lengthInBits`.
    private static func derive(
        key: CardKey,
        constant: UInt8,
        context: [UInt8],
        lengthInBits: Int,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CardCryptoError) {
        _ = try validatedByteCount(lengthInBits)
        var mac = try AESCMAC(key: key)
        // The fixed part of each block's input: 11 zero bytes, constant, separator 00, L (2 bytes), counter.
        var label: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &label) { bytes in
            bytes[11] = constant
            bytes[13] = UInt8(truncatingIfNeeded: lengthInBits >> 8)
            bytes[14] = UInt8(truncatingIfNeeded: lengthInBits)
        }
        let blockCount = output.count / AESCMAC.byteCount
        for index in 0..<blockCount {
            if index > 0 {
                try mac.restart()
            }
            withUnsafeMutableBytes(of: &label) { $0[15] = UInt8(index + 1) }
            withUnsafeBytes(of: label) { mac.update(bytes: $0) }
            context.withUnsafeBufferPointer { mac.update(bytes: UnsafeRawBufferPointer($0)) }
            let start = index * AESCMAC.byteCount
            try mac.finalize(into: UnsafeMutableRawBufferPointer(rebasing: output[start..<(start + AESCMAC.byteCount)]))
        }
    }
}
