public import CardCrypto

/// The three static keys of a security domain key set and their key version number.
///
/// ENC authenticates and derives the session encryption key, MAC derives the session MAC keys, and
/// DEK encrypts secrets such as new keys. The descriptions never show key bytes: ``description``
/// names the key version and algorithm, ``debugDescription`` adds the key check values that users
/// compare with their key ceremony records.
public struct StaticKeys: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The static encryption key (key identifier 1).
    public var enc: CardKey
    /// The static MAC key (key identifier 2).
    public var mac: CardKey
    /// The static data encryption key (key identifier 3).
    public var dek: CardKey
    /// The key version number: the INITIALIZE UPDATE P1 byte; `0` asks the card for its default key set.
    public var keyVersion: UInt8

    /// Creates a key set from three keys.
    ///
    /// - Parameters:
    ///   - enc: The static encryption key.
    ///   - mac: The static MAC key.
    ///   - dek: The static data encryption key.
    ///   - keyVersion: The key version number; `0` accepts whatever key set the card chooses.
    public init(enc: CardKey, mac: CardKey, dek: CardKey, keyVersion: UInt8) {
        self.enc = enc
        self.mac = mac
        self.dek = dek
        self.keyVersion = keyVersion
    }

    /// Creates a key set whose three keys are the same key, as on cards with default test keys.
    ///
    /// - Parameters:
    ///   - key: The key used as ENC, MAC and DEK.
    ///   - keyVersion: The key version number; `0` accepts whatever key set the card chooses.
    public init(sameKey key: CardKey, keyVersion: UInt8) {
        self.init(enc: key, mac: key, dek: key, keyVersion: keyVersion)
    }

    /// The key check values of ENC, MAC and DEK, as `ENC 1A2B3C MAC 4D5E6F DEK 708192`.
    ///
    /// A check value is 3 bytes that identify a key without revealing it.
    public var checkValueSummary: String {
        "ENC \(Self.checkValueText(enc)) MAC \(Self.checkValueText(mac)) DEK \(Self.checkValueText(dek))"
    }

    /// The key version and algorithm, such as `StaticKeys(KVN 30, AES-128)`, never key bytes.
    public var description: String {
        "StaticKeys(KVN \(HexText.byte(keyVersion)), \(enc.name))"
    }

    /// The key version, algorithm and key check values, never key bytes.
    public var debugDescription: String {
        "StaticKeys(KVN \(HexText.byte(keyVersion)), \(enc.name), KCV \(checkValueSummary))"
    }

    /// A mirror without the keys, so `dump` and debuggers do not reach key storage.
    public var customMirror: Mirror {
        Mirror(self, children: ["keyVersion": keyVersion, "algorithm": enc.name], displayStyle: .struct)
    }

    private static func checkValueText(_ key: CardKey) -> String {
        Primitives.checkValue(of: key).map { HexText.bytes($0) } ?? "??????"
    }
}
