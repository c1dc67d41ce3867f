extension InitializeUpdate.Response {
    /// Creates a response from its parts, as a card (or a simulated card) builds it.
    ///
    /// Nothing is checked here; ``bytes`` lays the parts out in the protocol's order and
    /// ``init(parsing:expectedKeyVersion:)`` checks the lengths when the host reads them.
    ///
    /// - Parameters:
    ///   - keyDiversificationData: The 10-byte KDD.
    ///   - keyVersion: The key version number of the key set the card uses.
    ///   - protocolIdentifier: The SCP identifier: 1, 2 or 3.
    ///   - implementationOption: The SCP03 option "i"; `nil` for SCP01 and SCP02.
    ///   - sequenceCounter: 2 bytes for SCP02, 3 for SCP03 with a pseudo-random card challenge, else `nil`.
    ///   - cardChallenge: The card challenge.
    ///   - cardCryptogram: The card cryptogram.
    public init(
        keyDiversificationData: [UInt8],
        keyVersion: UInt8,
        protocolIdentifier: UInt8,
        implementationOption: UInt8?,
        sequenceCounter: [UInt8]?,
        cardChallenge: [UInt8],
        cardCryptogram: [UInt8]
    ) {
        self.keyDiversificationData = keyDiversificationData
        self.keyVersion = keyVersion
        self.protocolIdentifier = protocolIdentifier
        self.implementationOption = implementationOption
        self.sequenceCounter = sequenceCounter
        self.cardChallenge = cardChallenge
        self.cardCryptogram = cardCryptogram
    }

    /// The response data field (without the status word), in the layout of the protocol.
    ///
    /// SCP01: `KDD KVN 01 card-challenge card-cryptogram`; SCP02: `KDD KVN 02 counter card-challenge
    /// card-cryptogram`; SCP03: `KDD KVN 03 i card-challenge card-cryptogram [counter]`.
    public var bytes: [UInt8] {
        var out = keyDiversificationData + [keyVersion, protocolIdentifier]
        switch protocolIdentifier {
        case 0x02:
            out += (sequenceCounter ?? []) + cardChallenge + cardCryptogram
        case 0x03:
            out += (implementationOption.map { [$0] } ?? []) + cardChallenge + cardCryptogram + (sequenceCounter ?? [])
        default:
            out += cardChallenge + cardCryptogram
        }
        return out
    }
}
