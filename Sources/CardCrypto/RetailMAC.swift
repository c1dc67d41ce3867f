/// ISO/IEC 9797-1 MAC algorithm 3, the "retail MAC" of SCP02 (C-MAC and R-MAC).
///
/// Single-DES CBC with the first 8 key bytes (K1) over every block but the last; the last block
/// (XORed with the chaining value) is encrypted with the whole triple-DES key, which for a two-key
/// key is e(K1) d(K2) e(K1) (ISO/IEC 9797-1 output transformation 3). With a three-key key the last
/// block goes through all three keys. The caller pads, so the message must be a whole number of
/// 8-byte blocks.
///
/// The value is non-copyable: it owns one OpenSSL context, and ``finalize()`` consumes it.
public struct RetailMAC: ~Copyable {
    /// The MAC length in bytes: one DES block.
    public static let byteCount = 8

    private let key: CardKey
    private let runtime: OpenSSLRuntime
    /// Single-DES CBC with K1 over everything but the last 8 bytes seen so far.
    private var chain: CBCChain
    /// The last bytes seen (up to 8), not yet given to ``chain``: the last block must skip it.
    private var held: UInt64 = 0
    private var heldCount = 0
    private var messageCount = 0
    private var failure: CardCryptoError?

    /// Starts a MAC with a triple-DES key and an initial chaining value.
    ///
    /// - Parameters:
    ///   - key: A two-key (SCP02) or three-key triple-DES key.
    ///   - iv: 8 bytes: zero for EXTERNAL AUTHENTICATE, then the previous C-MAC (encrypted with
    ///     single DES under K1 when the SCP02 option asks for it).
    /// - Throws: ``CardCryptoError/Code/unsupportedAlgorithm`` for a DES or AES key,
    ///   ``CardCryptoError/Code/invalidIVLength`` when `iv` is not 8 bytes.
    public init(key: CardKey, iv: [UInt8]) throws(CardCryptoError) {
        try self.init(key: key, iv: iv, runtime: .shared)
    }

    init(key: CardKey, iv: [UInt8], runtime: OpenSSLRuntime) throws(CardCryptoError) {
        guard key.algorithm == .tripleDES else {
            throw .unsupportedAlgorithm("the retail MAC needs a triple-DES key, not a \(key.name) key")
        }
        guard iv.count == 8 else {
            throw .invalidIVLength(iv.count, blockSize: 8)
        }
        let chain = try key.withUnsafeKeyBytes { keyBytes throws(CardCryptoError) in
            try SingleDES.withEVPCipher(
                key: UnsafeRawBufferPointer(rebasing: keyBytes[0..<8]),
                chaining: true,
                runtime: runtime
            ) { cipher, firstKey throws(CardCryptoError) in
                try CBCChain(cipher: cipher, key: firstKey, iv: iv)
            }
        }
        self.chain = chain
        self.key = key
        self.runtime = runtime
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
                try absorb(bytes)
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

    /// Gives the chain everything but the last 8 bytes of (held bytes ‖ input), and holds those 8.
    private mutating func absorb(_ input: UnsafeRawBufferPointer) throws(CardCryptoError) {
        let total = heldCount + input.count
        var heldBytes = held
        guard total > 8 else {
            withUnsafeMutableBytes(of: &heldBytes) { buffer in
                UnsafeMutableRawBufferPointer(rebasing: buffer[heldCount..<total]).copyMemory(from: input)
            }
            held = heldBytes
            heldCount = total
            return
        }
        let forwardCount = total - 8
        let fromHeld = min(heldCount, forwardCount)
        let fromInput = forwardCount - fromHeld
        try withUnsafeBytes(of: heldBytes) { buffer throws(CardCryptoError) in
            try chain.absorb(UnsafeRawBufferPointer(rebasing: buffer[0..<fromHeld]))
        }
        try chain.absorb(UnsafeRawBufferPointer(rebasing: input[0..<fromInput]))
        // The new held block: what is left of the old one, then the rest of the input.
        var newHeld: UInt64 = 0
        let keptCount = heldCount - fromHeld
        withUnsafeMutableBytes(of: &newHeld) { buffer in
            withUnsafeBytes(of: heldBytes) { old in
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<keptCount])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: old[fromHeld..<heldCount]))
            }
            UnsafeMutableRawBufferPointer(rebasing: buffer[keptCount..<8])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: input[fromInput...]))
        }
        held = newHeld
        heldCount = 8
    }

    /// Returns the MAC of everything passed to ``update(_:)``.
    ///
    /// - Returns: The 8-byte MAC.
    /// - Throws: ``CardCryptoError/Code/invalidDataLength`` when the message is empty or not whole
    ///   8-byte blocks.
    public consuming func finalize() throws(CardCryptoError) -> [UInt8] {
        if let failure {
            throw failure
        }
        guard messageCount > 0, messageCount % 8 == 0 else {
            throw .invalidDataLength("the retail MAC takes padded, whole 8-byte blocks, not \(messageCount) bytes")
        }
        try chain.finish()
        let lastInput = bytes(of: held ^ chain.chainingValue)
        return try key.crypt(lastInput, mode: .ecb, encrypting: true, runtime: runtime)
    }

    /// Computes the MAC of a whole, already padded message in one call.
    ///
    /// - Parameters:
    ///   - data: The padded message: whole 8-byte blocks, at least one.
    ///   - key: A two-key or three-key triple-DES key.
    ///   - iv: 8 bytes.
    /// - Returns: The 8-byte MAC.
    /// - Throws: ``CardCryptoError/Code/invalidDataLength`` when `data` is empty or not whole blocks,
    ///   ``CardCryptoError/Code/unsupportedAlgorithm`` for a DES or AES key,
    ///   ``CardCryptoError/Code/invalidIVLength`` when `iv` is not 8 bytes.
    public static func authenticationCode(
        for data: some Sequence<UInt8>,
        using key: CardKey,
        iv: [UInt8]
    ) throws(CardCryptoError) -> [UInt8] {
        var mac = try RetailMAC(key: key, iv: iv)
        mac.update(data)
        return try mac.finalize()
    }
}
