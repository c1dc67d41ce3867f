/// Upper-case hex for messages about public values such as key check values, never for keys or data.
enum HexFormatting {
    private static let digits: [Character] = Array("0123456789ABCDEF")

    /// The bytes as upper-case hex digits without separators.
    static func string(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }
}
