public import CardCrypto
import Crypto

/// The key derivation function of ICAO Doc 9303 Part 11, section 9.7.1: `KDF(K, c)`.
///
/// The key data is a hash of the shared secret or key seed `K` followed by the 32-bit big-endian
/// counter `c`: SHA-1 for triple DES and AES-128, SHA-256 for AES-192 and AES-256. A triple-DES key
/// is the first 16 bytes (K_a ‖ K_b) with each byte's parity bit set for odd parity; an AES key is
/// the first 16, 24 or 32 bytes.
public enum ISOKeyDerivation {
    /// The counter `c` of the key derivation function: which key is derived.
    public struct Counter: Hashable, Sendable, CustomStringConvertible {
        /// The 32-bit value hashed after the seed.
        public let rawValue: UInt32

        /// Makes a counter from its value.
        ///
        /// - Parameter rawValue: The 32-bit counter value.
        public init(rawValue: UInt32) {
            self.rawValue = rawValue
        }

        /// `c = 1`: the encryption key K_ENC or KS_ENC.
        public static let encryption = Self(rawValue: 1)
        /// `c = 2`: the MAC key K_MAC or KS_MAC.
        public static let mac = Self(rawValue: 2)
        /// `c = 3`: the PACE password key K_π.
        public static let password = Self(rawValue: 3)

        /// The value in decimal.
        public var description: String { String(rawValue) }
    }

    /// Derives one key.
    ///
    /// - Parameters:
    ///   - seed: The key seed or shared secret `K`; any length. Secret: never log it.
    ///   - counter: Which key: ``Counter/encryption``, ``Counter/mac`` or ``Counter/password``.
    ///   - cipher: The cipher the key is for.
    ///   - keyLength: 16 for triple DES; 16, 24 or 32 for AES.
    /// - Returns: A two-key triple-DES key with odd parity, or an AES key.
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` for a key length the cipher does not have.
    public static func deriveKey(
        seed: [UInt8],
        counter: Counter,
        cipher: ISOSecureMessaging.Cipher,
        keyLength: Int = 16
    ) throws(SecureChannelError) -> CardKey {
        var input = seed
        withUnsafeBytes(of: counter.rawValue.bigEndian) { input.append(contentsOf: $0) }
        defer { wipe(&input) }
        switch cipher {
        case .tripleDES:
            guard keyLength == 16 else {
                throw .invalidArgument("ICAO key derivation makes 16-byte two-key triple-DES keys, not \(keyLength)")
            }
            var keyData = sha1(input)
            defer { wipe(&keyData) }
            var key = Array(keyData[0..<16])
            defer { wipe(&key) }
            for index in key.indices {
                key[index] = withOddParity(key[index])
            }
            return try Primitives.key(.tripleDES, bytes: key)
        case .aes:
            var keyData: [UInt8]
            switch keyLength {
            case 16:
                keyData = sha1(input)
            case 24, 32:
                keyData = sha256(input)
            default:
                throw .invalidArgument("ICAO key derivation makes AES keys of 16, 24 or 32 bytes, not \(keyLength)")
            }
            defer { wipe(&keyData) }
            var key = Array(keyData[0..<keyLength])
            defer { wipe(&key) }
            return try Primitives.key(.aes, bytes: key)
        }
    }

    /// The byte with its lowest bit set so that it has an odd number of one bits (DES parity).
    static func withOddParity(_ byte: UInt8) -> UInt8 {
        let highBits = byte & 0xFE
        return highBits.nonzeroBitCount % 2 == 0 ? highBits | 1 : highBits
    }

    /// SHA-1 of `bytes` (20 bytes).
    static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        Array(Insecure.SHA1.hash(data: bytes))
    }

    /// SHA-256 of `bytes` (32 bytes).
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// Overwrites secret intermediate bytes before the array is released.
    static func wipe(_ bytes: inout [UInt8]) {
        for index in bytes.indices {
            bytes[index] = 0
        }
    }
}
