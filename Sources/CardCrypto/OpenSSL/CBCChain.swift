/// A CBC encryption whose only output kept is the last ciphertext block: the core of a CBC-MAC.
///
/// Input may come in pieces of any length; the context keeps partial blocks until they are whole.
struct CBCChain: ~Copyable {
    /// Input is encrypted through a stack buffer of this many bytes (plus one block) at a time.
    private static let chunk = 512

    private var context: CipherContext
    /// The last ciphertext block, or the IV before the first whole block.
    private var lastBlock: UInt64

    /// Keys a CBC encryption.
    ///
    /// - Parameters:
    ///   - cipher: A fetched 8-byte-block CBC cipher (DES or triple DES).
    ///   - key: The cipher's key bytes.
    ///   - iv: 8 bytes.
    /// - Throws: ``CardCryptoError/Code/openSSLFailure`` when OpenSSL cannot make the context.
    init(cipher: OpaquePointer, key: UnsafeRawBufferPointer, iv: [UInt8]) throws(CardCryptoError) {
        context = try CipherContext(cipher: cipher, key: key, iv: iv, encrypting: true)
        var block: UInt64 = 0
        withUnsafeMutableBytes(of: &block) { $0.copyBytes(from: iv) }
        lastBlock = block
    }

    /// The last ciphertext block, or the IV when no whole block was encrypted yet.
    var chainingValue: UInt64 { lastBlock }

    /// Encrypts the next bytes, keeping only the last whole ciphertext block.
    mutating func absorb(_ input: UnsafeRawBufferPointer) throws(CardCryptoError) {
        guard !input.isEmpty else {
            return
        }
        var block = lastBlock
        try withUnsafeTemporaryAllocation(byteCount: Self.chunk + 8, alignment: 8) { scratch throws(CardCryptoError) in
            var offset = 0
            while offset < input.count {
                let end = min(input.count, offset + Self.chunk)
                let written = try context.update(UnsafeRawBufferPointer(rebasing: input[offset..<end]), into: scratch)
                if written >= 8 {
                    withUnsafeMutableBytes(of: &block) { blockBytes in
                        blockBytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: scratch[(written - 8)..<written]))
                    }
                }
                offset = end
            }
        }
        lastBlock = block
    }

    /// Checks that no partial block is left.
    mutating func finish() throws(CardCryptoError) {
        try withUnsafeTemporaryAllocation(byteCount: 8, alignment: 8) { scratch throws(CardCryptoError) in
            try context.finish(into: scratch)
        }
    }
}

/// Bytes of the 8-byte value `value` in memory order.
func bytes(of value: UInt64) -> [UInt8] {
    withUnsafeBytes(of: value) { Array($0) }
}
