/// The transmission protocol pcscd agreed with the card.
public enum PCSCProtocol: Hashable, Sendable, CustomStringConvertible {
    /// T=0, the character protocol: a case 4 command answers with 61xx and the data needs GET RESPONSE.
    case t0
    /// T=1, the block protocol.
    case t1
    /// The reader's raw mode.
    case raw

    /// `T=0`, `T=1` or `raw`.
    public var description: String {
        switch self {
        case .t0: "T=0"
        case .t1: "T=1"
        case .raw: "raw"
        }
    }
}
