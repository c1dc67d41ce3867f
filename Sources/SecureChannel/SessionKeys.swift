public import CardCrypto

/// The keys one secure channel session uses after INITIALIZE UPDATE.
///
/// SCP01 derives S-ENC and S-MAC and uses the static DEK; SCP02 derives all four; SCP03 derives
/// S-ENC, S-MAC and S-RMAC and uses the static DEK. Like ``StaticKeys``, the descriptions never show
/// key bytes.
public struct SessionKeys: Hashable, Sendable, CustomStringConvertible, CustomReflectable {
    /// S-ENC: encrypts command data (C-DECRYPTION) and computes the SCP01 and SCP02 cryptograms.
    public var enc: CardKey
    /// S-MAC: computes the C-MAC chain (and the SCP03 cryptograms).
    public var mac: CardKey
    /// S-RMAC: computes response MACs; `nil` for SCP01, which has no R-MAC.
    public var rmac: CardKey?
    /// The key that encrypts sensitive data and new keys: S-DEK for SCP02, the static DEK otherwise.
    public var dek: CardKey

    /// Creates a set of session keys.
    ///
    /// - Parameters:
    ///   - enc: S-ENC.
    ///   - mac: S-MAC.
    ///   - rmac: S-RMAC, or `nil` for SCP01.
    ///   - dek: S-DEK for SCP02, the static DEK for SCP01 and SCP03.
    public init(enc: CardKey, mac: CardKey, rmac: CardKey?, dek: CardKey) {
        self.enc = enc
        self.mac = mac
        self.rmac = rmac
        self.dek = dek
    }

    /// The algorithm and the key check values, such as `SessionKeys(AES-128, KCV S-ENC 1A2B3C ...)`.
    public var description: String {
        var text = "SessionKeys(\(enc.name), KCV S-ENC \(Self.checkValueText(enc)) S-MAC \(Self.checkValueText(mac))"
        if let rmac {
            text += " S-RMAC \(Self.checkValueText(rmac))"
        }
        return text + " DEK \(Self.checkValueText(dek)))"
    }

    /// A mirror without the keys, so `dump` and debuggers do not reach key storage.
    public var customMirror: Mirror {
        Mirror(self, children: ["algorithm": enc.name], displayStyle: .struct)
    }

    private static func checkValueText(_ key: CardKey) -> String {
        Primitives.checkValue(of: key).map { HexText.bytes($0) } ?? "??????"
    }
}
