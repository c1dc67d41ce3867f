public import CardCrypto

extension ISOSecureMessaging {
    /// An encryption key and a MAC key of one cipher: session keys KS_ENC and KS_MAC, or the static
    /// keys K_ENC and K_MAC that mutual authentication uses.
    ///
    /// Triple-DES keys are two-key (16 bytes), as ICAO Doc 9303 Part 11 uses them; AES keys are both
    /// 16, 24 or 32 bytes. The description and the mirror never show key bytes.
    public struct Keys: Hashable, Sendable, CustomStringConvertible, CustomReflectable {
        /// The encryption key (K_ENC or KS_ENC).
        public let encryption: CardKey
        /// The MAC key (K_MAC or KS_MAC).
        public let mac: CardKey

        /// Pairs an encryption key with a MAC key.
        ///
        /// - Parameters:
        ///   - encryption: K_ENC or KS_ENC.
        ///   - mac: K_MAC or KS_MAC, of the same algorithm and length.
        /// - Throws: ``SecureChannelError/Code/invalidKeys`` for single DES, three-key triple DES, or
        ///   keys of different algorithms or lengths.
        public init(encryption: CardKey, mac: CardKey) throws(SecureChannelError) {
            switch (encryption.algorithm, mac.algorithm) {
            case (.tripleDES, .tripleDES):
                guard encryption.byteCount == 16, mac.byteCount == 16 else {
                    throw .invalidKeys(
                        "ISO secure messaging uses two-key triple DES (16 bytes), not \(encryption.name) "
                            + "and \(mac.name)"
                    )
                }
            case (.aes, .aes):
                guard encryption.byteCount == mac.byteCount else {
                    throw .invalidKeys(
                        "the encryption key is \(encryption.name) but the MAC key is \(mac.name); "
                            + "ISO secure messaging uses one key length"
                    )
                }
            default:
                throw .invalidKeys(
                    "ISO secure messaging needs two triple-DES keys or two AES keys, not \(encryption.name) "
                        + "and \(mac.name)"
                )
            }
            self.encryption = encryption
            self.mac = mac
        }

        /// Derives an encryption key and a MAC key from a key seed with counters 1 and 2 (ICAO Doc 9303
        /// Part 11, section 9.7.1).
        ///
        /// - Parameters:
        ///   - seed: The key seed: K_seed of Basic Access Control, K.IFD ⊕ K.IC after mutual
        ///     authentication, or a shared secret. Secret: never log it.
        ///   - cipher: The cipher the keys are for.
        ///   - keyLength: 16 for triple DES; 16, 24 or 32 for AES.
        /// - Returns: The derived keys.
        /// - Throws: ``SecureChannelError/Code/invalidArgument`` for a key length the cipher does not have.
        public static func derive(
            fromSeed seed: [UInt8],
            cipher: Cipher,
            keyLength: Int = 16
        ) throws(SecureChannelError) -> Keys {
            try Keys(
                encryption: ISOKeyDerivation.deriveKey(
                    seed: seed,
                    counter: .encryption,
                    cipher: cipher,
                    keyLength: keyLength
                ),
                mac: ISOKeyDerivation.deriveKey(seed: seed, counter: .mac, cipher: cipher, keyLength: keyLength)
            )
        }

        /// The cipher both keys are for.
        public var cipher: Cipher {
            encryption.algorithm == .aes ? .aes : .tripleDES
        }

        /// The algorithm and the key check values, such as `Keys(AES-128, KCV ENC 1A2B3C MAC 4D5E6F)`.
        public var description: String {
            "Keys(\(encryption.name), KCV ENC \(Self.checkValueText(encryption)) MAC \(Self.checkValueText(mac)))"
        }

        /// A mirror without the keys, so `dump` and debuggers do not reach key storage.
        public var customMirror: Mirror {
            Mirror(self, children: ["algorithm": encryption.name], displayStyle: .struct)
        }

        private static func checkValueText(_ key: CardKey) -> String {
            Primitives.checkValue(of: key).map { HexText.bytes($0) } ?? "??????"
        }
    }
}
