import APDUTypes

/// What a file-oriented ISO 7816 card said about itself in answer to the first probe.
///
/// The identification comes from EF.GDO (`2F02` under the MF, ISO/IEC 7816-4 section 8.2.1.1),
/// which the issuer writes at personalization: BER-TLV data objects with the card number (`5A`),
/// the IIN (`42`) and the CIN (`45`). Everything here comes from the client and is
/// unauthenticated until the card answers EXTERNAL AUTHENTICATE with an M_IC that verifies under
/// the access keys chosen for this identification.
public struct ProbedFileCard: Hashable, Sendable {
    /// The card number: the value of data object `5A` (compressed numeric), when EF.GDO has it.
    public var cardNumber: [UInt8]?
    /// The Issuer Identification Number: the value of data object `42`, when EF.GDO has it.
    public var iin: [UInt8]?
    /// The Card Image Number: the value of data object `45`.
    public var cin: [UInt8]
    /// RND.IC: the card's answer to GET CHALLENGE, 8 bytes.
    public var cardChallenge: [UInt8]

    /// Creates a probed file card.
    public init(cardNumber: [UInt8]? = nil, iin: [UInt8]? = nil, cin: [UInt8], cardChallenge: [UInt8]) {
        self.cardNumber = cardNumber
        self.iin = iin
        self.cin = cin
        self.cardChallenge = cardChallenge
    }

    /// The card's key in the registry: `iso7816;` with the IIN and the CIN, as upper-case hex.
    ///
    /// The card number is left out: the registry does not keep it.
    public var registryKey: String {
        var parts = ["iso7816"]
        if let iin { parts.append("iin=\(Hex.string(iin))") }
        parts.append("cin=\(Hex.string(cin))")
        return parts.joined(separator: ";")
    }
}
