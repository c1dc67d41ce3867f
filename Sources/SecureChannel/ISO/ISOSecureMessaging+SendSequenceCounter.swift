extension ISOSecureMessaging {
    /// The send sequence counter (SSC): an unsigned big-endian number as long as the cipher's block.
    ///
    /// Both sides increment it before each command and before each response (ICAO Doc 9303 Part 11,
    /// section 9.8.2), and every checksum covers it, so a dropped, replayed or reordered message does
    /// not verify. Basic Access Control starts it at the low four bytes of RND.IC followed by the low
    /// four bytes of RND.IFD; PACE and Chip Authentication start it at zero. It is not secret.
    public struct SendSequenceCounter: Hashable, Sendable, CustomStringConvertible {
        /// The counter's bytes, most significant first: 8 for triple DES, 16 for AES.
        public private(set) var bytes: [UInt8]

        /// Makes a counter from its bytes.
        ///
        /// - Parameter bytes: 8 bytes for triple DES or 16 for AES, most significant first.
        /// - Throws: ``SecureChannelError/Code/invalidArgument`` for any other length.
        public init(bytes: [UInt8]) throws(SecureChannelError) {
            guard bytes.count == 8 || bytes.count == 16 else {
                throw .invalidArgument(
                    "a send sequence counter is 8 bytes (triple DES) or 16 bytes (AES), not \(bytes.count)"
                )
            }
            self.bytes = bytes
        }

        /// The counter at zero, as PACE and Chip Authentication start it.
        ///
        /// - Parameter cipher: The session's cipher, which sets the length.
        /// - Returns: A counter of the cipher's block size, all zero.
        public static func zero(for cipher: Cipher) -> Self {
            Self(uncheckedBytes: [UInt8](repeating: 0, count: cipher.blockSize))
        }

        /// The counter that follows this one; after all `FF` bytes it wraps to zero.
        public func incremented() -> Self {
            var next = self
            next.increment()
            return next
        }

        /// Adds one to the counter, wrapping to zero after all `FF` bytes.
        public mutating func increment() {
            for index in bytes.indices.reversed() {
                bytes[index] &+= 1
                if bytes[index] != 0 {
                    return
                }
            }
        }

        /// The counter in upper-case hex, such as `887022120C06C227`.
        public var description: String { HexText.bytes(bytes) }

        /// Makes a counter from bytes known to have a valid length.
        init(uncheckedBytes: [UInt8]) {
            self.bytes = uncheckedBytes
        }

        /// Checks that the counter fits `cipher`.
        func check(for cipher: Cipher) throws(SecureChannelError) {
            guard bytes.count == cipher.blockSize else {
                throw .invalidArgument(
                    "a \(cipher) session uses a \(cipher.blockSize)-byte send sequence counter, "
                        + "not \(bytes.count) bytes"
                )
            }
        }
    }
}
