import COpenSSL

/// AES-CMAC (NIST SP 800-38B, RFC 4493), the MAC of SCP03 and of its key derivation.
///
/// Feed the message in as many pieces as is convenient, such as the chaining value, the command
/// header and the data, without concatenating copies:
///
/// ```swift
/// var mac = try AESCMAC(key: sessionMACKey)
/// mac.update(chainingValue)
/// mac.update(header)
/// mac.update(data)
/// let tag = try mac.finalize()
/// ```
///
/// The value is non-copyable: it owns one OpenSSL context, so it cannot be shared between threads by
/// accident, and ``finalize()`` consumes it.
public struct AESCMAC: ~Copyable {
    /// The MAC length in bytes: always one AES block.
    public static let byteCount = 16

    private let context: OpaquePointer
    private var failure: CardCryptoError?

    /// Starts a MAC with an AES key.
    ///
    /// - Parameter key: An AES key of 16, 24 or 32 bytes.
    /// - Throws: ``CardCryptoError/Code/unsupportedAlgorithm`` for a DES or triple-DES key.
    public init(key: CardKey) throws(CardCryptoError) {
        try self.init(key: key, runtime: .shared)
    }

    init(key: CardKey, runtime: OpenSSLRuntime) throws(CardCryptoError) {
        guard key.algorithm == .aes else {
            throw .unsupportedAlgorithm("AES-CMAC needs an AES key, not a \(key.name) key")
        }
        // A duplicate of a template that already names the cipher: keying it fetches nothing.
        let context = try runtime.cmacContext(keyLength: key.byteCount)
        let status = key.withUnsafeKeyBytes { bytes in
            EVP_MAC_init(context, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, nil)
        }
        guard status == 1 else {
            EVP_MAC_CTX_free(context)
            throw .openSSLFailure("EVP_MAC_init (CMAC with \(key.name))")
        }
        self.context = context
        self.failure = nil
    }

    deinit {
        EVP_MAC_CTX_free(context)
    }

    /// Adds bytes to the message.
    ///
    /// - Parameter data: The next bytes of the message; any number, including none.
    public mutating func update(_ data: some Sequence<UInt8>) {
        withContiguousBytes(data) { update(bytes: $0) }
    }

    /// Returns the MAC of everything passed to ``update(_:)``.
    ///
    /// - Returns: The 16-byte MAC; SCP03 sends its first 8 bytes (S8) or all 16 (S16).
    /// - Throws: ``CardCryptoError/Code/openSSLFailure`` if OpenSSL failed on the way.
    public consuming func finalize() throws(CardCryptoError) -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: Self.byteCount) { buffer, count throws(CardCryptoError) in
            try finalize(into: UnsafeMutableRawBufferPointer(buffer))
            count = Self.byteCount
        }
    }

    /// Computes the MAC of a whole message in one call.
    ///
    /// - Parameters:
    ///   - data: The message.
    ///   - key: An AES key of 16, 24 or 32 bytes.
    /// - Returns: The 16-byte MAC.
    /// - Throws: ``CardCryptoError/Code/unsupportedAlgorithm`` for a DES or triple-DES key.
    public static func authenticationCode(
        for data: some Sequence<UInt8>,
        using key: CardKey
    ) throws(CardCryptoError) -> [UInt8] {
        var mac = try AESCMAC(key: key)
        mac.update(data)
        return try mac.finalize()
    }

    /// Adds bytes to the message from memory (the non-generic path of ``update(_:)``).
    mutating func update(bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !bytes.isEmpty else {
            return
        }
        if EVP_MAC_update(context, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count) != 1 {
            failure = .openSSLFailure("EVP_MAC_update")
        }
    }

    /// Writes the MAC into `output` (16 bytes) without giving up the context.
    mutating func finalize(into output: UnsafeMutableRawBufferPointer) throws(CardCryptoError) {
        if let failure {
            throw failure
        }
        var written = 0
        let status = EVP_MAC_final(
            context,
            output.baseAddress?.assumingMemoryBound(to: UInt8.self),
            &written,
            output.count
        )
        guard status == 1, written == Self.byteCount else {
            throw .openSSLFailure("EVP_MAC_final")
        }
    }

    /// Starts a new message with the same key, reusing the subkeys.
    mutating func restart() throws(CardCryptoError) {
        guard EVP_MAC_init(context, nil, 0, nil) == 1 else {
            throw .openSSLFailure("EVP_MAC_init (restart)")
        }
        failure = nil
    }
}
