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

// The command and response protection both sides compute: the host when it wraps commands and
// checks responses, the card when it unwraps commands and secures responses.
extension SCP03 {
    /// The full 16-byte C-MAC `CMAC(S-MAC, chain ‖ header ‖ body)`; it becomes the next chain, and its
    /// first 8 (S8) or 16 (S16) bytes are sent.
    ///
    /// - Parameters:
    ///   - chain: The MAC chaining value: 16 zero bytes for EXTERNAL AUTHENTICATE, then the last full C-MAC.
    ///   - header: `CLA|04 INS P1 P2 Lc'`, Lc' counting the (encrypted) data and the MAC.
    ///   - body: The data field as sent, encrypted when C-DECRYPTION is on, without the MAC.
    ///   - keys: The session keys.
    /// - Returns: The full 16-byte CMAC.
    /// - Throws: ``SecureChannelError/Code/cryptographyFailure`` when the cryptographic layer fails.
    static func commandMAC(
        chain: [UInt8],
        header: [UInt8],
        body: [UInt8],
        keys: SessionKeys
    ) throws(SecureChannelError) -> [UInt8] {
        try Primitives.cmac(chain, header, body, key: keys.mac)
    }

    /// The full 16-byte R-MAC `CMAC(S-RMAC, chain ‖ response body ‖ SW)`, chained on the last full C-MAC.
    static func responseMAC(
        chain: [UInt8],
        body: [UInt8],
        statusWord: StatusWord,
        keys: SessionKeys
    ) throws(SecureChannelError) -> [UInt8] {
        guard let rmacKey = keys.rmac else {
            throw .invalidState("SCP03 session keys lack S-RMAC")
        }
        return try Primitives.cmac(chain, body, [statusWord.sw1, statusWord.sw2], key: rmacKey)
    }

    /// Whether a response with this status word carries an R-MAC (and R-ENCRYPTION): only `9000`,
    /// `62xx` and `63xx` do (Amendment D 6.2.5).
    static func protectsResponse(statusWord: StatusWord) -> Bool {
        statusWord.rawValue == 0x9000 || statusWord.sw1 == 0x62 || statusWord.sw1 == 0x63
    }

    /// The C-DECRYPTION IV: `AES-ECB(S-ENC, counter)`, the counter as a 16-byte big-endian block.
    static func commandIV(counter: UInt64, keys: SessionKeys) throws(SecureChannelError) -> [UInt8] {
        try Primitives.encryptECB(counterBlock(counter), key: keys.enc)
    }

    /// The R-ENCRYPTION IV: `AES-ECB(S-ENC, 80 ‖ counter[1...])`.
    static func responseIV(counter: UInt64, keys: SessionKeys) throws(SecureChannelError) -> [UInt8] {
        var block = counterBlock(counter)
        block[0] = 0x80
        return try Primitives.encryptECB(block, key: keys.enc)
    }

    /// The counter as a 16-byte big-endian block.
    static func counterBlock(_ counter: UInt64) -> [UInt8] {
        var block = Primitives.zeros(16)
        for index in 0..<8 {
            block[15 - index] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(index)))
        }
        return block
    }
}
