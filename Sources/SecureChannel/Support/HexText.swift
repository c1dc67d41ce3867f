import APDUTypes

/// Upper-case hex for messages about public values: key versions, options, status words and check values.
enum HexText {
    /// One byte as two upper-case hex digits, such as `0A`.
    static func byte(_ value: UInt8) -> String {
        Hex.string([value])
    }

    /// Bytes as upper-case hex digits without separators.
    static func bytes(_ value: some Sequence<UInt8>) -> String {
        Hex.string(value)
    }
}
