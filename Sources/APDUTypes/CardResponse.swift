/// A response APDU: the data field and the status word.
///
/// What a card channel returns, and what the secure channel layers give back after checking and
/// decrypting a response (the data then lack the R-MAC and are plain).
public struct CardResponse: Hashable, Sendable, CustomStringConvertible {
    /// The response data field.
    public var data: [UInt8]
    /// The status word.
    public var statusWord: StatusWord

    /// Creates a response from its data and status word.
    ///
    /// - Parameters:
    ///   - data: The response data field.
    ///   - statusWord: The status word.
    public init(data: [UInt8] = [], statusWord: StatusWord) {
        self.data = data
        self.statusWord = statusWord
    }

    /// Splits a response APDU into data and status word.
    ///
    /// - Parameter bytes: The response APDU: data followed by SW1 SW2.
    /// - Returns: The response, or `nil` when there are fewer than 2 bytes.
    public static func parse(_ bytes: [UInt8]) -> CardResponse? {
        guard bytes.count >= 2 else { return nil }
        return CardResponse(
            data: Array(bytes.dropLast(2)),
            statusWord: StatusWord(sw1: bytes[bytes.count - 2], sw2: bytes[bytes.count - 1])
        )
    }

    /// The response APDU: data followed by the status word.
    public var bytes: [UInt8] {
        data + [statusWord.sw1, statusWord.sw2]
    }

    /// The response in upper-case hex, data then status word.
    public var description: String { Hex.string(bytes) }
}
