import COpenSSL

/// One keyed `EVP_CIPHER_CTX` without padding, owned by exactly one value and freed with it.
///
/// OpenSSL copies the key schedule into the context, so the caller may wipe its key bytes as soon as
/// the initializer returns.
struct CipherContext: ~Copyable {
    private let context: OpaquePointer

    /// Keys a context for encryption or decryption.
    ///
    /// - Parameters:
    ///   - cipher: A fetched `EVP_CIPHER`.
    ///   - key: Exactly the cipher's key length in bytes.
    ///   - iv: Exactly one block for a chaining mode, `nil` for ECB.
    ///   - encrypting: Whether to encrypt (`true`) or decrypt.
    /// - Throws: ``CardCryptoError/Code/openSSLFailure`` when OpenSSL cannot make or key the context.
    init(
        cipher: OpaquePointer,
        key: UnsafeRawBufferPointer,
        iv: [UInt8]?,
        encrypting: Bool
    ) throws(CardCryptoError) {
        guard let context = EVP_CIPHER_CTX_new() else {
            throw .openSSLFailure("EVP_CIPHER_CTX_new")
        }
        let keyPointer = key.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let status = withOptionalBytes(iv) { ivBytes in
            let ivPointer = ivBytes?.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return EVP_CipherInit_ex2(context, cipher, keyPointer, ivPointer, encrypting ? 1 : 0, nil)
        }
        guard status == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw .openSSLFailure("EVP_CipherInit_ex2")
        }
        // Padding is a parameter of the provider's cipher context, which exists only after the init.
        guard EVP_CIPHER_CTX_set_padding(context, 0) == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw .openSSLFailure("EVP_CIPHER_CTX_set_padding")
        }
        self.context = context
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// The largest input ``update(_:into:)`` takes in one call (OpenSSL counts in `int`).
    static let maximumUpdate = 1 << 30

    /// Processes bytes, writing the whole blocks that are ready.
    ///
    /// - Parameters:
    ///   - input: At most ``maximumUpdate`` bytes.
    ///   - output: Room for `input.count` plus one block less one byte, or exactly `input.count` when
    ///     the context holds no partial block and `input.count` is a multiple of the block size.
    /// - Returns: The number of bytes written to `output`.
    /// - Throws: ``CardCryptoError/Code/openSSLFailure`` when OpenSSL refuses.
    mutating func update(
        _ input: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CardCryptoError) -> Int {
        guard !input.isEmpty else {
            return 0
        }
        var written: Int32 = 0
        let status = EVP_CipherUpdate(
            context,
            output.baseAddress?.assumingMemoryBound(to: UInt8.self),
            &written,
            input.baseAddress?.assumingMemoryBound(to: UInt8.self),
            Int32(input.count)
        )
        guard status == 1 else {
            throw .openSSLFailure("EVP_CipherUpdate")
        }
        return Int(written)
    }

    /// Ends the operation; fails when a partial block is left, as padding is off.
    ///
    /// - Parameter output: Room for one block (nothing is written without padding, but OpenSSL may check).
    /// - Throws: ``CardCryptoError/Code/openSSLFailure`` when a partial block is left.
    mutating func finish(into output: UnsafeMutableRawBufferPointer) throws(CardCryptoError) {
        var written: Int32 = 0
        guard EVP_CipherFinal_ex(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &written) == 1
        else {
            throw .openSSLFailure("EVP_CipherFinal_ex")
        }
    }
}

extension CipherContext {
    /// Encrypts or decrypts whole blocks in one go with a fresh context.
    ///
    /// - Parameters:
    ///   - cipher: A fetched `EVP_CIPHER`.
    ///   - key: Exactly the cipher's key length in bytes.
    ///   - iv: One block for CBC, `nil` for ECB.
    ///   - encrypting: Whether to encrypt (`true`) or decrypt.
    ///   - input: A whole number of blocks.
    ///   - output: At least as long as `input`; may be the same memory.
    /// - Throws: ``CardCryptoError/Code/openSSLFailure`` when OpenSSL refuses.
    static func crypt(
        cipher: OpaquePointer,
        key: UnsafeRawBufferPointer,
        iv: [UInt8]?,
        encrypting: Bool,
        input: UnsafeRawBufferPointer,
        output: UnsafeMutableRawBufferPointer
    ) throws(CardCryptoError) {
        var context = try CipherContext(cipher: cipher, key: key, iv: iv, encrypting: encrypting)
        var consumed = 0
        var written = 0
        while consumed < input.count {
            let end = min(input.count, consumed + maximumUpdate)
            written += try context.update(
                UnsafeRawBufferPointer(rebasing: input[consumed..<end]),
                into: UnsafeMutableRawBufferPointer(rebasing: output[written...])
            )
            consumed = end
        }
        try context.finish(into: UnsafeMutableRawBufferPointer(rebasing: output[written...]))
    }
}
