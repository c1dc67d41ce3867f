/// The protection a secure channel gives the commands and responses after EXTERNAL AUTHENTICATE.
///
/// The raw value is the EXTERNAL AUTHENTICATE P1 byte (GlobalPlatform Card Specification 2.3.1,
/// table E-5 for SCP02; Amendment D, table 5-3 for SCP03): `01` C-MAC, `03` C-DECRYPTION and C-MAC,
/// `11` adds R-MAC, `13` both, `33` adds R-ENCRYPTION. ``SecureChannelSession`` accepts only the
/// combinations the negotiated protocol defines.
public struct SecurityLevel: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The P1 byte of EXTERNAL AUTHENTICATE.
    public let rawValue: UInt8

    /// Creates a level from the EXTERNAL AUTHENTICATE P1 byte.
    ///
    /// - Parameter rawValue: The P1 byte, such as `0x33`.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// C-MAC: every command carries a MAC chained on the previous one (bit `01`).
    public static let commandMAC = Self(rawValue: 0x01)
    /// C-DECRYPTION (C-ENC): the card decrypts each command's data field (bit `02`).
    public static let commandEncryption = Self(rawValue: 0x02)
    /// R-MAC: every response carries a MAC the host verifies (bit `10`).
    public static let responseMAC = Self(rawValue: 0x10)
    /// R-ENCRYPTION: the card encrypts each response's data field (bit `20`, SCP03 only).
    public static let responseEncryption = Self(rawValue: 0x20)

    /// The level as two hex digits with its parts, such as `33 (C-MAC, C-DEC, R-MAC, R-ENC)`.
    public var description: String {
        var parts: [String] = []
        if contains(.commandMAC) {
            parts.append("C-MAC")
        }
        if contains(.commandEncryption) {
            parts.append("C-DEC")
        }
        if contains(.responseMAC) {
            parts.append("R-MAC")
        }
        if contains(.responseEncryption) {
            parts.append("R-ENC")
        }
        let hex = HexText.byte(rawValue)
        return parts.isEmpty ? "\(hex) (no secure messaging)" : "\(hex) (\(parts.joined(separator: ", ")))"
    }
}
