import APDUTypes
import CardCrypto

/// The first state: INITIALIZE UPDATE is built and the card's response is awaited.
struct AwaitingInitializeUpdateResponseState: Sendable {
    let keys: StaticKeys
    let configuration: SecureChannelSession.Configuration
    let hostChallenge: [UInt8]

    /// Checks the card's response and cryptogram and prepares EXTERNAL AUTHENTICATE.
    ///
    /// - Throws: every check's ``SecureChannelError``; ``SecureChannelError/Code/cardCryptogramMismatch``
    ///   when the card did not prove knowledge of the keys.
    func receive(_ responseBytes: [UInt8]) throws(SecureChannelError) -> AwaitingExternalAuthenticateState {
        let apdu = try CardResponse(bytes: responseBytes)
        guard apdu.statusWord == .success else {
            let meaning = apdu.statusWord.meaning.map { " (\($0))" } ?? ""
            throw .unexpectedStatusWord(
                "the card answered INITIALIZE UPDATE with \(apdu.statusWord)\(meaning); for 6A88 the key set "
                    + "with key version \(HexText.byte(keys.keyVersion)) does not exist on the card"
            )
        }
        let response = try InitializeUpdate.Response(parsing: apdu.data, expectedKeyVersion: keys.keyVersion)
        let scp = configuration.scp
        guard response.protocolIdentifier == scp.identifier else {
            throw .protocolMismatch(
                "the card answered INITIALIZE UPDATE with SCP0\(response.protocolIdentifier) but the session "
                    + "is configured for \(scp); change the card profile rather than retrying"
            )
        }
        let level = configuration.securityLevel
        let cardKeys = try configuration.diversification.diversify(
            keys,
            keyDiversificationData: response.keyDiversificationData
        )
        if case .scp03 = scp {
            try SessionValidation.checkSCP03(level: level, option: response.implementationOption ?? 0)
        }
        if case .scp02(let i) = scp, !SCP02.Option(rawValue: i).isExplicit {
            throw .invalidState(
                "SCP02 i=\(HexText.byte(i)) is implicit initiation, which has no INITIALIZE UPDATE; "
                    + "use SecureChannelSession(implicitInitiation:...)"
            )
        }
        let handshake = try Handshake(
            scp: scp,
            scp03Option: response.implementationOption ?? 0,
            cardKeys: cardKeys,
            hostChallenge: hostChallenge,
            cardChallenge: response.cardChallenge,
            sequenceCounter: response.sequenceCounter
        )
        let sessionKeys = handshake.sessionKeys
        let expectedCardCryptogram = handshake.cardCryptogram
        let channel: ProtocolChannel
        switch scp {
        case .scp01(let option):
            channel = .scp01(SCP01Channel(keys: sessionKeys, level: level, option: option))
        case .scp02(let i):
            channel = .scp02(SCP02Channel(keys: sessionKeys, level: level, option: SCP02.Option(rawValue: i)))
        case .scp03:
            let macLength = SCP03.challengeLength(option: response.implementationOption ?? 0)
            channel = .scp03(SCP03Channel(keys: sessionKeys, level: level, macLength: macLength))
        }
        guard constantTimeEquals(expectedCardCryptogram, response.cardCryptogram) else {
            throw .cardCryptogramMismatch(
                "the card's cryptogram does not match the keys used here, so the card was not authenticated "
                    + "and no EXTERNAL AUTHENTICATE was produced. Used: \(scp), card key version "
                    + "\(HexText.byte(response.keyVersion)) (requested \(HexText.byte(keys.keyVersion))), "
                    + "\(keys.enc.name) keys with diversification \(configuration.diversification) "
                    + "(KDD \(HexText.bytes(response.keyDiversificationData))), card static key check values "
                    + "\(cardKeys.checkValueSummary). Likely causes: wrong static keys, a wrong key version, or a "
                    + "wrong key diversification (this card may need another scheme than "
                    + "\(configuration.diversification)). Do not send further authentication attempts with these "
                    + "keys: cards lock after a few failed EXTERNAL AUTHENTICATE commands"
            )
        }
        if let aid = configuration.securityDomainAID, let counter = response.sequenceCounter,
            response.protocolIdentifier == 0x03
        {
            let expectedChallenge = try SCP03.pseudoRandomCardChallenge(
                staticENC: cardKeys.enc,
                sequenceCounter: counter,
                aid: aid,
                length: response.cardChallenge.count
            )
            guard constantTimeEquals(expectedChallenge, response.cardChallenge) else {
                throw .cardChallengeMismatch(
                    "the card's pseudo-random challenge for sequence counter \(HexText.bytes(counter)) does not "
                        + "derive from the static ENC key (KCV \(HexText.bytes(Primitives.checkValue(of: cardKeys.enc) ?? []))) "
                        + "and security domain \(aid); the card cryptogram matched, so the MAC key is right. Likely "
                        + "causes: a wrong ENC key, or another security domain AID than \(aid). No EXTERNAL "
                        + "AUTHENTICATE was produced"
                )
            }
        }
        return AwaitingExternalAuthenticateState(
            response: response,
            cardKeys: cardKeys,
            sessionKeys: sessionKeys,
            hostCryptogram: handshake.hostCryptogram,
            channel: channel
        )
    }
}

/// Checks shared by the initial states.
enum SessionValidation {
    static func checkTripleDES(_ keys: StaticKeys, protocolName: String) throws(SecureChannelError) {
        for key in [keys.enc, keys.mac, keys.dek] where key.algorithm != .tripleDES || key.byteCount != 16 {
            throw .invalidKeys("\(protocolName) uses 2-key triple-DES static keys, not \(key.name)")
        }
    }

    static func checkAES(_ keys: StaticKeys) throws(SecureChannelError) {
        for key in [keys.enc, keys.mac, keys.dek] where key.algorithm != .aes {
            throw .invalidKeys("SCP03 uses AES static keys, not \(key.name)")
        }
        guard keys.enc.byteCount == keys.mac.byteCount, keys.mac.byteCount == keys.dek.byteCount else {
            throw .invalidKeys(
                "SCP03 static keys share one length; got ENC \(keys.enc.name), MAC \(keys.mac.name), "
                    + "DEK \(keys.dek.name)"
            )
        }
    }

    static func checkHostChallenge(_ challenge: [UInt8], length: Int, protocolName: String) throws(SecureChannelError) {
        guard challenge.count == length else {
            throw .invalidArgument(
                "\(protocolName) needs a \(length)-byte host challenge, not \(challenge.count) bytes"
            )
        }
    }

    /// Checks that this module implements the SCP01 or SCP02 option; SCP03 options come from the card.
    static func checkOption(_ scp: SecureChannelProtocol) throws(SecureChannelError) {
        switch scp {
        case .scp01(let i):
            guard SCP01.supportedOptions.contains(i) else {
                throw .unsupportedProtocol("SCP01 i=\(HexText.byte(i)) is not implemented; supported are 05 and 15")
            }
        case .scp02(let i):
            guard SCP02.Option(rawValue: i).isSupported else {
                throw .unsupportedProtocol(
                    "SCP02 i=\(HexText.byte(i)) is not implemented; supported are explicit options such as 05, 15, "
                        + "45, 55, 75 and implicit 0A, 0B, 1A, 1B"
                )
            }
        case .scp03:
            break
        }
    }

    /// Checks a level against the protocol's table and, for SCP01 and SCP02, the option.
    static func checkLevel(_ level: SecurityLevel, scp: SecureChannelProtocol) throws(SecureChannelError) {
        try checkOption(scp)
        switch scp {
        case .scp01:
            guard SCP01.supportedLevels.contains(level.rawValue) else {
                throw .unsupportedSecurityLevel("SCP01 allows security levels 00, 01 and 03, not \(level)")
            }
        case .scp02(let i):
            let option = SCP02.Option(rawValue: i)
            guard SCP02.supportedLevels.contains(level.rawValue) else {
                throw .unsupportedSecurityLevel("SCP02 allows security levels 00, 01, 03, 11 and 13, not \(level)")
            }
            if level.contains(.responseMAC) && !option.supportsResponseMAC {
                throw .unsupportedSecurityLevel(
                    "SCP02 i=\(HexText.byte(i)) has no R-MAC support (bit 20), so level \(level) is not available"
                )
            }
        case .scp03:
            guard SCP03.supportedLevels.contains(level.rawValue) else {
                throw .unsupportedSecurityLevel("SCP03 allows security levels 00, 01, 03, 11, 13 and 33, not \(level)")
            }
        }
    }

    /// Checks an SCP03 level against the card's option: R-MAC needs bit `20`, R-ENCRYPTION bit `40`.
    static func checkSCP03(level: SecurityLevel, option: UInt8) throws(SecureChannelError) {
        if level.contains(.responseMAC) && option & SCP03.responseMACBit == 0 {
            throw .unsupportedSecurityLevel(
                "the card's SCP03 i=\(HexText.byte(option)) has no R-MAC support, so level \(level) is not available"
            )
        }
        if level.contains(.responseEncryption) && option & SCP03.responseEncryptionBit == 0 {
            throw .unsupportedSecurityLevel(
                "the card's SCP03 i=\(HexText.byte(option)) has no R-ENCRYPTION support, so level \(level) "
                    + "is not available"
            )
        }
    }
}
