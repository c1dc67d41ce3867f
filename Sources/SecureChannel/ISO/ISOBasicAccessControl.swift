/// Basic Access Control keys from the machine readable zone (ICAO Doc 9303 Part 11, section 9.7.2).
///
/// The MRZ information is the document number, date of birth and date of expiry, each followed by
/// its check digit (Doc 9303 Part 3, section 4.9). K_seed is the first 16 bytes of its SHA-1 hash,
/// and the document basic access keys K_ENC and K_MAC derive from K_seed with counters 1 and 2.
/// All of these are secrets of the document: never log them.
public enum ISOBasicAccessControl {
    /// The check digit of an MRZ field: digits weigh their value, `A`-`Z` 10 to 35, `<` zero, and
    /// the weighted sum (weights 7, 3, 1 repeating) modulo 10 is the digit.
    ///
    /// - Parameter field: Upper-case letters, digits and `<`.
    /// - Returns: The check digit, `0` to `9`.
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` for any other character (without echoing it).
    public static func checkDigit(of field: String) throws(SecureChannelError) -> Character {
        let weights = [7, 3, 1]
        var sum = 0
        for (index, scalar) in field.unicodeScalars.enumerated() {
            let value: Int
            switch scalar.value {
            case 0x30...0x39:
                value = Int(scalar.value) - 0x30
            case 0x41...0x5A:
                value = Int(scalar.value) - 0x41 + 10
            case 0x3C:
                value = 0
            default:
                throw .invalidArgument(
                    "MRZ fields hold upper-case letters, digits and '<'; the character at position \(index + 1) is none"
                )
            }
            sum += value * weights[index % 3]
        }
        return Character(String(sum % 10))
    }

    /// The MRZ information that Basic Access Control hashes: each field followed by its check digit.
    ///
    /// - Parameters:
    ///   - documentNumber: The document number, padded with `<` to 9 characters when shorter; a
    ///     longer number is used whole, as the ICAO example with a 12-character number does.
    ///   - dateOfBirth: `YYMMDD`.
    ///   - dateOfExpiry: `YYMMDD`.
    /// - Returns: Such as `L898902C<369080619406236` (ICAO Doc 9303 Part 11, appendix D.2).
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` for a date that is not six digits or a
    ///   character an MRZ does not have.
    public static func mrzInformation(
        documentNumber: String,
        dateOfBirth: String,
        dateOfExpiry: String
    ) throws(SecureChannelError) -> String {
        for (name, date) in [("date of birth", dateOfBirth), ("date of expiry", dateOfExpiry)] {
            guard date.unicodeScalars.count == 6, date.unicodeScalars.allSatisfy({ (0x30...0x39).contains($0.value) })
            else {
                throw .invalidArgument("the \(name) must be six digits, YYMMDD")
            }
        }
        guard !documentNumber.isEmpty else {
            throw .invalidArgument("the document number is empty")
        }
        var number = documentNumber
        if number.unicodeScalars.count < 9 {
            number += String(repeating: "<", count: 9 - number.unicodeScalars.count)
        }
        var information = ""
        for field in [number, dateOfBirth, dateOfExpiry] {
            information += field
            information.append(try checkDigit(of: field))
        }
        return information
    }

    /// K_seed: the first 16 bytes of SHA-1 over the MRZ information's ASCII bytes.
    ///
    /// - Parameter mrzInformation: As ``mrzInformation(documentNumber:dateOfBirth:dateOfExpiry:)`` makes it.
    /// - Returns: 16 secret bytes.
    public static func keySeed(mrzInformation: String) -> [UInt8] {
        var digest = ISOKeyDerivation.sha1(Array(mrzInformation.utf8))
        defer { ISOKeyDerivation.wipe(&digest) }
        return Array(digest[0..<16])
    }

    /// The document basic access keys K_ENC and K_MAC (two-key triple DES with odd parity).
    ///
    /// - Parameter mrzInformation: As ``mrzInformation(documentNumber:dateOfBirth:dateOfExpiry:)`` makes it.
    /// - Returns: The keys that ``ISOMutualAuthentication`` uses.
    /// - Throws: ``SecureChannelError/Code/cryptographyFailure`` only if the cryptographic layer fails.
    public static func accessKeys(mrzInformation: String) throws(SecureChannelError) -> ISOSecureMessaging.Keys {
        var seed = keySeed(mrzInformation: mrzInformation)
        defer { ISOKeyDerivation.wipe(&seed) }
        return try ISOSecureMessaging.Keys.derive(fromSeed: seed, cipher: .tripleDES)
    }
}
