public import APDUTypes

/// A card response after the secure channel has checked and decrypted it.
public struct CardResponse: Hashable, Sendable, CustomStringConvertible {
    /// The response data field: without the R-MAC, and decrypted when R-ENCRYPTION is on.
    public var data: [UInt8]
    /// The status word.
    public var statusWord: StatusWord

    /// Creates a response from its data and status word.
    ///
    /// - Parameters:
    ///   - data: The response data field.
    ///   - statusWord: The status word.
    public init(data: [UInt8], statusWord: StatusWord) {
        self.data = data
        self.statusWord = statusWord
    }

    /// Splits a response APDU into data and status word.
    ///
    /// - Parameter bytes: The response APDU: data followed by SW1 SW2.
    /// - Throws: ``SecureChannelError/Code/malformedResponse`` when there are fewer than 2 bytes.
    public init(bytes: [UInt8]) throws(SecureChannelError) {
        guard bytes.count >= 2 else {
            throw .malformedResponse("a response APDU ends with a 2-byte status word; got \(bytes.count) bytes")
        }
        self.data = Array(bytes.dropLast(2))
        self.statusWord = StatusWord(sw1: bytes[bytes.count - 2], sw2: bytes[bytes.count - 1])
    }

    /// The response APDU: data followed by the status word.
    public var bytes: [UInt8] {
        data + [statusWord.sw1, statusWord.sw2]
    }

    /// The response in upper-case hex, data then status word.
    public var description: String { HexText.bytes(bytes) }
}
