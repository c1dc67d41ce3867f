/// The session keys and both cryptograms of an explicitly initiated session.
///
/// Host and card compute the same values from the same inputs: the host to check the card
/// cryptogram and to send the host cryptogram, the card to send the card cryptogram and to check the
/// host cryptogram. Keeping one computation for both is what lets each side test the other.
struct Handshake: Sendable {
    /// S-ENC, S-MAC, S-RMAC and the DEK of the session.
    let sessionKeys: SessionKeys
    /// The cryptogram the card sends in its INITIALIZE UPDATE response.
    let cardCryptogram: [UInt8]
    /// The cryptogram the host sends in EXTERNAL AUTHENTICATE.
    let hostCryptogram: [UInt8]

    /// Checks the keys and the host challenge against the protocol, then derives the session.
    ///
    /// - Parameters:
    ///   - scp: The protocol; for SCP02 an explicit option.
    ///   - scp03Option: The SCP03 option "i" (ignored for SCP01 and SCP02): it sets the challenge length.
    ///   - cardKeys: The card's static keys (after diversification).
    ///   - hostChallenge: The host challenge of INITIALIZE UPDATE.
    ///   - cardChallenge: The card challenge of the response.
    ///   - sequenceCounter: The SCP02 sequence counter (2 bytes); ignored for SCP01 and SCP03.
    /// - Throws: ``SecureChannelError/Code/invalidKeys`` for keys that do not fit the protocol,
    ///   ``SecureChannelError/Code/invalidArgument`` for a host challenge of the wrong length.
    init(
        scp: SecureChannelProtocol,
        scp03Option: UInt8,
        cardKeys: StaticKeys,
        hostChallenge: [UInt8],
        cardChallenge: [UInt8],
        sequenceCounter: [UInt8]?
    ) throws(SecureChannelError) {
        switch scp {
        case .scp01:
            try SessionValidation.checkTripleDES(cardKeys, protocolName: "SCP01")
            try SessionValidation.checkHostChallenge(hostChallenge, length: 8, protocolName: "SCP01")
            sessionKeys = try SCP01.sessionKeys(cardKeys, hostChallenge: hostChallenge, cardChallenge: cardChallenge)
            cardCryptogram = try SCP01.cardCryptogram(
                sessionKeys,
                hostChallenge: hostChallenge,
                cardChallenge: cardChallenge
            )
            hostCryptogram = try SCP01.hostCryptogram(
                sessionKeys,
                hostChallenge: hostChallenge,
                cardChallenge: cardChallenge
            )
        case .scp02(let i):
            try SessionValidation.checkTripleDES(cardKeys, protocolName: "SCP02")
            try SessionValidation.checkHostChallenge(hostChallenge, length: 8, protocolName: "SCP02")
            let counter = sequenceCounter ?? []
            sessionKeys = try SCP02.sessionKeys(cardKeys, sequenceCounter: counter, option: SCP02.Option(rawValue: i))
            cardCryptogram = try SCP02.cardCryptogram(
                sessionKeys,
                hostChallenge: hostChallenge,
                sequenceCounter: counter,
                cardChallenge: cardChallenge
            )
            hostCryptogram = try SCP02.hostCryptogram(
                sessionKeys,
                hostChallenge: hostChallenge,
                sequenceCounter: counter,
                cardChallenge: cardChallenge
            )
        case .scp03:
            try SessionValidation.checkAES(cardKeys)
            try SessionValidation.checkHostChallenge(
                hostChallenge,
                length: SCP03.challengeLength(option: scp03Option),
                protocolName: "SCP03 i=\(HexText.byte(scp03Option))"
            )
            sessionKeys = try SCP03.sessionKeys(cardKeys, hostChallenge: hostChallenge, cardChallenge: cardChallenge)
            cardCryptogram = try SCP03.cryptogram(
                sessionKeys,
                constant: SCP03.Constant.cardCryptogram,
                hostChallenge: hostChallenge,
                cardChallenge: cardChallenge
            )
            hostCryptogram = try SCP03.cryptogram(
                sessionKeys,
                constant: SCP03.Constant.hostCryptogram,
                hostChallenge: hostChallenge,
                cardChallenge: cardChallenge
            )
        }
    }
}
