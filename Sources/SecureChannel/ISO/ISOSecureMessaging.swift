public import APDUTypes
import CardCrypto

/// ISO/IEC 7816-4 secure messaging as ICAO Doc 9303 Part 11 section 9.8 profiles it, for file-oriented cards.
///
/// A protected command carries its data encrypted in DO'87' (DO'85' for an odd INS), its Le in DO'97'
/// and a cryptographic checksum in DO'8E'; a protected response carries its data in DO'87' (or
/// DO'85'), its status word in DO'99' and a checksum in DO'8E':
///
/// ```
/// command   CLA|0C INS P1 P2 Lc' [87 L 01 E(data)] [97 01 Le] 8E 08 MAC  00
/// response  [87 L 01 E(data)] 99 02 SW1 SW2 8E 08 MAC  SW1 SW2
/// ```
///
/// The checksum covers the send sequence counter (SSC), the padded header (commands) and the data
/// objects before DO'8E'. With triple DES (BAC, section 9.8.6) encryption is two-key triple-DES CBC
/// with a zero IV and the checksum is the ISO/IEC 9797-1 MAC algorithm 3 (retail MAC); with AES
/// (section 9.8.7) encryption is AES-CBC with the IV `E(KS_ENC, SSC)` and the checksum is AES-CMAC
/// cut to 8 bytes. Both pad with ISO/IEC 9797-1 method 2.
///
/// This value holds only the keys and the rules; each operation takes the counter value to use, so
/// it is pure and the same inputs give the same bytes. ``ISOSecureMessagingHost`` and
/// ``ISOSecureMessagingCard`` keep the counter and the order of calls.
public struct ISOSecureMessaging: Hashable, Sendable, CustomStringConvertible {
    /// The block cipher of a secure messaging session.
    public enum Cipher: Hashable, Sendable, CustomStringConvertible {
        /// Two-key triple DES with the retail MAC, as Basic Access Control sets up.
        case tripleDES
        /// AES (128, 192 or 256 bits) with AES-CMAC cut to 8 bytes, as PACE and Chip Authentication set up.
        case aes

        /// The block size in bytes, which is also the length of the send sequence counter: 8 or 16.
        public var blockSize: Int {
            switch self {
            case .tripleDES: 8
            case .aes: 16
            }
        }

        /// `3DES` or `AES`.
        public var description: String {
            switch self {
            case .tripleDES: "3DES"
            case .aes: "AES"
            }
        }
    }

    /// Which bytes the checksum of a command without data objects covers.
    ///
    /// The two readings differ only for a command with neither data nor Le (ISO case 1).
    public enum CommandMACPadding: Hashable, Sendable {
        /// Always pad `SSC ‖ header ‖ objects`, so a bare header gains a whole padding block: ICAO Doc
        /// 9303 Part 11, section 9.8 (`N = pad(SSC ‖ M)`), as JMRTD and OpenSC compute it.
        case always
        /// No padding after a bare padded header, as ISO/IEC 7816-4 pads each block of data
        /// objects: gematik's eGK secure messaging (`E-Rezept-App-Android` `MacObject`) computes
        /// the case 1 checksum this way.
        case omittedAfterBareHeader
    }

    /// The session keys: KS_ENC and KS_MAC.
    public let keys: Keys

    /// How a command without data objects is padded for its checksum.
    public let commandMACPadding: CommandMACPadding

    /// Makes the protection rules for a session.
    ///
    /// - Parameters:
    ///   - keys: KS_ENC and KS_MAC, both two-key triple DES or both AES of one length.
    ///   - commandMACPadding: ``CommandMACPadding/always`` (ICAO Doc 9303) unless the card pads like
    ///     an eGK.
    public init(keys: Keys, commandMACPadding: CommandMACPadding = .always) {
        self.keys = keys
        self.commandMACPadding = commandMACPadding
    }

    /// The cipher of the session keys.
    public var cipher: Cipher { keys.cipher }

    /// The cipher and key length, such as `ISO secure messaging (AES-128)`; never key bytes.
    public var description: String {
        "ISO secure messaging (\(keys.encryption.name))"
    }
}

extension ISOSecureMessaging {
    /// The status word a card answers, without protection, to a command whose secure messaging data
    /// objects are missing (ISO/IEC 7816-4 table 6: `6987`); the card then ends secure messaging.
    public static let missingDataObjectsStatusWord = StatusWord(0x6987)

    /// The status word a card answers, without protection, to a command whose secure messaging data
    /// objects are incorrect, such as a wrong checksum (ISO/IEC 7816-4 table 6: `6988`).
    public static let incorrectDataObjectsStatusWord = StatusWord(0x6988)
}
