import COpenSSL

/// A symmetric key for a smart card's secure channel: single DES, triple DES or AES.
///
/// The bytes live in memory of their own that is wiped when the last copy of the key goes away, and
/// they are never printed: ``description`` names only the algorithm and ``debugDescription`` adds the
/// key check value. Read them only through ``withUnsafeKeyBytes(_:)`` or ``revealedKeyBytes``, whose
/// names make every such use easy to find in review. Equality compares the bytes in constant time.
public struct CardKey: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The block cipher a ``CardKey`` is for.
    public enum Algorithm: Hashable, Sendable, CustomStringConvertible {
        /// Single DES (FIPS 46-3): 8 key bytes, parity bits ignored.
        case des
        /// Triple DES, encrypt-decrypt-encrypt (NIST SP 800-67): 16 bytes for two keys (K1 K2 K1) or 24 for three.
        case tripleDES
        /// AES (FIPS 197): 16, 24 or 32 bytes.
        case aes

        /// The key lengths in bytes that the algorithm allows.
        public var keyLengths: [Int] {
            switch self {
            case .des: [8]
            case .tripleDES: [16, 24]
            case .aes: [16, 24, 32]
            }
        }

        /// The cipher's block size in bytes: 8 for DES and triple DES, 16 for AES.
        public var blockSize: Int {
            switch self {
            case .des, .tripleDES: 8
            case .aes: 16
            }
        }

        /// The algorithm's name: `DES`, `3DES` or `AES`.
        public var description: String {
            switch self {
            case .des: "DES"
            case .tripleDES: "3DES"
            case .aes: "AES"
            }
        }
    }

    /// The block cipher the key is for.
    public let algorithm: Algorithm

    private let storage: KeyStorage

    /// Makes a key from its bytes, checking their number against the algorithm.
    ///
    /// The bytes are copied; the caller remains responsible for its own copy.
    ///
    /// - Parameters:
    ///   - algorithm: The block cipher the key is for.
    ///   - bytes: 8 bytes for DES, 16 or 24 for triple DES, 16, 24 or 32 for AES. DES parity bits are ignored.
    /// - Throws: ``CardCryptoError/Code/invalidKeyLength`` for any other number of bytes.
    public init(_ algorithm: Algorithm, bytes: some Collection<UInt8>) throws(CardCryptoError) {
        let count = bytes.count
        guard algorithm.keyLengths.contains(count) else {
            throw .invalidKeyLength("\(algorithm) keys are \(algorithm.keyLengthsText) bytes long, not \(count)")
        }
        self.algorithm = algorithm
        self.storage = KeyStorage(copying: bytes)
    }

    /// The key length in bytes.
    public var byteCount: Int { storage.bytes.count }

    /// The cipher's block size in bytes: 8 for DES and triple DES, 16 for AES.
    public var blockSize: Int { algorithm.blockSize }

    /// The key's name without its bytes, such as `AES-128`, `2-key 3DES` or `DES`.
    public var name: String {
        switch algorithm {
        case .des: "DES"
        case .tripleDES: byteCount == 16 ? "2-key 3DES" : "3-key 3DES"
        case .aes: "AES-\(byteCount * 8)"
        }
    }

    /// The key's name, such as `AES-128 key`, never its bytes.
    public var description: String { "\(name) key" }

    /// The key's name and key check value, such as `CardKey(AES-128, KCV 1A2B3C)`, never its bytes.
    public var debugDescription: String {
        guard let checkValue = try? checkValue else {
            return "CardKey(\(name))"
        }
        return "CardKey(\(name), KCV \(HexFormatting.string(checkValue)))"
    }

    /// A mirror with the algorithm only, so `dump` and debuggers do not reach the key storage.
    public var customMirror: Mirror {
        Mirror(self, children: ["algorithm": algorithm, "byteCount": byteCount], displayStyle: .struct)
    }

    /// Calls `body` with the key bytes.
    ///
    /// The pointer is valid only inside `body`; do not copy the bytes out unless you have to, and
    /// never log them.
    ///
    /// - Parameter body: A closure that reads the key bytes.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public func withUnsafeKeyBytes<Result: ~Copyable, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withBytes(body)
    }

    /// A copy of the key bytes, for the rare code that must hand a key on, such as encrypting it for PUT KEY.
    ///
    /// The array is an ordinary one: it is not wiped, and it prints its bytes. Prefer
    /// ``withUnsafeKeyBytes(_:)``, or an operation of ``CardKey`` itself.
    public var revealedKeyBytes: [UInt8] {
        storage.withBytes { Array($0) }
    }

    /// The first 8 bytes of a triple-DES key as a single-DES key, or a single-DES key itself.
    ///
    /// SCP02 encrypts its MAC chaining value with single DES under the first half of S-MAC.
    ///
    /// - Returns: A ``Algorithm/des`` key.
    /// - Throws: ``CardCryptoError/Code/unsupportedAlgorithm`` for an AES key.
    public func firstDESKey() throws(CardCryptoError) -> CardKey {
        switch algorithm {
        case .des:
            return self
        case .tripleDES:
            return try storage.withBytes { bytes throws(CardCryptoError) in
                try CardKey(.des, bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<8]))
            }
        case .aes:
            throw .unsupportedAlgorithm("an AES key has no single-DES half")
        }
    }

    /// Compares the algorithms and then the bytes in constant time (the time depends on the length only).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.algorithm == rhs.algorithm, lhs.byteCount == rhs.byteCount else {
            return false
        }
        if lhs.storage === rhs.storage {
            return true
        }
        return lhs.storage.withBytes { left in
            rhs.storage.withBytes { right in
                CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
            }
        }
    }

    /// Hashes the algorithm and the bytes with the process's seeded hasher.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(algorithm)
        storage.withBytes { hasher.combine(bytes: $0) }
    }
}

/// Key bytes in memory of their own, wiped with `OPENSSL_cleanse` and freed on deinit.
///
/// Immutable after initialization, so sharing between threads is safe.
final class KeyStorage: @unchecked Sendable {
    /// The key bytes; written only by the initializer.
    let bytes: UnsafeMutableRawBufferPointer

    init(copying source: some Collection<UInt8>) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 16)
        bytes.copyBytes(from: source)
    }

    deinit {
        OPENSSL_cleanse(bytes.baseAddress, bytes.count)
        bytes.deallocate()
    }

    /// Calls `body` with the bytes while this storage is certainly alive.
    func withBytes<Result: ~Copyable, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(bytes))
    }
}

extension CardKey.Algorithm {
    /// The allowed key lengths for messages, such as `16, 24 or 32`.
    fileprivate var keyLengthsText: String {
        switch self {
        case .des: "8"
        case .tripleDES: "16 or 24"
        case .aes: "16, 24 or 32"
        }
    }
}
