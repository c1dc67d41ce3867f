extension CardKey {
    /// The key check value (KCV): 3 bytes that identify a key without revealing it.
    ///
    /// For DES and triple DES, the first 3 bytes of the key's ECB encryption of eight `00` bytes; for
    /// AES, the first 3 bytes of its CBC encryption of sixteen `01` bytes with a zero IV
    /// (GlobalPlatform Card Specification Amendment D, section 7.2, as PUT KEY sends it).
    ///
    /// - Throws: ``CardCryptoError/Code/openSSLFailure`` only if OpenSSL fails.
    public var checkValue: [UInt8] {
        get throws(CardCryptoError) {
            try checkValue(runtime: .shared)
        }
    }

    func checkValue(runtime: OpenSSLRuntime) throws(CardCryptoError) -> [UInt8] {
        var cryptogram: [UInt8]
        switch algorithm {
        case .des, .tripleDES:
            cryptogram = try crypt(CheckValueInput.desBlock, mode: .ecb, encrypting: true, runtime: runtime)
        case .aes:
            cryptogram = try crypt(
                CheckValueInput.aesBlock,
                mode: CheckValueInput.aesMode,
                encrypting: true,
                runtime: runtime
            )
        }
        cryptogram.removeLast(cryptogram.count - 3)
        return cryptogram
    }
}

/// The fixed inputs of key check values, made once.
private enum CheckValueInput {
    static let desBlock = [UInt8](repeating: 0, count: 8)
    static let aesBlock = [UInt8](repeating: 0x01, count: 16)
    static let aesMode = BlockCipherMode.cbc(iv: [UInt8](repeating: 0, count: 16))
}
