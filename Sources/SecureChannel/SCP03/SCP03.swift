public import APDUTypes
public import CardCrypto

/// SCP03 key derivation, cryptograms and the pseudo-random card challenge (GlobalPlatform Amendment D).
///
/// The implementation option "i" (Amendment D table 5-1): bit `01` S16 mode (16-byte challenges,
/// cryptograms and MACs), `10` pseudo-random card challenge (and a 3-byte sequence counter in the
/// INITIALIZE UPDATE response), `20` R-MAC support, `40` R-ENCRYPTION support.
public enum SCP03 {
    static let s16Bit: UInt8 = 0x01
    static let pseudoRandomChallengeBit: UInt8 = 0x10
    static let responseMACBit: UInt8 = 0x20
    static let responseEncryptionBit: UInt8 = 0x40
    static let reservedOptionBits: UInt8 = 0x8E

    /// The security levels SCP03 defines (Amendment D table 5-3).
    static let supportedLevels: Set<UInt8> = [0x00, 0x01, 0x03, 0x11, 0x13, 0x33]

    /// Derivation constants (Amendment D table 6-1).
    enum Constant {
        static let cardCryptogram: UInt8 = 0x00
        static let hostCryptogram: UInt8 = 0x01
        static let cardChallenge: UInt8 = 0x02
        static let encryption: UInt8 = 0x04
        static let commandMAC: UInt8 = 0x06
        static let responseMAC: UInt8 = 0x07
    }

    /// The challenge, cryptogram and MAC length for an option: 16 in S16 mode, else 8.
    static func challengeLength(option: UInt8) -> Int {
        option & s16Bit != 0 ? 16 : 8
    }

    /// The INITIALIZE UPDATE response length for an option: 29, 32, 45 or 48 bytes.
    static func responseLength(option: UInt8) -> Int {
        13 + 2 * challengeLength(option: option) + (option & pseudoRandomChallengeBit != 0 ? 3 : 0)
    }

    /// Computes the card challenge that a card with option bit `10` sends: `KDF(ENC, 02, L, counter ‖ AID)`.
    ///
    /// A server that prepares a session ahead of time uses it to predict the card challenge from the
    /// sequence counter; note that the card increments its counter before INITIALIZE UPDATE, so the
    /// counter read with GET DATA `C1` is one less than the one the card uses.
    ///
    /// - Parameters:
    ///   - staticENC: The static (possibly diversified) ENC key.
    ///   - sequenceCounter: The 3-byte sequence counter the card will report.
    ///   - aid: The AID of the security domain that runs INITIALIZE UPDATE.
    ///   - length: 8 bytes in S8 mode, 16 in S16 mode.
    /// - Returns: The card challenge.
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` when the counter is not 3 bytes or the length
    ///   not 8 or 16, ``SecureChannelError/Code/cryptographyFailure`` for a non-AES key.
    public static func pseudoRandomCardChallenge(
        staticENC: CardKey,
        sequenceCounter: [UInt8],
        aid: ApplicationIdentifier,
        length: Int = 8
    ) throws(SecureChannelError) -> [UInt8] {
        guard sequenceCounter.count == 3 else {
            throw .invalidArgument("an SCP03 sequence counter is 3 bytes, not \(sequenceCounter.count)")
        }
        guard length == 8 || length == 16 else {
            throw .invalidArgument("an SCP03 card challenge is 8 or 16 bytes, not \(length)")
        }
        return try Primitives.scp03KDF(
            key: staticENC,
            constant: Constant.cardChallenge,
            context: sequenceCounter + aid.bytes,
            lengthInBits: length * 8
        )
    }

    /// S-ENC, S-MAC and S-RMAC from the context `host challenge ‖ card challenge`; the DEK is static.
    static func sessionKeys(
        _ keys: StaticKeys,
        hostChallenge: [UInt8],
        cardChallenge: [UInt8]
    ) throws(SecureChannelError) -> SessionKeys {
        let context = hostChallenge + cardChallenge
        return SessionKeys(
            enc: try Primitives.scp03DeriveKey(from: keys.enc, constant: Constant.encryption, context: context),
            mac: try Primitives.scp03DeriveKey(from: keys.mac, constant: Constant.commandMAC, context: context),
            rmac: try Primitives.scp03DeriveKey(from: keys.mac, constant: Constant.responseMAC, context: context),
            dek: keys.dek
        )
    }

    /// A card (`00`) or host (`01`) cryptogram: `KDF(S-MAC, constant, L, host ‖ card)`.
    static func cryptogram(
        _ keys: SessionKeys,
        constant: UInt8,
        hostChallenge: [UInt8],
        cardChallenge: [UInt8]
    ) throws(SecureChannelError) -> [UInt8] {
        try Primitives.scp03KDF(
            key: keys.mac,
            constant: constant,
            context: hostChallenge + cardChallenge,
            lengthInBits: cardChallenge.count * 8
        )
    }
}
