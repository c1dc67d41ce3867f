import CardCrypto

/// SCP02 key derivation, cryptograms and options (GlobalPlatform Card Specification 2.3.1 appendix E).
enum SCP02 {
    /// The bits of "i" (table E-1): `01` three keys, `02` C-MAC on the unmodified APDU, `04` explicit
    /// initiation, `08` ICV = MAC over the AID, `10` ICV encryption, `20` R-MAC, `40` unspecified
    /// card challenge generation.
    struct Option: Hashable, Sendable {
        let rawValue: UInt8

        var usesThreeKeys: Bool { rawValue & 0x01 != 0 }
        var macsUnmodifiedAPDU: Bool { rawValue & 0x02 != 0 }
        var isExplicit: Bool { rawValue & 0x04 != 0 }
        var encryptsICV: Bool { rawValue & 0x10 != 0 }
        var supportsResponseMAC: Bool { rawValue & 0x20 != 0 }

        /// Whether this module implements the option: explicit initiation with a zero ICV on the
        /// modified APDU (`04`, `05`, `15`, `45`, `55`, `75`, ...), or implicit initiation with the
        /// ICV computed over the AID on the unmodified APDU (`0A`, `0B`, `1A`, `1B`, ...).
        var isSupported: Bool {
            guard rawValue & 0x80 == 0 else {
                return false
            }
            return rawValue & 0x0E == 0x04 || rawValue & 0x0E == 0x0A
        }
    }

    /// The security levels SCP02 defines (table E-5).
    static let supportedLevels: Set<UInt8> = [0x00, 0x01, 0x03, 0x11, 0x13]

    /// Derivation constants (E.4.1): C-MAC `0101`, R-MAC `0102`, DEK `0181`, ENC `0182`.
    enum Constant {
        static let commandMAC: [UInt8] = [0x01, 0x01]
        static let responseMAC: [UInt8] = [0x01, 0x02]
        static let dataEncryption: [UInt8] = [0x01, 0x81]
        static let encryption: [UInt8] = [0x01, 0x82]
    }

    /// The four session keys: triple-DES CBC from a zero IV over `constant ‖ sequence counter ‖ 00 × 12`.
    ///
    /// With option bit `01` clear (one base key) all four come from the ENC key.
    static func sessionKeys(
        _ keys: StaticKeys,
        sequenceCounter: [UInt8],
        option: Option
    ) throws(SecureChannelError) -> SessionKeys {
        func derive(_ key: CardKey, _ constant: [UInt8]) throws(SecureChannelError) -> CardKey {
            let block = constant + sequenceCounter + Primitives.zeros(12)
            return try Primitives.key(.tripleDES, bytes: try Primitives.encryptCBC(block, key: key))
        }
        let macBase = option.usesThreeKeys ? keys.mac : keys.enc
        let dekBase = option.usesThreeKeys ? keys.dek : keys.enc
        return SessionKeys(
            enc: try derive(keys.enc, Constant.encryption),
            mac: try derive(macBase, Constant.commandMAC),
            rmac: try derive(macBase, Constant.responseMAC),
            dek: try derive(dekBase, Constant.dataEncryption)
        )
    }

    /// The card cryptogram: full triple-DES MAC with S-ENC over `host ‖ sequence counter ‖ card challenge`.
    static func cardCryptogram(
        _ keys: SessionKeys,
        hostChallenge: [UInt8],
        sequenceCounter: [UInt8],
        cardChallenge: [UInt8]
    ) throws(SecureChannelError) -> [UInt8] {
        try Primitives.fullTripleDESMAC(hostChallenge + sequenceCounter + cardChallenge, key: keys.enc)
    }

    /// The host cryptogram: full triple-DES MAC with S-ENC over `sequence counter ‖ card challenge ‖ host`.
    static func hostCryptogram(
        _ keys: SessionKeys,
        hostChallenge: [UInt8],
        sequenceCounter: [UInt8],
        cardChallenge: [UInt8]
    ) throws(SecureChannelError) -> [UInt8] {
        try Primitives.fullTripleDESMAC(sequenceCounter + cardChallenge + hostChallenge, key: keys.enc)
    }
}
