/// One message from vpcd to the card, decoded from its payload.
///
/// The wire format (vsmartcard's `vpcd.c`): a 16-bit big-endian length, then that many bytes. A
/// payload of one byte is a control message, a longer one is a command APDU.
enum VPCDMessage: Equatable {
    /// Control byte `00`: the reader switched the card off. Not answered.
    case powerOff
    /// Control byte `01`: the reader switched the card on. Not answered.
    case powerOn
    /// Control byte `02`: the reader reset the card. Not answered.
    case reset
    /// Control byte `04`: the reader asks for the answer to reset; answered with the ATR.
    case answerToResetRequest
    /// A control byte this protocol version does not define. Not answered.
    case unknownControl(UInt8)
    /// A command APDU; answered with the response APDU.
    case command([UInt8])

    /// The largest payload one message carries: the length field has 16 bits.
    static let maximumPayloadLength = 0xFFFF

    /// Decodes a message from its payload.
    ///
    /// - Parameter payload: The bytes after the length field.
    /// - Throws: ``VirtualCardLinkError/Code/protocolViolation`` for an empty payload, which vpcd never sends.
    init(payload: [UInt8]) throws(VirtualCardLinkError) {
        switch payload.count {
        case 0:
            throw .protocolViolation("vpcd sent a message of length 0")
        case 1:
            switch payload[0] {
            case 0x00: self = .powerOff
            case 0x01: self = .powerOn
            case 0x02: self = .reset
            case 0x04: self = .answerToResetRequest
            default: self = .unknownControl(payload[0])
            }
        default:
            self = .command(payload)
        }
    }

    /// Frames a payload from the card to vpcd: the 16-bit big-endian length, then the bytes.
    ///
    /// - Parameter payload: An answer to reset or a response APDU.
    /// - Returns: The bytes to send, or `nil` when the payload is empty or longer than 65,535 bytes.
    static func frame(_ payload: [UInt8]) -> [UInt8]? {
        guard !payload.isEmpty, payload.count <= maximumPayloadLength else {
            return nil
        }
        var out: [UInt8] = [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        out.reserveCapacity(payload.count + 2)
        out += payload
        return out
    }
}
