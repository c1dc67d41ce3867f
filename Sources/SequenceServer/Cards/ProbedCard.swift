public import APDUTypes

/// What a GlobalPlatform card said about itself in answer to the probe.
///
/// Everything here comes from the client and is unauthenticated, except that the card
/// cryptogram in ``initializeUpdateResponse`` proves the card holds keys the issuer derived with
/// ``keyDiversificationData``. Values read with GET DATA are the values inside the data
/// object (without its tag and length).
public struct ProbedCard: Hashable, Sendable {
    /// The issuer security domain's AID, from tag `84` of the SELECT answer's FCI.
    public var isdAID: ApplicationIdentifier
    /// The Card Production Life Cycle data (42 bytes), when the card answered GET DATA `9F7F`.
    public var cplc: [UInt8]?
    /// The card recognition data (the value of tag `66`), when given.
    public var cardRecognitionData: [UInt8]?
    /// The key information template (the value of tag `E0`), when given.
    public var keyInformation: [UInt8]?
    /// The Issuer Identification Number (the value of tag `42`), when given.
    public var iin: [UInt8]?
    /// The Card Image Number (the value of tag `45`), when given.
    public var cin: [UInt8]?
    /// The key diversification data: the first 10 bytes of the INITIALIZE UPDATE response.
    public var keyDiversificationData: [UInt8]
    /// The key version the card answered INITIALIZE UPDATE with.
    public var keyVersion: UInt8
    /// The whole INITIALIZE UPDATE response: data and status word `9000`.
    public var initializeUpdateResponse: [UInt8]

    /// Creates a probed card.
    public init(
        isdAID: ApplicationIdentifier,
        cplc: [UInt8]? = nil,
        cardRecognitionData: [UInt8]? = nil,
        keyInformation: [UInt8]? = nil,
        iin: [UInt8]? = nil,
        cin: [UInt8]? = nil,
        keyDiversificationData: [UInt8],
        keyVersion: UInt8,
        initializeUpdateResponse: [UInt8]
    ) {
        self.isdAID = isdAID
        self.cplc = cplc
        self.cardRecognitionData = cardRecognitionData
        self.keyInformation = keyInformation
        self.iin = iin
        self.cin = cin
        self.keyDiversificationData = keyDiversificationData
        self.keyVersion = keyVersion
        self.initializeUpdateResponse = initializeUpdateResponse
    }

    /// The card's key in the registry: the ISD AID with the CIN and the KDD, as upper-case hex.
    ///
    /// The same physical card always gives the same key, as long as its CIN and KDD stay.
    public var registryKey: String {
        var parts = ["isd=\(Hex.string(isdAID.bytes))"]
        if let cin { parts.append("cin=\(Hex.string(cin))") }
        parts.append("kdd=\(Hex.string(keyDiversificationData))")
        return parts.joined(separator: ";")
    }
}
