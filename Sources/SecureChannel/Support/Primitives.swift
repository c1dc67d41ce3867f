import CardCrypto

/// The cryptographic operations of the three protocols, each mapping ``CardCryptoError`` to ``SecureChannelError`` once.
///
/// Every function takes whole inputs and returns fresh arrays; callers pad where the protocol pads.
enum Primitives {
    /// Runs `body` and turns a cryptographic failure into a ``SecureChannelError``.
    static func run<Result>(_ body: () throws(CardCryptoError) -> Result) throws(SecureChannelError) -> Result {
        do throws(CardCryptoError) {
            return try body()
        } catch {
            throw .cryptographyFailure(error)
        }
    }

    /// ECB encryption of whole blocks.
    static func encryptECB(_ data: [UInt8], key: CardKey) throws(SecureChannelError) -> [UInt8] {
        try run { () throws(CardCryptoError) in try key.encrypt(data, mode: .ecb) }
    }

    /// CBC encryption of whole blocks from `iv` (zero when `nil`).
    static func encryptCBC(_ data: [UInt8], key: CardKey, iv: [UInt8]? = nil) throws(SecureChannelError) -> [UInt8] {
        let chaining = iv ?? zeros(key.blockSize)
        return try run { () throws(CardCryptoError) in try key.encrypt(data, mode: .cbc(iv: chaining)) }
    }

    /// CBC decryption of whole blocks from `iv`.
    static func decryptCBC(_ data: [UInt8], key: CardKey, iv: [UInt8]) throws(SecureChannelError) -> [UInt8] {
        try run { () throws(CardCryptoError) in try key.decrypt(data, mode: .cbc(iv: iv)) }
    }

    /// ISO/IEC 9797-1 MAC algorithm 1 (full triple-DES CBC-MAC) over `pad80(message)`.
    static func fullTripleDESMAC(
        _ message: [UInt8],
        key: CardKey,
        iv: [UInt8]? = nil
    ) throws(SecureChannelError) -> [UInt8] {
        let padded = Padding.iso9797Method2(message, blockSize: 8)
        let chaining = iv ?? zeros(8)
        return try run { () throws(CardCryptoError) in
            try CBCMAC.authenticationCode(for: padded, using: key, iv: chaining)
        }
    }

    /// ISO/IEC 9797-1 MAC algorithm 3 (retail MAC) over `pad80(message)`.
    static func retailMAC(_ message: [UInt8], key: CardKey, iv: [UInt8]? = nil) throws(SecureChannelError) -> [UInt8] {
        let padded = Padding.iso9797Method2(message, blockSize: 8)
        let chaining = iv ?? zeros(8)
        return try run { () throws(CardCryptoError) in
            try RetailMAC.authenticationCode(for: padded, using: key, iv: chaining)
        }
    }

    /// AES-CMAC of the concatenated pieces, fed one after another without joining them.
    static func cmac(_ pieces: [UInt8]..., key: CardKey) throws(SecureChannelError) -> [UInt8] {
        try run { () throws(CardCryptoError) in
            var mac = try AESCMAC(key: key)
            for piece in pieces {
                mac.update(piece)
            }
            return try mac.finalize()
        }
    }

    /// The SCP03 KDF (Amendment D 6.2.2) producing `lengthInBits` bits.
    static func scp03KDF(
        key: CardKey,
        constant: UInt8,
        context: [UInt8],
        lengthInBits: Int
    ) throws(SecureChannelError) -> [UInt8] {
        try run { () throws(CardCryptoError) in
            try SCP03KDF.derive(key: key, constant: constant, context: context, lengthInBits: lengthInBits)
        }
    }

    /// The SCP03 KDF producing a key as long as `key`.
    static func scp03DeriveKey(
        from key: CardKey,
        constant: UInt8,
        context: [UInt8]
    ) throws(SecureChannelError) -> CardKey {
        try run { () throws(CardCryptoError) in
            try SCP03KDF.deriveKey(from: key, constant: constant, context: context)
        }
    }

    /// Makes a key from bytes already known to have a valid length.
    static func key(_ algorithm: CardKey.Algorithm, bytes: [UInt8]) throws(SecureChannelError) -> CardKey {
        try run { () throws(CardCryptoError) in try CardKey(algorithm, bytes: bytes) }
    }

    /// The key's check value, or `nil` if it cannot be computed.
    static func checkValue(of key: CardKey) -> [UInt8]? {
        try? key.checkValue
    }

    /// Removes ISO/IEC 9797-1 padding method 2 from decrypted response data: trailing zeros, then `80`.
    ///
    /// Leniently, the zeros may span more than one block: Samsung OpenSCP's card emulation pads an
    /// 11-byte response to 32 bytes. The data were authenticated by the R-MAC over the ciphertext
    /// before decryption, so how this check fails tells an attacker nothing.
    static func removePadding(_ data: [UInt8]) throws(SecureChannelError) -> [UInt8] {
        guard let marker = data.lastIndex(where: { $0 != 0 }), data[marker] == 0x80 else {
            throw .malformedResponse("the decrypted response data does not end with ISO 9797-1 method 2 padding")
        }
        return Array(data[..<marker])
    }

    /// `count` zero bytes.
    static func zeros(_ count: Int) -> [UInt8] {
        [UInt8](repeating: 0, count: count)
    }
}
