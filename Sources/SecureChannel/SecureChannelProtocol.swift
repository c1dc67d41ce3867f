/// The GlobalPlatform secure channel protocol and its implementation option "i".
///
/// SCP01 and SCP02 do not send "i" in the INITIALIZE UPDATE response, so the caller names it (from
/// the card's Card Recognition Data or the card profile). SCP03 sends it, so the session takes it
/// from the card.
public enum SecureChannelProtocol: Hashable, Sendable, CustomStringConvertible {
    /// SCP01 (Open Platform 2.0.1, GlobalPlatform 2.1.1 appendix D): `i` is `05`, or `15` for ICV encryption.
    case scp01(i: UInt8)
    /// SCP02 (GlobalPlatform 2.3.1 appendix E): explicit `i` such as `15`, `55`, `05`, `45`, `75`;
    /// implicit `0A`, `1A`, `0B`, `1B`.
    case scp02(i: UInt8)
    /// SCP03 (Amendment D): the option comes from the card's INITIALIZE UPDATE response.
    case scp03

    /// The SCP identifier byte that the card puts in its INITIALIZE UPDATE response: 1, 2 or 3.
    public var identifier: UInt8 {
        switch self {
        case .scp01: 0x01
        case .scp02: 0x02
        case .scp03: 0x03
        }
    }

    /// The protocol and option, such as `SCP02 i=15` or `SCP03`.
    public var description: String {
        switch self {
        case .scp01(let i): "SCP01 i=\(HexText.byte(i))"
        case .scp02(let i): "SCP02 i=\(HexText.byte(i))"
        case .scp03: "SCP03"
        }
    }
}
