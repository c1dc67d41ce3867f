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

// The command and response protection both sides compute: the host when it wraps commands and
// checks responses, the card when it unwraps commands and secures responses.
extension SCP02 {
    /// The ICV of the next C-MAC: zero for EXTERNAL AUTHENTICATE, else the previous C-MAC, encrypted
    /// with single DES under the first half of S-MAC when the option has bit `10`.
    ///
    /// - Parameters:
    ///   - previousMAC: The last C-MAC (or the implicit session's initial value), `nil` for EXTERNAL AUTHENTICATE.
    ///   - keys: The session keys.
    ///   - option: The option "i".
    /// - Returns: The 8-byte ICV.
    /// - Throws: ``SecureChannelError/Code/cryptographyFailure`` when the cryptographic layer fails.
    static func commandICV(
        previousMAC: [UInt8]?,
        keys: SessionKeys,
        option: Option
    ) throws(SecureChannelError) -> [UInt8] {
        guard let previousMAC else {
            return Primitives.zeros(8)
        }
        guard option.encryptsICV else {
            return previousMAC
        }
        let firstHalf = try Primitives.run { () throws(CardCryptoError) in try keys.mac.firstDESKey() }
        return try Primitives.encryptECB(previousMAC, key: firstHalf)
    }

    /// The bytes the C-MAC covers: `CLA|04 INS P1 P2 Lc+8 data`, or the unmodified `CLA INS P1 P2 Lc data`
    /// for options with bit `02` (implicit initiation).
    ///
    /// The class byte may come with or without secure messaging indication; `data` is the plain data field.
    static func commandMACInput(
        cla: UInt8,
        ins: UInt8,
        p1: UInt8,
        p2: UInt8,
        data: [UInt8],
        option: Option
    ) -> [UInt8] {
        let header =
            option.macsUnmodifiedAPDU
            ? [CommandFraming.plainCLA(cla), ins, p1, p2, UInt8(data.count)]
            : [CommandFraming.securedCLA(cla), ins, p1, p2, UInt8(data.count + 8)]
        return header + data
    }

    /// The C-MAC: retail MAC with S-MAC over `pad80(input)` from `icv`.
    static func commandMAC(_ input: [UInt8], keys: SessionKeys, icv: [UInt8]) throws(SecureChannelError) -> [UInt8] {
        try Primitives.retailMAC(input, key: keys.mac, iv: icv)
    }

    /// The plain command an R-MAC covers: `CLA INS P1 P2 Lc data` without secure messaging indication.
    static func plainCommand(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8]) -> [UInt8] {
        [CommandFraming.plainCLA(cla), ins, p1, p2, UInt8(data.count)] + data
    }

    /// The R-MAC: retail MAC with S-RMAC over `pad80(plain command ‖ Lr ‖ response data ‖ SW)` from `icv`.
    static func responseMAC(
        plainCommand: [UInt8],
        responseData: [UInt8],
        statusWord: [UInt8],
        keys: SessionKeys,
        icv: [UInt8]
    ) throws(SecureChannelError) -> [UInt8] {
        guard let rmacKey = keys.rmac else {
            throw .invalidState("SCP02 session keys lack S-RMAC")
        }
        return try Primitives.retailMAC(
            plainCommand + [UInt8(truncatingIfNeeded: responseData.count)] + responseData + statusWord,
            key: rmacKey,
            iv: icv
        )
    }

    /// The first chaining value of an implicitly initiated session: retail MAC of `pad80(AID)` under S-MAC.
    static func implicitInitialMAC(aid: [UInt8], keys: SessionKeys) throws(SecureChannelError) -> [UInt8] {
        try Primitives.retailMAC(aid, key: keys.mac)
    }

    /// C-DECRYPTION: triple-DES CBC under S-ENC from a zero IV over `pad80(data)`, always padded.
    static func encryptCommandData(_ data: [UInt8], keys: SessionKeys) throws(SecureChannelError) -> [UInt8] {
        try Primitives.encryptCBC(Padding.iso9797Method2(data, blockSize: 8), key: keys.enc)
    }

    /// Reverses ``encryptCommandData(_:keys:)``.
    ///
    /// - Returns: The plain data, or `nil` when the body is not whole blocks or its last block does not
    ///   end with the padding. The caller reports that as a MAC failure, after computing a MAC anyway.
    static func decryptCommandData(_ body: [UInt8], keys: SessionKeys) throws(SecureChannelError) -> [UInt8]? {
        guard !body.isEmpty, body.count % 8 == 0 else {
            return nil
        }
        let padded = try Primitives.decryptCBC(body, key: keys.enc, iv: Primitives.zeros(8))
        return try? Padding.removeISO9797Method2(padded, blockSize: 8)
    }
}
