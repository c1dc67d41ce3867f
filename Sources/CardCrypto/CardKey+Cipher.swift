import COpenSSL

extension CardKey {
    /// Encrypts whole blocks without padding.
    ///
    /// Pad first with ``Padding/iso9797Method2(_:blockSize:)`` when the protocol asks for it.
    ///
    /// - Parameters:
    ///   - data: A whole number of blocks (8 bytes for DES and triple DES, 16 for AES); may be empty.
    ///   - mode: ECB, or CBC with a one-block IV.
    /// - Returns: The ciphertext, as long as `data`.
    /// - Throws: ``CardCryptoError/Code/invalidDataLength`` when `data` is not whole blocks,
    ///   ``CardCryptoError/Code/invalidIVLength`` when the IV is not one block.
    public func encrypt(_ data: [UInt8], mode: BlockCipherMode) throws(CardCryptoError) -> [UInt8] {
        try crypt(data, mode: mode, encrypting: true, runtime: .shared)
    }

    /// Decrypts whole blocks without removing padding.
    ///
    /// Remove padding afterwards with ``Padding/removeISO9797Method2(_:blockSize:)`` when the protocol
    /// padded.
    ///
    /// - Parameters:
    ///   - data: A whole number of blocks (8 bytes for DES and triple DES, 16 for AES); may be empty.
    ///   - mode: ECB, or CBC with a one-block IV.
    /// - Returns: The plaintext, as long as `data`.
    /// - Throws: ``CardCryptoError/Code/invalidDataLength`` when `data` is not whole blocks,
    ///   ``CardCryptoError/Code/invalidIVLength`` when the IV is not one block.
    public func decrypt(_ data: [UInt8], mode: BlockCipherMode) throws(CardCryptoError) -> [UInt8] {
        try crypt(data, mode: mode, encrypting: false, runtime: .shared)
    }

    /// Encrypts or decrypts with the ciphers of `runtime` (tests pass one without the legacy provider).
    func crypt(
        _ data: [UInt8],
        mode: BlockCipherMode,
        encrypting: Bool,
        runtime: OpenSSLRuntime
    ) throws(CardCryptoError) -> [UInt8] {
        let blockSize = self.blockSize
        guard data.count % blockSize == 0 else {
            throw .invalidDataLength(
                "\(name) \(encrypting ? "encryption" : "decryption") takes whole \(blockSize)-byte blocks, "
                    + "not \(data.count) bytes"
            )
        }
        var iv: [UInt8]?
        if case .cbc(let value) = mode {
            guard value.count == blockSize else {
                throw .invalidIVLength(value.count, blockSize: blockSize)
            }
            iv = value
        }
        guard !data.isEmpty else {
            return []
        }
        return try withEVPCipher(chaining: iv != nil, runtime: runtime) { cipher, key throws(CardCryptoError) in
            try data.withUnsafeBufferPointer { input throws(CardCryptoError) in
                try [UInt8](unsafeUninitializedCapacity: input.count) { output, count throws(CardCryptoError) in
                    try CipherContext.crypt(
                        cipher: cipher,
                        key: key,
                        iv: iv,
                        encrypting: encrypting,
                        input: UnsafeRawBufferPointer(input),
                        output: UnsafeMutableRawBufferPointer(output)
                    )
                    count = input.count
                }
            }
        }
    }

    /// Calls `body` with the OpenSSL cipher and the key bytes that compute this key's block cipher in
    /// ECB (`chaining` false) or CBC.
    ///
    /// Two-key triple DES uses OpenSSL's `DES-EDE` ciphers, which take the 16 bytes as they are.
    func withEVPCipher<Result: ~Copyable>(
        chaining: Bool,
        runtime: OpenSSLRuntime,
        _ body: (OpaquePointer, UnsafeRawBufferPointer) throws(CardCryptoError) -> Result
    ) throws(CardCryptoError) -> Result {
        let algorithm = self.algorithm
        return try withUnsafeKeyBytes { key throws(CardCryptoError) in
            let cipher: Cipher
            switch (algorithm, key.count) {
            case (.des, _):
                return try SingleDES.withEVPCipher(key: key, chaining: chaining, runtime: runtime, body)
            case (.tripleDES, 16):
                cipher = chaining ? .tripleDES2CBC : .tripleDES2ECB
            case (.tripleDES, _):
                cipher = chaining ? .tripleDES3CBC : .tripleDES3ECB
            case (.aes, 16):
                cipher = chaining ? .aes128CBC : .aes128ECB
            case (.aes, 24):
                cipher = chaining ? .aes192CBC : .aes192ECB
            case (.aes, _):
                cipher = chaining ? .aes256CBC : .aes256ECB
            }
            return try body(runtime.evpCipher(cipher), key)
        }
    }
}

/// Single DES on 8 key bytes, through the legacy provider or as triple DES with a repeated key.
enum SingleDES {
    /// Calls `body` with a cipher and key bytes that compute single DES with `key` in ECB or CBC.
    ///
    /// - Parameters:
    ///   - key: 8 key bytes.
    ///   - chaining: CBC when `true`, ECB when `false`.
    ///   - runtime: Where the ciphers come from.
    ///   - body: Receives the cipher and the key bytes to give it, valid only during the call.
    /// - Returns: What `body` returns.
    /// - Throws: ``CardCryptoError/Code/openSSLFailure`` when the cipher is missing, or what `body` throws.
    static func withEVPCipher<Result: ~Copyable>(
        key: UnsafeRawBufferPointer,
        chaining: Bool,
        runtime: OpenSSLRuntime,
        _ body: (OpaquePointer, UnsafeRawBufferPointer) throws(CardCryptoError) -> Result
    ) throws(CardCryptoError) -> Result {
        switch runtime.desBackend {
        case .legacyProvider:
            return try body(runtime.evpCipher(chaining ? .desCBC : .desECB), key)
        case .tripleDESWithRepeatedKey:
            // E(K) D(K) E(K) is E(K): two-key triple DES with K1 = K2 is single DES.
            let cipher = try runtime.evpCipher(chaining ? .tripleDES2CBC : .tripleDES2ECB)
            return try withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { doubled throws(CardCryptoError) in
                defer { OPENSSL_cleanse(doubled.baseAddress, doubled.count) }
                doubled.copyMemory(from: key)
                UnsafeMutableRawBufferPointer(rebasing: doubled[8..<16]).copyMemory(from: key)
                return try body(cipher, UnsafeRawBufferPointer(doubled))
            }
        }
    }
}

/// Calls `body` with the bytes of `array`, or with `nil`.
func withOptionalBytes<Result, Failure: Error>(
    _ array: [UInt8]?,
    _ body: (UnsafeRawBufferPointer?) throws(Failure) -> Result
) throws(Failure) -> Result {
    guard let array else {
        return try body(nil)
    }
    return try array.withUnsafeBufferPointer { buffer throws(Failure) in
        try body(UnsafeRawBufferPointer(buffer))
    }
}
