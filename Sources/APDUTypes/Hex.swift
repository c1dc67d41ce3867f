/// Hexadecimal text for byte strings, the way card people write them.
///
/// Parsing accepts upper or lower case and ignores spaces, tabs, colons and line breaks between
/// digit pairs, so `"A0 00 00 01 51"`, `"a000000151"` and `"A0:00:00:01:51"` are the same bytes.
public enum Hex {
    /// Why a string is not hexadecimal bytes.
    public enum ParseError: Error, Equatable, Sendable {
        /// A character that is neither a hex digit nor an allowed separator, at this character offset.
        case invalidCharacter(Character, offset: Int)
        /// An odd number of hex digits.
        case oddLength(digits: Int)
    }

    /// Parses hexadecimal text into bytes.
    ///
    /// - Parameter text: Hex digits, optionally separated by spaces, tabs, colons or newlines.
    /// - Returns: The bytes, or the first problem found.
    public static func parse(_ text: some StringProtocol) -> Result<[UInt8], ParseError> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        var digits = 0
        for (offset, character) in text.enumerated() {
            if character == " " || character == "\t" || character == ":" || character == "\n" || character == "\r" {
                continue
            }
            guard let nibble = character.hexDigitValue, character.isASCII else {
                return .failure(.invalidCharacter(character, offset: offset))
            }
            digits += 1
            if let value = high {
                bytes.append(value << 4 | UInt8(nibble))
                high = nil
            } else {
                high = UInt8(nibble)
            }
        }
        if high != nil {
            return .failure(.oddLength(digits: digits))
        }
        return .success(bytes)
    }

    /// Parses hexadecimal text, or returns `nil` when it is not hex bytes.
    public static func bytes(_ text: some StringProtocol) -> [UInt8]? {
        try? parse(text).get()
    }

    private static let digits = Array("0123456789ABCDEF".utf8)

    /// The two upper-case digits of every byte value, the first digit in the low byte.
    private static let digitPairs: [UInt16] = (0..<256).map { byte in
        UInt16(digits[byte >> 4]) | UInt16(digits[byte & 0x0F]) << 8
    }

    /// Formats an array of bytes as upper-case hex digits with no separators, writing the string in place.
    public static func string(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { input in
            String(unsafeUninitializedCapacity: input.count * 2) { output in
                digitPairs.withUnsafeBufferPointer { table in
                    var index = 0
                    while index < input.count {
                        let pair = table[Int(input[index])]
                        output[2 * index] = UInt8(truncatingIfNeeded: pair)
                        output[2 * index + 1] = UInt8(truncatingIfNeeded: pair >> 8)
                        index += 1
                    }
                }
                return input.count * 2
            }
        }
    }

    /// Formats bytes as upper-case hex digits, optionally with a separator between bytes.
    ///
    /// Builds the UTF-8 bytes first and makes one string of them: bundles hex-encode every
    /// command, so this is on the compiler's hot path.
    public static func string(_ bytes: some Sequence<UInt8>, separator: String = "") -> String {
        let separatorBytes = Array(separator.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * (2 + separatorBytes.count))
        var first = true
        for byte in bytes {
            if !first && !separatorBytes.isEmpty {
                out.append(contentsOf: separatorBytes)
            }
            first = false
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// The bytes as upper-case hex digits with no separators.
    public var hexString: String { Hex.string(self) }
}
