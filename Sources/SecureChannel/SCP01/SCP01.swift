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
