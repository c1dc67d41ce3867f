public import APDUTypes
import CardCrypto
public import SecureChannel

/// The card's answer to INITIALIZE UPDATE, computed as a card with the given static keys would.
///
/// Test support only: the card cryptogram follows GlobalPlatform Amendment D (SCP03: KDF with
/// constant 00 under S-MAC) and GPCS 2.3.1 appendix E (SCP02: full triple-DES CBC-MAC under S-ENC),
/// as `shared/notes/scp-facts.md` section 1 writes them.
public enum TestCard {
    /// An SCP03 response with a pseudo-random card challenge (`i` must have bit `10`).
    public static func scp03Response(
        keys: StaticKeys,
        kdd: [UInt8],
        i: UInt8,
        sequenceCounter: [UInt8],
        aid: ApplicationIdentifier,
        hostChallenge: [UInt8]
    ) throws -> [UInt8] {
        let cardChallenge = try SCP03.pseudoRandomCardChallenge(
            staticENC: keys.enc,
            sequenceCounter: sequenceCounter,
            aid: aid
        )
        let context = hostChallenge + cardChallenge
        let sessionMAC = try CardKey(
            .aes,
            bytes: try SCP03KDF.derive(
                key: keys.mac,
                constant: 0x06,
                context: context,
                lengthInBits: keys.mac.byteCount * 8
            )
        )
        let cryptogram = try SCP03KDF.derive(key: sessionMAC, constant: 0x00, context: context, lengthInBits: 64)
        return kdd + [keys.keyVersion, 0x03, i] + cardChallenge + cryptogram + sequenceCounter + [0x90, 0x00]
    }

    /// An SCP02 response for the given sequence counter and card challenge.
    public static func scp02Response(
        keys: StaticKeys,
        kdd: [UInt8],
        sequenceCounter: [UInt8],
        cardChallenge: [UInt8],
        hostChallenge: [UInt8]
    ) throws -> [UInt8] {
        let derivation = [0x01, 0x82] + sequenceCounter + [UInt8](repeating: 0, count: 12)
        let sessionENC = try CardKey(
            .tripleDES,
            bytes: try keys.enc.encrypt(derivation, mode: .cbc(iv: [UInt8](repeating: 0, count: 8)))
        )
        let input = Padding.iso9797Method2(hostChallenge + sequenceCounter + cardChallenge, blockSize: 8)
        let cryptogram = try CBCMAC.authenticationCode(
            for: input,
            using: sessionENC,
            iv: [UInt8](repeating: 0, count: 8)
        )
        return kdd + [keys.keyVersion, 0x02] + sequenceCounter + cardChallenge + cryptogram + [0x90, 0x00]
    }
}
