public import APDUTypes

/// The INITIALIZE UPDATE command that opens an explicit secure channel, and the card's response.
public enum InitializeUpdate {
    /// Builds `80 50 KVN 00 Lc host-challenge 00`.
    ///
    /// - Parameters:
    ///   - keyVersion: The key version number to use; `0` lets the card choose its default key set.
    ///   - hostChallenge: 8 random bytes, or 16 for SCP03 S16 mode; the caller supplies the randomness.
    /// - Returns: The command, with Le `00`.
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` when the challenge is not 8 or 16 bytes.
    public static func command(keyVersion: UInt8, hostChallenge: [UInt8]) throws(SecureChannelError) -> CommandAPDU {
        guard hostChallenge.count == 8 || hostChallenge.count == 16 else {
            throw .invalidArgument("a host challenge is 8 bytes (16 for SCP03 S16), not \(hostChallenge.count)")
        }
        return CommandAPDU(cla: 0x80, ins: 0x50, p1: keyVersion, p2: 0x00, data: hostChallenge, le: 256)
    }

    /// The data field of the card's INITIALIZE UPDATE response, split into its parts.
    ///
    /// The layouts (GlobalPlatform 2.1.1 D.4.1, 2.3.1 E.5.1, Amendment D 7.1.1):
    ///
    /// | protocol | bytes | layout |
    /// | --- | --- | --- |
    /// | SCP01 | 28 | KDD 10, KVN, `01`, card challenge 8, card cryptogram 8 |
    /// | SCP02 | 28 | KDD 10, KVN, `02`, sequence counter 2, card challenge 6, card cryptogram 8 |
    /// | SCP03 | 29, 32, 45, 48 | KDD 10, KVN, `03`, i, card challenge 8 or 16, card cryptogram 8 or 16, sequence counter 3 when i has bit `10` |
    public struct Response: Hashable, Sendable {
        /// The key diversification data: 10 bytes.
        public var keyDiversificationData: [UInt8]
        /// The key version number of the key set the card used.
        public var keyVersion: UInt8
        /// The SCP identifier: 1, 2 or 3.
        public var protocolIdentifier: UInt8
        /// The SCP03 implementation option "i"; `nil` for SCP01 and SCP02, which do not send it.
        public var implementationOption: UInt8?
        /// The sequence counter: 2 bytes for SCP02, 3 for SCP03 with a pseudo-random card challenge, else `nil`.
        public var sequenceCounter: [UInt8]?
        /// The card challenge: 8 bytes (SCP01, SCP03 S8), 6 (SCP02) or 16 (SCP03 S16).
        public var cardChallenge: [UInt8]
        /// The card cryptogram: 8 bytes, or 16 in SCP03 S16 mode.
        public var cardCryptogram: [UInt8]

        /// Parses a response data field (without the status word).
        ///
        /// - Parameters:
        ///   - data: The response data field.
        ///   - expectedKeyVersion: The key version requested in P1; `nil` or `0` accepts any.
        /// - Throws: ``SecureChannelError/Code/malformedResponse`` for a wrong length,
        ///   ``SecureChannelError/Code/unsupportedProtocol`` for an unknown SCP identifier or SCP03 option,
        ///   ``SecureChannelError/Code/unexpectedKeyVersion`` when the card used another key version.
        public init(parsing data: [UInt8], expectedKeyVersion: UInt8? = nil) throws(SecureChannelError) {
            guard data.count >= 12 else {
                throw .malformedResponse(
                    "an INITIALIZE UPDATE response carries at least 12 bytes before the challenge, not \(data.count)"
                )
            }
            let identifier = data[11]
            let keyVersion = data[10]
            switch identifier {
            case 0x01, 0x02:
                guard data.count == 28 else {
                    throw .malformedResponse(
                        "an SCP0\(identifier) INITIALIZE UPDATE response is 28 bytes, not \(data.count)"
                    )
                }
            case 0x03:
                guard data.count >= 13 else {
                    throw .malformedResponse(
                        "an SCP03 INITIALIZE UPDATE response is at least 29 bytes, not \(data.count)"
                    )
                }
                let option = data[12]
                guard option & SCP03.reservedOptionBits == 0 else {
                    throw .unsupportedProtocol(
                        "SCP03 i=\(HexText.byte(option)) sets reserved bits; supported options combine 01 (S16), "
                            + "10 (pseudo-random challenge), 20 (R-MAC) and 40 (R-ENC)"
                    )
                }
                let expected = SCP03.responseLength(option: option)
                guard data.count == expected else {
                    throw .malformedResponse(
                        "an SCP03 i=\(HexText.byte(option)) INITIALIZE UPDATE response is \(expected) bytes, "
                            + "not \(data.count)"
                    )
                }
            default:
                throw .unsupportedProtocol(
                    "the card answered INITIALIZE UPDATE with SCP identifier \(HexText.byte(identifier)); "
                        + "supported are 01, 02 and 03"
                )
            }
            if let expectedKeyVersion, expectedKeyVersion != 0, expectedKeyVersion != keyVersion {
                throw .unexpectedKeyVersion(
                    "INITIALIZE UPDATE asked for key version \(HexText.byte(expectedKeyVersion)) but the card "
                        + "answered with key version \(HexText.byte(keyVersion)); check the card's key sets "
                        + "before authenticating"
                )
            }
            self.keyDiversificationData = Array(data[0..<10])
            self.keyVersion = keyVersion
            self.protocolIdentifier = identifier
            switch identifier {
            case 0x01:
                implementationOption = nil
                sequenceCounter = nil
                cardChallenge = Array(data[12..<20])
                cardCryptogram = Array(data[20..<28])
            case 0x02:
                implementationOption = nil
                sequenceCounter = Array(data[12..<14])
                cardChallenge = Array(data[14..<20])
                cardCryptogram = Array(data[20..<28])
            default:
                let option = data[12]
                let length = SCP03.challengeLength(option: option)
                implementationOption = option
                cardChallenge = Array(data[13..<(13 + length)])
                cardCryptogram = Array(data[(13 + length)..<(13 + 2 * length)])
                sequenceCounter =
                    option & SCP03.pseudoRandomChallengeBit != 0
                    ? Array(data[(13 + 2 * length)..<(16 + 2 * length)]) : nil
            }
        }
    }
}
