import CardCrypto

/// SCP01 key derivation and cryptograms (GlobalPlatform 2.1.1 appendix D).
enum SCP01 {
    /// The options this module implements: `05`, and `15` with ICV encryption.
    static let supportedOptions: Set<UInt8> = [0x05, 0x15]

    /// The security levels SCP01 defines: none, C-MAC, C-DECRYPTION and C-MAC.
    static let supportedLevels: Set<UInt8> = [0x00, 0x01, 0x03]

    /// S-ENC and S-MAC from derivation data `card[4..7] host[0..3] card[0..3] host[4..7]`, 3DES-ECB.
    ///
    /// The DEK is used as it is (SCP01 has no session DEK).
    static func sessionKeys(
        _ keys: StaticKeys,
        hostChallenge host: [UInt8],
        cardChallenge card: [UInt8]
    ) throws(SecureChannelError) -> SessionKeys {
        let derivation = Array(card[4..<8]) + Array(host[0..<4]) + Array(card[0..<4]) + Array(host[4..<8])
        let enc = try Primitives.key(.tripleDES, bytes: try Primitives.encryptECB(derivation, key: keys.enc))
        let mac = try Primitives.key(.tripleDES, bytes: try Primitives.encryptECB(derivation, key: keys.mac))
        return SessionKeys(enc: enc, mac: mac, rmac: nil, dek: keys.dek)
    }

    /// The card cryptogram: full triple-DES MAC with S-ENC over `host ‖ card`.
    static func cardCryptogram(
        _ keys: SessionKeys,
        hostChallenge: [UInt8],
        cardChallenge: [UInt8]
    ) throws(SecureChannelError) -> [UInt8] {
        try Primitives.fullTripleDESMAC(hostChallenge + cardChallenge, key: keys.enc)
    }

    /// The host cryptogram: full triple-DES MAC with S-ENC over `card ‖ host`.
    static func hostCryptogram(
        _ keys: SessionKeys,
        hostChallenge: [UInt8],
        cardChallenge: [UInt8]
    ) throws(SecureChannelError) -> [UInt8] {
        try Primitives.fullTripleDESMAC(cardChallenge + hostChallenge, key: keys.enc)
    }
}

// The command protection both sides compute: the host when it wraps, the card when it unwraps.
extension SCP01 {
    /// The C-MAC: full triple-DES MAC with S-MAC over `pad80(CLA|04 INS P1 P2 Lc+8 data)`.
    ///
    /// - Parameters:
    ///   - message: The secured header (with the plain data length plus 8 as Lc) followed by the plain data.
    ///   - keys: The session keys.
    ///   - previousMAC: The last C-MAC, or `nil` for EXTERNAL AUTHENTICATE, whose ICV is zero.
    ///   - encryptsICV: Whether the option (i=15) encrypts the ICV with triple-DES ECB under S-MAC.
    /// - Returns: The 8-byte C-MAC, which is also the next command's chaining value.
    /// - Throws: ``SecureChannelError/Code/cryptographyFailure`` when the cryptographic layer fails.
    static func commandMAC(
        _ message: [UInt8],
        keys: SessionKeys,
        previousMAC: [UInt8]?,
        encryptsICV: Bool
    ) throws(SecureChannelError) -> [UInt8] {
        var icv = Primitives.zeros(8)
        if let previousMAC {
            icv = encryptsICV ? try Primitives.encryptECB(previousMAC, key: keys.mac) : previousMAC
        }
        return try Primitives.fullTripleDESMAC(message, key: keys.mac, iv: icv)
    }

    /// C-DECRYPTION: triple-DES CBC under S-ENC from a zero IV over `Lc ‖ data`, padded only when not whole blocks.
    static func encryptCommandData(_ data: [UInt8], keys: SessionKeys) throws(SecureChannelError) -> [UInt8] {
        var plain = [UInt8(data.count)] + data
        if plain.count % 8 != 0 {
            Padding.appendISO9797Method2(to: &plain, blockSize: 8)
        }
        return try Primitives.encryptCBC(plain, key: keys.enc)
    }

    /// Reverses ``encryptCommandData(_:keys:)``.
    ///
    /// - Returns: The plain data, or `nil` when the decrypted block does not hold a length byte and
    ///   data followed by exactly the padding ``encryptCommandData(_:keys:)`` adds. The caller reports
    ///   that as a MAC failure, after computing a MAC anyway, so that nothing tells padding errors apart.
    static func decryptCommandData(_ body: [UInt8], keys: SessionKeys) throws(SecureChannelError) -> [UInt8]? {
        guard !body.isEmpty, body.count % 8 == 0 else {
            return nil
        }
        let plain = try Primitives.decryptCBC(body, key: keys.enc, iv: Primitives.zeros(8))
        let length = Int(plain[0])
        let end = 1 + length
        guard end <= plain.count else {
            return nil
        }
        let expectedCount = end % 8 == 0 ? end : end + 8 - end % 8
        var paddingIsValid = expectedCount == plain.count
        if paddingIsValid && end < plain.count {
            paddingIsValid = plain[end] == 0x80 && plain[(end + 1)...].allSatisfy { $0 == 0 }
        }
        return paddingIsValid ? Array(plain[1..<end]) : nil
    }
}
