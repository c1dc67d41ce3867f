public import APDUTypes

/// An expected status word, possibly with wildcard nibbles: `9000`, `6A88`, `61XX`, `63CX`.
///
/// The client goes on with the next command only when the card's status word matches one of a
/// command's patterns. A well-formed pattern is four characters, each an upper-case hex digit
/// or `X`, and its first character is `6` or `9` (the only SW1 ranges ISO 7816-4 defines).
public struct StatusWordPattern: Hashable, Sendable, CustomStringConvertible {
    /// The value with wildcard nibbles zeroed.
    public let value: UInt16
    /// One bits where the status word must equal ``value``.
    public let mask: UInt16

    /// Creates a pattern from a value and a mask of the bits that must match.
    ///
    /// - Precondition: the mask covers whole nibbles, including the first one.
    public init(value: UInt16, mask: UInt16 = 0xFFFF) {
        precondition((0..<4).allSatisfy { (mask >> ($0 * 4)) & 0xF == 0 || (mask >> ($0 * 4)) & 0xF == 0xF })
        self.value = value & mask
        self.mask = mask
    }

    /// A pattern that matches exactly one status word.
    public init(_ statusWord: StatusWord) {
        self.init(value: statusWord.rawValue)
    }

    /// `9000`.
    public static let success = StatusWordPattern(value: 0x9000)

    /// Parses a pattern in its canonical text, or returns `nil` when the text is not well-formed.
    public init?(text: String) {
        let characters = Array(text.utf8)
        guard characters.count == 4, characters[0] == UInt8(ascii: "6") || characters[0] == UInt8(ascii: "9") else {
            return nil
        }
        var value: UInt16 = 0
        var mask: UInt16 = 0
        for character in characters {
            value <<= 4
            mask <<= 4
            switch character {
            case UInt8(ascii: "X"):
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                value |= UInt16(character - UInt8(ascii: "0"))
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                value |= UInt16(character - UInt8(ascii: "A") + 10)
            default:
                return nil
            }
            mask |= 0xF
        }
        self.init(value: value, mask: mask)
    }

    /// Whether the pattern is well-formed: its first nibble is fixed and is `6` or `9`.
    public var isWellFormed: Bool {
        mask & 0xF000 == 0xF000 && (value >> 12 == 6 || value >> 12 == 9)
    }

    /// Whether a status word matches the pattern.
    public func matches(_ statusWord: StatusWord) -> Bool {
        statusWord.rawValue & mask == value
    }

    /// The canonical text: upper-case hex digits, `X` for each wildcard nibble.
    public var description: String {
        String(unsafeUninitializedCapacity: 4) { text in
            for position in 0..<4 {
                let shift = UInt16(12 - position * 4)
                let nibble = UInt8((value >> shift) & 0xF)
                text[position] =
                    (mask >> shift) & 0xF != 0xF
                    ? UInt8(ascii: "X") : nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
            }
            return 4
        }
    }
}
