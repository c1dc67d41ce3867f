import CardCrypto

/// How a card's static keys are derived from issuer master keys and the card's key diversification data.
///
/// The key diversification data (KDD) is the first 10 bytes of the INITIALIZE UPDATE response.
/// Key number k is 1 for ENC, 2 for MAC and 3 for DEK.
///
/// - ``visa2`` and ``emvCPS11`` encrypt a 16-byte block with the triple-DES master key in ECB mode:
///   VISA2 uses `KDD[0..1] KDD[4..7] F0 k KDD[0..1] KDD[4..7] 0F k`, EMV CPS 1.1 uses
///   `KDD[4..9] F0 k KDD[4..9] 0F k`.
/// - ``kdf3`` (SCP03) is the counter-mode AES-CMAC KDF as GlobalPlatformPro implements it: block i
///   (from 1) is `CMAC(master, i ‖ 00 00 00 k 00 ‖ KDD)`, concatenated and cut to the master key's length.
public enum KeyDiversification: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// The static keys are the keys given; no derivation.
    case none
    /// VISA2 (triple DES), common on SCP01 and SCP02 cards.
    case visa2
    /// EMV Card Personalization Specification 1.1 (triple DES).
    case emvCPS11
    /// The SCP03 counter-mode AES-CMAC derivation (GlobalPlatformPro's `KDF3`).
    case kdf3

    /// The scheme's usual name, such as `VISA2` or `EMV CPS 1.1`.
    public var description: String {
        switch self {
        case .none: "none"
        case .visa2: "VISA2"
        case .emvCPS11: "EMV CPS 1.1"
        case .kdf3: "KDF3"
        }
    }

    /// Derives a card's static keys from master keys.
    ///
    /// The key version number is carried over unchanged.
    ///
    /// - Parameters:
    ///   - masterKeys: The issuer's master keys: triple DES for ``visa2`` and ``emvCPS11``, AES for ``kdf3``.
    ///   - keyDiversificationData: The 10-byte KDD from the card's INITIALIZE UPDATE response.
    /// - Returns: The card's static keys; `masterKeys` itself for ``none``.
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` when the KDD is not 10 bytes,
    ///   ``SecureChannelError/Code/invalidKeys`` when the master keys do not fit the scheme.
    public func diversify(
        _ masterKeys: StaticKeys,
        keyDiversificationData: [UInt8]
    ) throws(SecureChannelError) -> StaticKeys {
        if self == .none {
            return masterKeys
        }
        let kdd = keyDiversificationData
        guard kdd.count == 10 else {
            throw .invalidArgument("key diversification data is 10 bytes, not \(kdd.count)")
        }
        return StaticKeys(
            enc: try diversify(masterKeys.enc, keyNumber: 1, kdd: kdd),
            mac: try diversify(masterKeys.mac, keyNumber: 2, kdd: kdd),
            dek: try diversify(masterKeys.dek, keyNumber: 3, kdd: kdd),
            keyVersion: masterKeys.keyVersion
        )
    }

    private func diversify(_ master: CardKey, keyNumber k: UInt8, kdd: [UInt8]) throws(SecureChannelError) -> CardKey {
        switch self {
        case .none:
            return master
        case .visa2:
            let half = Array(kdd[0..<2]) + Array(kdd[4..<8])
            return try tripleDESDerivation(master, block: half + [0xF0, k] + half + [0x0F, k])
        case .emvCPS11:
            let half = Array(kdd[4..<10])
            return try tripleDESDerivation(master, block: half + [0xF0, k] + half + [0x0F, k])
        case .kdf3:
            guard master.algorithm == .aes else {
                throw .invalidKeys("KDF3 diversification needs AES master keys, not \(master.name)")
            }
            var output: [UInt8] = []
            var counter: UInt8 = 1
            while output.count < master.byteCount {
                output += try Primitives.cmac([counter, 0, 0, 0, k, 0], kdd, key: master)
                counter += 1
            }
            return try Primitives.key(.aes, bytes: Array(output.prefix(master.byteCount)))
        }
    }

    private func tripleDESDerivation(_ master: CardKey, block: [UInt8]) throws(SecureChannelError) -> CardKey {
        guard master.algorithm == .tripleDES, master.byteCount == 16 else {
            throw .invalidKeys("\(self) diversification needs 2-key triple-DES master keys, not \(master.name)")
        }
        return try Primitives.key(.tripleDES, bytes: try Primitives.encryptECB(block, key: master))
    }
}
