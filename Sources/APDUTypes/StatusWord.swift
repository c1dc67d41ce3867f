/// The two status bytes SW1 SW2 that end every card response.
public struct StatusWord: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// SW1 and SW2 as one big-endian number, such as `0x9000`.
    public var rawValue: UInt16

    /// Creates a status word from its numeric value, such as `StatusWord(0x6A88)`.
    public init(_ rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Creates a status word from its two bytes.
    public init(sw1: UInt8, sw2: UInt8) {
        self.rawValue = UInt16(sw1) << 8 | UInt16(sw2)
    }

    /// The first status byte.
    public var sw1: UInt8 { UInt8(rawValue >> 8) }
    /// The second status byte.
    public var sw2: UInt8 { UInt8(rawValue & 0xFF) }

    /// Normal processing: `9000`.
    public static let success = StatusWord(0x9000)
    /// Referenced data not found: `6A88`, what GlobalPlatform DELETE answers for an absent object.
    public static let referencedDataNotFound = StatusWord(0x6A88)
    /// File or application not found: `6A82`.
    public static let fileNotFound = StatusWord(0x6A82)

    /// Four upper-case hex digits, such as `6A88`.
    public var description: String { Hex.string([sw1, sw2]) }

    /// The meaning of this status word as ISO 7816-4 and GlobalPlatform define it, when known.
    public var meaning: String? {
        switch rawValue {
        case 0x9000: return "success"
        case 0x6283: return "selected file or application invalidated (locked)"
        case 0x6581: return "memory failure"
        case 0x6700: return "wrong length"
        case 0x6881: return "logical channel not supported"
        case 0x6882: return "secure messaging not supported"
        case 0x6982: return "security status not satisfied"
        case 0x6983: return "authentication method blocked"
        case 0x6984: return "referenced data invalidated"
        case 0x6985: return "conditions of use not satisfied"
        case 0x6986: return "command not allowed (no current EF)"
        case 0x6987: return "expected secure messaging data objects missing"
        case 0x6988: return "incorrect secure messaging data objects"
        case 0x6A80: return "incorrect parameters in the data field"
        case 0x6A81: return "function not supported"
        case 0x6A82: return "file or application not found"
        case 0x6A83: return "record not found"
        case 0x6A84: return "not enough memory space"
        case 0x6A86: return "incorrect parameters P1-P2"
        case 0x6A88: return "referenced data not found"
        case 0x6A89: return "file already exists"
        case 0x6A8A: return "DF name already exists"
        case 0x6B00: return "wrong parameters P1-P2"
        case 0x6D00: return "instruction not supported"
        case 0x6E00: return "class not supported"
        case 0x6F00: return "no precise diagnosis"
        case 0x6400: return "no specific diagnosis (state of non-volatile memory unchanged)"
        case 0x6300: return "authentication failed"
        default:
            switch sw1 {
            case 0x61: return "\(sw2) more bytes available (GET RESPONSE)"
            case 0x6C: return "wrong Le: \(sw2) bytes available"
            case 0x63 where sw2 & 0xF0 == 0xC0: return "verification failed, \(sw2 & 0x0F) tries left"
            default: return nil
            }
        }
    }

    /// Orders status words by value, so expected lists print in a stable order.
    public static func < (lhs: StatusWord, rhs: StatusWord) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
