/// BER-TLV encoding as ISO 7816-4 and GlobalPlatform use it: tags of one to three bytes and
/// definite lengths in the short form (`00`–`7F`) or long form (`81 xx`, `82 xxxx`, `83 xxxxxx`).
public enum BERTLV {
    /// Why a BER-TLV tag or structure is not valid.
    public enum EncodingError: Error, Equatable, Sendable {
        /// The tag bytes do not form exactly one BER tag (empty, continuation bits wrong, or trailing bytes).
        case invalidTag([UInt8])
        /// A value longer than the three-byte long form can express.
        case valueTooLong(Int)
    }

    /// Encodes a definite length: one byte up to 127, then `81 xx`, `82 xxxx` or `83 xxxxxx`.
    ///
    /// - Precondition: `length` is in `0..<0x100_0000`.
    public static func encodeLength(_ length: Int) -> [UInt8] {
        precondition(length >= 0 && length < 0x100_0000, "BER length out of range")
        switch length {
        case 0..<0x80:
            return [UInt8(length)]
        case 0x80..<0x100:
            return [0x81, UInt8(length)]
        case 0x100..<0x1_0000:
            return [0x82, UInt8(length >> 8), UInt8(length & 0xFF)]
        default:
            return [0x83, UInt8(length >> 16), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
        }
    }

    /// Checks that `tag` is exactly one BER tag: a single byte whose low five bits are not all set,
    /// or a first byte with the low five bits set followed by bytes with bit 8 set, the last without.
    public static func isValidTag(_ tag: [UInt8]) -> Bool {
        guard let first = tag.first, tag.count <= 3 else {
            return false
        }
        if first & 0x1F != 0x1F {
            return tag.count == 1
        }
        guard tag.count >= 2 else {
            return false
        }
        for (index, byte) in tag.dropFirst().enumerated() {
            let isLast = index == tag.count - 2
            if isLast == (byte & 0x80 != 0) {
                return false
            }
        }
        return true
    }

    /// Encodes one TLV: tag, BER length and value.
    ///
    /// - Throws: ``EncodingError`` when the tag is not one BER tag or the value is too long.
    public static func encode(tag: [UInt8], value: [UInt8]) throws(EncodingError) -> [UInt8] {
        guard isValidTag(tag) else {
            throw .invalidTag(tag)
        }
        guard value.count < 0x100_0000 else {
            throw .valueTooLong(value.count)
        }
        return tag + encodeLength(value.count) + value
    }

    /// Encodes one TLV whose tag is a single byte, such as GlobalPlatform's `4F`, `C4` or `C9`.
    ///
    /// - Precondition: the value is shorter than 16 MiB.
    public static func encode(tag: UInt8, value: [UInt8]) -> [UInt8] {
        [tag] + encodeLength(value.count) + value
    }

    /// One decoded TLV: the tag bytes and the value.
    public struct Element: Equatable, Sendable {
        /// The tag bytes (one to three).
        public var tag: [UInt8]
        /// The value bytes.
        public var value: [UInt8]

        /// Creates an element.
        public init(tag: [UInt8], value: [UInt8]) {
            self.tag = tag
            self.value = value
        }
    }

    /// Decodes a concatenation of TLVs, or returns `nil` when the bytes are not well-formed.
    public static func decode(_ bytes: [UInt8]) -> [Element]? {
        var elements: [Element] = []
        var index = 0
        while index < bytes.count {
            let tagStart = index
            guard index < bytes.count else { return nil }
            if bytes[index] & 0x1F == 0x1F {
                index += 1
                while index < bytes.count && bytes[index] & 0x80 != 0 { index += 1 }
                guard index < bytes.count else { return nil }
            }
            index += 1
            let tag = Array(bytes[tagStart..<index])
            guard tag.count <= 3, index < bytes.count else { return nil }
            var length = Int(bytes[index])
            index += 1
            if length > 0x80 {
                let count = length & 0x7F
                guard count <= 3, index + count <= bytes.count else { return nil }
                length = bytes[index..<index + count].reduce(0) { $0 << 8 | Int($1) }
                index += count
            } else if length == 0x80 {
                return nil
            }
            guard index + length <= bytes.count else { return nil }
            elements.append(Element(tag: tag, value: Array(bytes[index..<index + length])))
            index += length
        }
        return elements
    }
}
